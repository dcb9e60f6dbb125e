package shell

import (
	"context"
	"io"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/meshtwin/meshtwin/kubectl"
	"github.com/meshtwin/meshtwin/model"
	"github.com/meshtwin/meshtwin/script"
)

// kubectl runs one kubectl command line (args excludes the word
// "kubectl") with the kubectl package, on the session's backend and
// current context. kubectl has already written its error text when it
// fails; the failure is exit status 1.
func (s *Session) kubectl(ctx context.Context, args []string, stdin io.Reader, out, errOut io.Writer) error {
	if err := kubectl.Run(ctx, kubectlHost{s}, args, stdin, out, errOut); err != nil {
		return &script.ExitError{Code: 1, Err: err}
	}
	return nil
}

// kubectlHost is the session as kubectl sees it.
type kubectlHost struct{ s *Session }

var _ kubectl.Host = kubectlHost{}

func (h kubectlHost) Now() time.Time { return h.s.backend.Now() }

func (h kubectlHost) Advance(ctx context.Context, d time.Duration) error {
	return h.s.backend.Advance(ctx, d)
}

func (h kubectlHost) Client(contextName string) (kubernetes.Interface, error) {
	return h.s.backend.Client(contextName)
}

func (h kubectlHost) Clusters() []string { return h.s.backend.Clusters() }

func (h kubectlHost) MeshConfig() (kubectl.MeshConfig, error) {
	m, err := h.s.backend.Mesh()
	if err != nil {
		return nil, err
	}
	return m, nil
}

func (h kubectlHost) CurrentContext() string { return h.s.context }

func (h kubectlHost) UseContext(name string) { h.s.context = name }

func (h kubectlHost) Dir() string { return h.s.opts.Dir }

func (h kubectlHost) KubeVersion(contextName string) (model.KubeVersion, bool) {
	info, err := h.s.backend.ClusterInfo(contextName)
	if err != nil {
		return model.KubeVersion{}, false
	}
	return info.KubeVersion, true
}
