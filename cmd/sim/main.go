// Command sim runs what-if scenarios against a simulated service mesh:
// scripts of the kubectl, console and istioctl commands users already
// know, printed as the real tools would print them.
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
