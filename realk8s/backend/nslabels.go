package backend

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"

	"github.com/meshtwin/meshtwin/model"
)

// A webhook's namespaceSelector is matched by the API server against the
// namespace as its own informer has it, which trails a write by moments
// (longer on a loaded machine): a pod created right after
// "kubectl label namespace demo istio-injection=enabled" can still be
// admitted as if the label were not there. The in-memory backend has no
// such lag, and a user's script on a real cluster rarely meets it, so
// after each write of an existing namespace in a cluster this backend
// waits until the API server's admission has the namespace's labels
// (awaitNamespaceLabels). A new namespace needs no wait: when its informer
// does not have it yet, the API server reads it from storage.

// namespaceLabelsTimeout bounds the wait after one namespace write.
const namespaceLabelsTimeout = 10 * time.Second

// updatedNamespace returns the namespace a request updates (PUT or PATCH
// of /api/v1/namespaces/NAME, not a dry run), or "".
func updatedNamespace(req *http.Request) string {
	if req.Method != http.MethodPut && req.Method != http.MethodPatch {
		return ""
	}
	if req.URL.Query().Has("dryRun") {
		return ""
	}
	name, ok := strings.CutPrefix(req.URL.Path, "/api/v1/namespaces/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return "" // the collection, or a subresource (status, finalize)
	}
	return name
}

// awaitNamespaceLabels returns once the webhooks that c's API server calls
// for a pod in namespace are those its configurations select with the
// namespace's stored labels, for each pod label set that a webhook's
// objectSelector tells apart; or after namespaceLabelsTimeout, or at once
// when the namespace cannot hold a pod (terminating, a policy refusing
// the probe): the write itself has succeeded, and a wait is all this adds.
func (b *Backend) awaitNamespaceLabels(ctx context.Context, c *cluster, namespace string) {
	b.mu.Lock()
	s := b.admission
	b.mu.Unlock()
	if s == nil {
		return // no webhook was ever installed
	}
	defer b.fleet.times.since("namespace labels seen", time.Now())
	ctx, cancel := context.WithTimeout(ctx, namespaceLabelsTimeout)
	defer cancel()
	raw := c.plane.Client()
	for {
		done, err := namespaceLabelsSeen(ctx, raw, s, namespace)
		if done || err != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// callsProber is the admission server's Calls.
type callsProber interface {
	Calls(ctx context.Context, c kubernetes.Interface, namespace string, podLabels map[string]string) ([]string, error)
}

// namespaceLabelsSeen compares, for each probe label set, the webhooks
// the API server calls with those the stored labels select. An error
// means waiting would not help.
func namespaceLabelsSeen(ctx context.Context, c kubernetes.Interface, s callsProber, namespace string) (bool, error) {
	ns, err := c.CoreV1().Namespaces().Get(ctx, namespace, metav1.GetOptions{})
	if err != nil {
		return false, err
	}
	if ns.DeletionTimestamp != nil {
		return false, errors.New("terminating")
	}
	mwcs, err := c.AdmissionregistrationV1().MutatingWebhookConfigurations().List(ctx, metav1.ListOptions{})
	if err != nil {
		return false, err
	}
	for _, podLabels := range probeLabelSets(mwcs.Items) {
		want := selectedWebhooks(mwcs.Items, podLabels, ns.Labels)
		got, err := s.Calls(ctx, c, namespace, podLabels)
		switch {
		case apierrors.IsForbidden(err) && strings.Contains(err.Error(), "service account"):
			return false, nil // a namespace made moments ago: its ServiceAccount comes
		case err != nil:
			return false, err
		case !slices.Equal(got, want):
			return false, nil
		}
	}
	return true, nil
}

// selectedWebhooks are the webhooks, "CONFIGURATION/WEBHOOK" sorted, that
// the configurations select for a pod CREATE with podLabels in a
// namespace with nsLabels.
func selectedWebhooks(mwcs []admissionregistrationv1.MutatingWebhookConfiguration, podLabels, nsLabels map[string]string) []string {
	var out []string
	for i := range mwcs {
		for _, wh := range model.CalledWebhooks(mwcs[i].Webhooks, podLabels, nsLabels) {
			out = append(out, mwcs[i].Name+"/"+wh)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// probeLabelSets are the pod label sets to probe with: none, and for each
// webhook's objectSelector a set it selects (its matchLabels, the first
// value of each In, "true" for each Exists), so that a namespace label
// that only matters together with a pod label is seen too.
func probeLabelSets(mwcs []admissionregistrationv1.MutatingWebhookConfiguration) []map[string]string {
	sets := []map[string]string{nil}
	seen := map[string]bool{"": true}
	for i := range mwcs {
		for _, wh := range mwcs[i].Webhooks {
			sel := wh.ObjectSelector
			if sel == nil {
				continue
			}
			set := maps.Clone(sel.MatchLabels)
			if set == nil {
				set = map[string]string{}
			}
			for _, e := range sel.MatchExpressions {
				switch {
				case e.Operator == metav1.LabelSelectorOpIn && len(e.Values) > 0:
					set[e.Key] = e.Values[0]
				case e.Operator == metav1.LabelSelectorOpExists:
					set[e.Key] = "true"
				}
			}
			key := labels.Set(set).String()
			if !seen[key] {
				seen[key] = true
				sets = append(sets, set)
			}
		}
	}
	return sets
}
