package backend

import (
	"context"
	"errors"

	"k8s.io/client-go/kubernetes"

	"github.com/meshtwin/meshtwin/model"
)

// memberClient is the client the mesh instance reaches a cluster with:
// through the cluster's gate, as asm's own field manager.
func (m *meshInstance) memberClient(c *cluster) kubernetes.Interface {
	client, err := kubernetes.NewForConfig(c.gate.wrap(c.plane.RESTConfig(), userAgentASM))
	if err != nil {
		return c.client
	}
	return client
}

// installInjector is pending the admission server (realk8s/admission).
func (m *meshInstance) installInjector(context.Context, *cluster, string) error { return nil }

func (m *meshInstance) uninstallInjector(context.Context, *cluster, string) error { return nil }

// InstallWebhook is pending the admission server (realk8s/admission).
func (b *Backend) InstallWebhook(context.Context, string, model.Webhook) error {
	return errors.New("install webhook: the local backend has no admission server yet")
}
