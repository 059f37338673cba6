// Command corpussum prints one line summarizing an `installer-sbom inspect
// --json` inventory for bench/corpus.sh, so the script needs no JSON tool:
//
//	files=N bytes=B packages=P problems=Q components=name@version,name@-,...
//
// A component whose version the bytes do not reveal is shown as name@-.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: corpussum INVENTORY.json")
		os.Exit(2)
	}
	b, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "corpussum:", err)
		os.Exit(1)
	}
	var inv struct {
		Files []struct {
			Size int64 `json:"size"`
		} `json:"files"`
		Packages   []json.RawMessage `json:"packages"`
		Problems   []json.RawMessage `json:"problems"`
		Components []struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &inv); err != nil {
		fmt.Fprintf(os.Stderr, "corpussum: %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	var size int64
	for _, f := range inv.Files {
		size += f.Size
	}
	var comps []string
	for _, c := range inv.Components {
		v := c.Version
		if v == "" {
			v = "-"
		}
		comps = append(comps, c.Name+"@"+v)
	}
	fmt.Printf("files=%d bytes=%d packages=%d problems=%d components=%s\n",
		len(inv.Files), size, len(inv.Packages), len(inv.Problems), strings.Join(comps, ","))
}
