package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Configuration for pipelines that run several steps with the same
// settings: every flag of every command can also come from an environment
// variable INSTALLER_SBOM_<FLAG> (upper case, '-' as '_') or from a YAML
// file (.installer-sbom.yaml in the working directory, or --config FILE):
// top-level keys apply to every command that has that flag, a section named
// after a command to that command only. A flag on the command line wins
// over the environment, which wins over the file. A repeatable flag takes a
// YAML list, or a comma-separated environment value.

// configFileName is read from the working directory when --config is not
// given.
const configFileName = ".installer-sbom.yaml"

// configSections are the commands a configuration file may have a section
// for. Any other map is a flag's value (limit: {entries: 100000}), at the
// top level as in a section; a map was once always taken for a section, so
// limits written as a map were silently not applied.
var configSections = map[string]bool{
	"inspect": true, "compose": true, "validate": true, "verify": true, "diff": true, "vex": true, "rules": true, "config": true,
}

// envPrefix starts the environment variable of every flag.
const envPrefix = "INSTALLER_SBOM_"

// configSource is where a setting came from.
type configSource struct {
	value, from string
}

// extractConfigFlag removes --config FILE (or --config=FILE) from args.
func extractConfigFlag(args []string) (rest []string, path string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(rest, args[i:]...), path, nil
		}
		switch {
		case a == "--config" || a == "-config":
			if i+1 >= len(args) {
				return nil, "", fmt.Errorf("--config needs a file")
			}
			path = args[i+1]
			i++
		case strings.HasPrefix(a, "--config=") || strings.HasPrefix(a, "-config="):
			_, path, _ = strings.Cut(a, "=")
		default:
			rest = append(rest, a)
		}
	}
	return rest, path, nil
}

// loadConfig reads the settings for command cmd: the file's top level,
// then its section for cmd, which replaces a top-level key it repeats.
// explicit says path came from --config (a missing file is then an error;
// the default file is optional). inSection names the keys cmd's own
// section set.
func loadConfig(path, cmd string, explicit bool) (out map[string][]string, inSection map[string]bool, err error) {
	out, inSection = map[string][]string{}, map[string]bool{}
	if path == "" {
		path = configFileName
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if !explicit && os.IsNotExist(err) {
			return out, inSection, nil
		}
		return nil, nil, err
	}
	var raw map[string]any
	if err := yaml.Unmarshal(b, &raw); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	apply := func(m map[string]any, top bool) error {
		for k, v := range m {
			if _, isMap := v.(map[string]any); isMap && top && configSections[k] {
				continue // another command's section
			}
			vals, err := configValues(v)
			if err != nil {
				return fmt.Errorf("%s: %s: %w", path, k, err)
			}
			out[k] = vals
			inSection[k] = !top
		}
		return nil
	}
	if err := apply(raw, true); err != nil {
		return nil, nil, err
	}
	if sec, ok := raw[cmd].(map[string]any); ok {
		if err := apply(sec, false); err != nil {
			return nil, nil, err
		}
	}
	return out, inSection, nil
}

// configValues turns a YAML value into flag values: a scalar is one, a list
// several, a map (limits) name=value pairs.
func configValues(v any) ([]string, error) {
	switch v := v.(type) {
	case []any:
		var out []string
		for _, x := range v {
			s, err := configValues(x)
			if err != nil {
				return nil, err
			}
			out = append(out, s...)
		}
		return out, nil
	case map[string]any:
		var out []string
		for _, k := range sortedMapKeys(v) {
			out = append(out, fmt.Sprintf("%s=%v", k, v[k]))
		}
		return out, nil
	case nil:
		return nil, fmt.Errorf("no value")
	default:
		return []string{fmt.Sprint(v)}, nil
	}
}

func sortedMapKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// envName is a flag's environment variable.
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// repeatable reports whether a flag takes several values.
func repeatable(f *flag.Flag) bool {
	_, ok := f.Value.(*stringList)
	return ok || f.Name == "limit"
}

// effectiveConfig gives the settings from the environment and the file
// for fs's flags not set on the command line.
func effectiveConfig(fs *flag.FlagSet, file map[string][]string) map[string]configSource {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	out := map[string]configSource{}
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] {
			return
		}
		if v, ok := os.LookupEnv(envName(f.Name)); ok {
			out[f.Name] = configSource{v, "environment " + envName(f.Name)}
			return
		}
		if vals, ok := file[f.Name]; ok {
			out[f.Name] = configSource{strings.Join(vals, "\x00"), "config file"}
		}
	})
	return out
}

// applyConfig sets fs's flags not given on the command line from the
// environment and the configuration file.
func applyConfig(fs *flag.FlagSet, configPath, cmd string) error {
	file, inSection, err := loadConfig(configPath, cmd, configPath != "")
	if err != nil {
		return err
	}
	for name, src := range effectiveConfig(fs, file) {
		f := fs.Lookup(name)
		var vals []string
		switch {
		case src.from == "config file":
			vals = strings.Split(src.value, "\x00")
		case repeatable(f):
			vals = strings.Split(src.value, ",")
		default:
			vals = []string{src.value}
		}
		shared := src.from != "config file" || !inSection[name]
		for _, v := range vals {
			v = strings.TrimSpace(v)
			err := fs.Set(name, v)
			if err != nil && shared && name == "limit" {
				// A setting for every command (top level, environment) may
				// hold a limit only some commands have (compose's
				// spdx3-objects); the others leave it alone. In the
				// command's own section it is a mistake and refused.
				if _, _, composeOnly := composeLimit(v); composeOnly {
					continue
				}
			}
			if err != nil {
				return fmt.Errorf("--%s from the %s: %w", name, src.from, err)
			}
		}
	}
	return nil
}

// cmdConfig prints the effective configuration of a command: each setting
// that comes from the environment or the configuration file, and where.
func cmdConfig(args []string, stdout, stderr io.Writer) int {
	rest, path, err := extractConfigFlag(args)
	if err != nil || len(rest) > 1 {
		fmt.Fprintln(stderr, "usage: installer-sbom config [COMMAND] [--config FILE]")
		return exitUsage
	}
	cmd := "compose"
	if len(rest) == 1 {
		cmd = rest[0]
	}
	file, _, err := loadConfig(path, cmd, path != "")
	if err != nil {
		fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
		return exitUsage
	}
	eff := map[string]configSource{}
	for name, vals := range file {
		eff[name] = configSource{strings.Join(vals, "\x00"), "config file " + orDefaultString(path, configFileName)}
	}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if name, ok := strings.CutPrefix(k, envPrefix); ok {
			// The environment wins over the file.
			eff[strings.ToLower(strings.ReplaceAll(name, "_", "-"))] = configSource{strings.ReplaceAll(v, ",", "\x00"), "environment " + k}
		}
	}
	names := make([]string, 0, len(eff))
	for n := range eff {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(stdout, "# installer-sbom %s: settings below the command line (flags win over the environment, the environment over the file)\n", cmd)
	for _, n := range names {
		for _, v := range strings.Split(eff[n].value, "\x00") {
			fmt.Fprintf(stdout, "--%s=%s\t# %s\n", n, v, eff[n].from)
		}
	}
	return exitOK
}

func orDefaultString(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
