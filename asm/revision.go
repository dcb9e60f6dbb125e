package asm

import (
	"context"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshtwin/meshtwin/model"
)

// AddRevision makes the mesh serve another istiod revision (B15): the
// revision's injector webhook configuration (istio-sidecar-injector-NAME)
// is written into every member cluster, and pods selecting the revision
// with istio.io/rev=NAME are injected from then on.
func (i *Instance) AddRevision(ctx context.Context, name string) error {
	cfg, members := i.snapshot()
	if err := model.ValidateNewRevision(cfg, name); err != nil {
		return fmt.Errorf("add revision: %w", err)
	}
	for _, m := range members {
		mwc := model.InjectorWebhookConfiguration(name)
		_, err := m.client.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(ctx, mwc, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("add revision %q: cluster %s: %w", name, m.name, err)
		}
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if !slices.Contains(i.cfg.Revisions, name) {
		i.cfg.Revisions = append(i.cfg.Revisions, name)
		slices.Sort(i.cfg.Revisions)
	}
	return nil
}

// RemoveRevision stops serving a revision: its injector webhook
// configuration is deleted from every member cluster, so pods selecting
// it are no longer injected; running pods keep their sidecar.
func (i *Instance) RemoveRevision(ctx context.Context, name string) error {
	cfg, members := i.snapshot()
	if err := model.ValidateRemoveRevision(cfg, name); err != nil {
		return fmt.Errorf("remove revision: %w", err)
	}
	for _, m := range members {
		err := m.client.AdmissionregistrationV1().MutatingWebhookConfigurations().Delete(ctx, model.InjectorConfigurationName(name), metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("remove revision %q: cluster %s: %w", name, m.name, err)
		}
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.cfg.Revisions = slices.DeleteFunc(i.cfg.Revisions, func(r string) bool { return r == name })
	return nil
}
