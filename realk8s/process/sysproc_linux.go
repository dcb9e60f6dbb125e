package process

import "syscall"

// sysProcAttr puts the child in its own process group (so Stop reaches its
// children too and a terminal's ^C is ours to forward) and has the kernel
// kill it if this process dies without stopping it.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
