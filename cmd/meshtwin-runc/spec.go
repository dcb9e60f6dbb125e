package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
)

// The capability this host cannot grant.
const dropped = "CAP_SYS_RESOURCE"

// call is what the wrapper needs of runc's command line.
type call struct {
	command string // create, run, exec, ...; "" when none
	bundle  string // --bundle/-b of create and run
	process string // --process/-p of exec
}

// runc's global flags that take a value (runc --help).
var globalWithValue = map[string]bool{"--root": true, "--log": true, "--log-format": true, "--criu": true, "--rootless": true}

// parse finds the subcommand after runc's global flags, then the flags of
// the subcommand the wrapper cares about, in "--flag value" and
// "--flag=value" forms.
func parse(args []string) call {
	var c call
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			c.command = a
			break
		}
		if globalWithValue[a] {
			i++
		}
	}
	for i++; i < len(args); i++ {
		name, value, hasValue := strings.Cut(args[i], "=")
		var dest *string
		switch name {
		case "--bundle", "-b":
			dest = &c.bundle
		case "--process", "-p":
			dest = &c.process
		default:
			continue
		}
		if !hasValue && i+1 < len(args) {
			i++
			value = args[i]
		}
		*dest = value
	}
	return c
}

// stripFile removes the capability from the process of an OCI spec
// (config.json, whole is true) or from a process spec (exec --process).
// Numbers and fields the wrapper does not know pass through as they were.
func stripFile(path string, whole bool) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read spec: %w", err)
	}
	out, changed, err := stripSpec(raw, whole)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if !changed {
		return nil
	}
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, out, info.Mode().Perm()); err != nil {
		return fmt.Errorf("write spec: %w", err)
	}
	return nil
}

func stripSpec(raw []byte, whole bool) (out []byte, changed bool, err error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, false, fmt.Errorf("parse: %w", err)
	}
	process := doc
	if whole {
		p, ok := doc["process"].(map[string]any)
		if !ok {
			return raw, false, nil
		}
		process = p
	}
	caps, ok := process["capabilities"].(map[string]any)
	if !ok {
		return raw, false, nil
	}
	for set, v := range caps {
		list, ok := v.([]any)
		if !ok {
			continue
		}
		kept := slices.DeleteFunc(slices.Clone(list), func(c any) bool { return c == dropped })
		if len(kept) != len(list) {
			caps[set] = kept
			changed = true
		}
	}
	if !changed {
		return raw, false, nil
	}
	out, err = json.Marshal(doc)
	return out, true, err
}
