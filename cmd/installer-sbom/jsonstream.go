package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"strings"
)

// writeJSONStreamed writes v (a struct) exactly as a json.Encoder with
// SetIndent("", "  ") and SetEscapeHTML(false) would, but encodes the
// elements of its top-level slices one at a time: an inventory of 200,000
// packages is written without first building its whole 80 MB text (twice,
// for the indentation) while the inventory itself is still in memory.
func writeJSONStreamed(w io.Writer, v any) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	encode := func(x any, prefix string) ([]byte, error) {
		buf.Reset()
		enc.SetIndent(prefix, "  ")
		if err := enc.Encode(x); err != nil {
			return nil, err
		}
		return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	rt := rv.Type()
	bw.WriteString("{")
	first := true
	for i := 0; i < rt.NumField(); i++ {
		sf := rt.Field(i)
		name, opts, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if !sf.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		fv := rv.Field(i)
		if strings.Contains(opts, "omitempty") && fv.IsZero() || strings.Contains(opts, "omitempty") && fv.Kind() == reflect.Slice && fv.Len() == 0 {
			continue
		}
		if !first {
			bw.WriteString(",")
		}
		first = false
		key, _ := encode(name, "")
		bw.WriteString("\n  ")
		bw.Write(key)
		bw.WriteString(": ")
		if fv.Kind() != reflect.Slice || fv.IsNil() || fv.Len() == 0 {
			b, err := encode(fv.Interface(), "  ")
			if err != nil {
				return err
			}
			bw.Write(b)
			continue
		}
		bw.WriteString("[")
		for k := 0; k < fv.Len(); k++ {
			if k > 0 {
				bw.WriteString(",")
			}
			b, err := encode(fv.Index(k).Interface(), "    ")
			if err != nil {
				return err
			}
			bw.WriteString("\n    ")
			bw.Write(b)
		}
		bw.WriteString("\n  ]")
	}
	if first {
		bw.WriteString("}\n")
	} else {
		bw.WriteString("\n}\n")
	}
	return bw.Flush()
}
