package compose

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
)

var (
	agentRE       = regexp.MustCompile(`^(Person|Organization|Tool):\s*(\S.*)$`)
	agentTypeLike = regexp.MustCompile(`^[A-Za-z]+:\s`) // "Robot: x": a misspelt agent type
)

// parseAgent normalises "Type: name" agent syntax. A bare name is an
// organisation; "NOASSERTION" passes through unless creator is set (creators
// must name someone). Tool is allowed only for creators.
func parseAgent(s string, creator bool) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("empty")
	}
	if strings.ContainsAny(s, "\n\r") {
		return "", errors.New("contains a line break")
	}
	if s == "NOASSERTION" {
		if creator {
			return "", errors.New("a creator must name a person, organization or tool")
		}
		return s, nil
	}
	if m := agentRE.FindStringSubmatch(s); m != nil {
		if m[1] == "Tool" && !creator {
			return "", errors.New("a supplier cannot be a tool")
		}
		return m[1] + ": " + strings.TrimSpace(m[2]), nil
	}
	if agentTypeLike.MatchString(s) || (strings.Contains(s, ":") && !strings.Contains(s, " ")) {
		return "", errors.New(`want "Person: name", "Organization: name" or "Tool: name"`)
	}
	return "Organization: " + s, nil
}

func agentOrEmpty(s string) string {
	a, err := parseAgent(s, false)
	if err != nil {
		return ""
	}
	return a
}

func validAgentName(s string) bool { return s != "" && !strings.ContainsAny(s, "\n\r") }

func validDownloadLocation(s string) bool {
	if s == "NONE" || s == "NOASSERTION" {
		return true
	}
	if strings.ContainsAny(s, " \t\n") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "")
}
