package kubectl

import (
	"errors"
	"fmt"
	"sort"

	"github.com/meshtwin/meshtwin/model"
)

var kubectlConfigCommands = []string{"current-context", "get-contexts", "use-context"}

// config is `kubectl config current-context|get-contexts|use-context`.
// The contexts are the backend's clusters and, once the mesh exists, the
// mesh instance ("asm").
func (k *kubectlRun) config(args []string) error {
	name, rest, ok := kubectlSplitCommand(args)
	if !ok {
		k.newFlags("kubectl config")
		if _, err := k.parse(args); err != nil || k.help {
			return err
		}
		fmt.Fprintf(k.out, "Modify kubeconfig files (emulated: the contexts are the mesh's clusters and asm).\n\nAvailable Commands:\n")
		for _, c := range kubectlConfigCommands {
			fmt.Fprintf(k.out, "  %s\n", c)
		}
		return kubectlSilentExit{}
	}
	switch name {
	case "use-context", "use":
		return k.configUseContext(rest)
	case "current-context":
		return k.configCurrentContext(rest)
	case "get-contexts":
		return k.configGetContexts(rest)
	}
	for _, c := range []string{"delete-cluster", "delete-context", "delete-user", "get-clusters", "get-users", "rename-context", "set", "set-cluster", "set-context", "set-credentials", "unset", "view"} {
		if c == name {
			return notEmulated("kubectl config "+name, kubectlConfigCommands...)
		}
	}
	k.newFlags("kubectl config")
	return k.nestedUnknownCommand(append([]string{name}, rest...))
}

// kubeContexts lists every context, sorted.
func (k *kubectlRun) kubeContexts() []string {
	names := append([]string(nil), k.host.Clusters()...)
	if _, err := k.host.MeshConfig(); err == nil {
		names = append(names, model.ContextASM)
	}
	sort.Strings(names)
	return names
}

func (k *kubectlRun) configUseContext(args []string) error {
	k.newFlags("kubectl config use-context")
	pos, err := k.parse(args)
	if err != nil || k.help {
		return err
	}
	if len(pos) != 1 {
		return k.usageErrorf("Unexpected args: %v", pos)
	}
	name := pos[0]
	if _, err := k.host.Client(name); err != nil {
		return fmt.Errorf("no context exists with the name: %q", name)
	}
	k.host.UseContext(name)
	fmt.Fprintf(k.out, "Switched to context %q.\n", name)
	return nil
}

func (k *kubectlRun) configCurrentContext(args []string) error {
	k.newFlags("kubectl config current-context")
	pos, err := k.parse(args)
	if err != nil || k.help {
		return err
	}
	if len(pos) != 0 {
		return k.usageErrorf("unexpected arguments: %v", pos)
	}
	if k.host.CurrentContext() == "" {
		return errors.New("current-context is not set")
	}
	fmt.Fprintln(k.out, k.host.CurrentContext())
	return nil
}

func (k *kubectlRun) configGetContexts(args []string) error {
	fs := k.newFlags("kubectl config get-contexts")
	output := fs.StringP("output", "o", "", "Output format. One of: (name).")
	noHeaders := fs.Bool("no-headers", false, "When using the default or custom-column output format, don't print headers (default print headers).")
	pos, err := k.parse(args)
	if err != nil || k.help {
		return err
	}
	if *output != "" && *output != "name" {
		return fmt.Errorf("output must be one of '' or 'name': %v", *output)
	}
	all := k.kubeContexts()
	names := all
	var missing []error
	if len(pos) > 0 {
		names = nil
		for _, want := range pos {
			found := false
			for _, n := range all {
				if n == want {
					found = true
				}
			}
			if found {
				names = append(names, want)
			} else {
				missing = append(missing, fmt.Errorf("context %s not found", want))
			}
		}
	}
	if *output == "name" {
		for _, n := range names {
			fmt.Fprintln(k.out, n)
		}
		return joinKubectlErrors(missing)
	}
	tw := newKubeTable(k.out)
	if !*noHeaders {
		writeKubeRow(tw, []string{"CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"})
	}
	for _, n := range names {
		cur := ""
		if n == k.host.CurrentContext() {
			cur = "*"
		}
		writeKubeRow(tw, []string{cur, n, n, n, ""})
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return joinKubectlErrors(missing)
}
