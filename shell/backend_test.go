package shell_test

import (
	"github.com/meshtwin/meshtwin/asm"
	"github.com/meshtwin/meshtwin/shell"
)

// The in-process mesh instance is one implementation of shell.Mesh.
var _ shell.Mesh = (*asm.Instance)(nil)
