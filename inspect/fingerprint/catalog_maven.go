package fingerprint

import (
	"bufio"
	"bytes"
	"net/url"
	"strings"
)

// mavenProperties reads META-INF/maven/<groupId>/<artifactId>/pom.properties
// inside a jar, war or ear (opened as a zip by the walker): the Maven
// coordinates the archive was built as.
type mavenProperties struct{}

func (mavenProperties) Name() string { return "maven.pom-properties" }
func (mavenProperties) Wants(p string, _ []byte, size int64) bool {
	return size <= 64<<10 && strings.HasSuffix(p, "/pom.properties") && strings.Contains(p, "META-INF/maven/")
}
func (mavenProperties) Catalog(f *Subject, rep *FileReport) {
	props := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(f.Data))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || l[0] == '#' || l[0] == '!' {
			continue
		}
		if k, v, ok := strings.Cut(l, "="); ok {
			props[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	g, a, v := props["groupId"], props["artifactId"], props["version"]
	if g == "" || a == "" {
		return
	}
	purl := "pkg:maven/" + url.PathEscape(g) + "/" + url.PathEscape(a)
	if v != "" {
		purl += "@" + url.PathEscape(v)
	}
	rep.Findings = append(rep.Findings, Finding{
		Name: g + ":" + a, Version: v, PURL: purl, Linkage: LinkageUnknown,
		Evidence: []Evidence{{File: f.Path, Rule: "maven.pom-properties", Offset: -1, Resource: "pom.properties",
			Match: g + ":" + a + ":" + v}},
	})
}
