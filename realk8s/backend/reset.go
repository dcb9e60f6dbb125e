package backend

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"

	"github.com/meshtwin/meshtwin/model"
)

// resetTimeout bounds the reset of a scenario's planes.
const resetTimeout = 2 * time.Minute

// resetCluster deletes what a scenario created on a cluster's plane:
// webhook configurations, nodes, namespaces other than Kubernetes' own
// (their objects with them), the objects of the default namespace, and
// labels and annotations added to the built-in namespaces. It returns
// once the namespaces are gone, so the next scenario can create them
// again.
func resetCluster(ctx context.Context, p Plane) error {
	c, dyn, err := quietClients(p)
	if err != nil {
		return fmt.Errorf("reset cluster: %w", err)
	}
	var errs []error
	began := time.Now()
	mwcs := c.AdmissionregistrationV1().MutatingWebhookConfigurations()
	errs = append(errs, ignoreNotFound(mwcs.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{})))
	vwcs := c.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	errs = append(errs, ignoreNotFound(vwcs.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{})))
	timed(ctx, "reset: webhooks", began)
	errs = append(errs, resetNamespaces(ctx, c, dyn))
	began = time.Now()
	errs = append(errs, resetNodes(ctx, c, p.RealNodes()))
	timed(ctx, "reset: nodes", began)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("reset cluster: %w", err)
	}
	return nil
}

// resetNodes deletes the nodes a scenario registered, and their
// Leases; a plane's real nodes stay (their kubelets would not register
// them again).
func resetNodes(ctx context.Context, c kubernetes.Interface, real []string) error {
	if len(real) == 0 {
		return errors.Join(
			ignoreNotFound(c.CoreV1().Nodes().DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{})),
			ignoreNotFound(c.CoordinationV1().Leases(corev1.NamespaceNodeLease).DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{})))
	}
	nodes, err := c.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range nodes.Items {
		if slices.Contains(real, n.Name) {
			continue
		}
		errs = append(errs,
			ignoreNotFound(c.CoreV1().Nodes().Delete(ctx, n.Name, metav1.DeleteOptions{})),
			ignoreNotFound(c.CoordinationV1().Leases(corev1.NamespaceNodeLease).Delete(ctx, n.Name, metav1.DeleteOptions{})))
	}
	return errors.Join(errs...)
}

// resetInstance deletes what a scenario created on the mesh instance's
// plane: its namespaces and the asmmeshconfig object.
func resetInstance(ctx context.Context, p Plane) error {
	c, dyn, err := quietClients(p)
	if err != nil {
		return fmt.Errorf("reset mesh instance: %w", err)
	}
	var errs []error
	began := time.Now()
	err = dyn.Resource(meshConfigGVR()).DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{})
	errs = append(errs, ignoreNotFound(err))
	timed(ctx, "reset: asmmeshconfig", began)
	errs = append(errs, resetNamespaces(ctx, c, dyn))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("reset mesh instance: %w", err)
	}
	return nil
}

// resetNamespaces deletes every namespace but Kubernetes' own, with
// everything in them; clears the default namespace; and puts the
// built-in namespaces' labels and annotations back as the server made
// them.
func resetNamespaces(ctx context.Context, c kubernetes.Interface, dyn dynamic.Interface) error {
	builtin := model.BuiltinNamespaces()
	began := time.Now()
	list, err := c.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	var errs []error
	var doomed []string
	for i := range list.Items {
		ns := &list.Items[i]
		if !slices.Contains(builtin, ns.Name) {
			doomed = append(doomed, ns.Name)
			continue
		}
		// istiod's root certificate, written while the plane's cluster
		// was in the scenario's mesh.
		err := c.CoreV1().ConfigMaps(ns.Name).Delete(ctx, model.IstioCARootCertConfigMap, metav1.DeleteOptions{})
		errs = append(errs, ignoreNotFound(err))
		if len(ns.Annotations) > 0 || len(ns.Labels) != 1 {
			ns.Labels = map[string]string{corev1.LabelMetadataName: ns.Name}
			ns.Annotations = nil
			_, err := c.CoreV1().Namespaces().Update(ctx, ns, metav1.UpdateOptions{})
			errs = append(errs, err)
		}
	}
	timed(ctx, "reset: builtin namespaces", began)
	if len(doomed) > 0 {
		errs = append(errs, deleteNamespaces(ctx, c, dyn, doomed))
	}
	began = time.Now()
	errs = append(errs, clearNamespace(ctx, c, corev1.NamespaceDefault))
	timed(ctx, "reset: clear default", began)
	if err := errors.Join(errs...); err != nil {
		return err
	}
	began = time.Now()
	defer timed(ctx, "reset: default pods gone", began)
	return wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, resetTimeout, true, func(ctx context.Context) (bool, error) {
		pods, err := c.CoreV1().Pods(corev1.NamespaceDefault).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		return len(pods.Items) == 0, nil
	})
}

// deleteNamespaces deletes namespaces at once, doing the namespace
// controller's work itself: once a namespace is terminating (no object
// can be created in it any more), every namespaced resource the server
// serves is deleted in it, then its finalizer is removed, so the server
// deletes it. The controller would get there too, but in seconds.
func deleteNamespaces(ctx context.Context, c kubernetes.Interface, dyn dynamic.Interface, names []string) error {
	var errs []error
	began := time.Now()
	for _, name := range names {
		errs = append(errs, ignoreNotFound(c.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{})))
	}
	timed(ctx, "reset: namespaces delete", began)
	began = time.Now()
	resources, err := c.Discovery().ServerPreferredNamespacedResources()
	timed(ctx, "reset: discovery", began)
	if err != nil && len(resources) == 0 {
		return errors.Join(append(errs, fmt.Errorf("discover namespaced resources: %w", err))...)
	}
	var gvrs []schema.GroupVersionResource
	for _, list := range resources {
		gv, err := schema.ParseGroupVersion(list.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range list.APIResources {
			if slices.Contains(r.Verbs, "deletecollection") && !strings.Contains(r.Name, "/") {
				gvrs = append(gvrs, gv.WithResource(r.Name))
			}
		}
	}
	began = time.Now()
	force := metav1.DeleteOptions{GracePeriodSeconds: new(int64(0))}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, name := range names {
		for _, gvr := range gvrs {
			wg.Go(func() {
				err := dyn.Resource(gvr).Namespace(name).DeleteCollection(ctx, force, metav1.ListOptions{})
				if err = ignoreNotFound(err); err != nil && !apierrors.IsMethodNotSupported(err) {
					mu.Lock()
					errs = append(errs, fmt.Errorf("delete %s in %s: %w", gvr.Resource, name, err))
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	timed(ctx, "reset: deletecollections", began)
	began = time.Now()
	for _, name := range names {
		// The namespace controller writes the terminating namespace's
		// conditions meanwhile (on kind): a Conflict is read again.
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			ns, err := c.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			ns.Spec.Finalizers = nil
			_, err = c.CoreV1().Namespaces().Finalize(ctx, ns, metav1.UpdateOptions{})
			return err
		})
		if err = ignoreNotFound(err); err != nil {
			errs = append(errs, fmt.Errorf("finalize namespace %q: %w", name, err))
		}
	}
	timed(ctx, "reset: finalize", began)
	if err := errors.Join(errs...); err != nil {
		return err
	}
	began = time.Now()
	defer timed(ctx, "reset: namespaces gone", began)
	return wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, resetTimeout, true, func(ctx context.Context) (bool, error) {
		for _, name := range names {
			_, err := c.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
			if err == nil {
				return false, nil
			}
			if !apierrors.IsNotFound(err) {
				return false, err
			}
		}
		return true, nil
	})
}

// clearNamespace deletes the objects a scenario may have made in a
// namespace that stays: workloads, pods, claims, services and config
// maps other than the server's own, service accounts but default, events.
func clearNamespace(ctx context.Context, c kubernetes.Interface, ns string) error {
	all := metav1.ListOptions{}
	del := metav1.DeleteOptions{PropagationPolicy: new(metav1.DeletePropagationBackground)}
	errs := []error{
		c.AppsV1().Deployments(ns).DeleteCollection(ctx, del, all),
		c.AppsV1().ReplicaSets(ns).DeleteCollection(ctx, del, all),
		c.AppsV1().StatefulSets(ns).DeleteCollection(ctx, del, all),
		c.AppsV1().DaemonSets(ns).DeleteCollection(ctx, del, all),
		c.BatchV1().CronJobs(ns).DeleteCollection(ctx, del, all),
		c.BatchV1().Jobs(ns).DeleteCollection(ctx, del, all),
		c.CoreV1().Pods(ns).DeleteCollection(ctx, metav1.DeleteOptions{GracePeriodSeconds: new(int64(0))}, all),
		c.CoreV1().ConfigMaps(ns).DeleteCollection(ctx, del, metav1.ListOptions{FieldSelector: "metadata.name!=kube-root-ca.crt"}),
		c.CoreV1().Secrets(ns).DeleteCollection(ctx, del, all),
		c.CoreV1().ServiceAccounts(ns).DeleteCollection(ctx, del, metav1.ListOptions{FieldSelector: "metadata.name!=default"}),
		c.CoreV1().Events(ns).DeleteCollection(ctx, del, all),
	}
	// A claim keeps its pvc-protection finalizer while a pod may use it;
	// the pods are gone, so the finalizer is dropped and the claim goes
	// at once rather than into the next scenario.
	claims, err := c.CoreV1().PersistentVolumeClaims(ns).List(ctx, all)
	errs = append(errs, err)
	if err == nil {
		for _, pvc := range claims.Items {
			errs = append(errs, c.CoreV1().PersistentVolumeClaims(ns).Delete(ctx, pvc.Name, metav1.DeleteOptions{}))
			_, err := c.CoreV1().PersistentVolumeClaims(ns).Patch(ctx, pvc.Name, types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
			errs = append(errs, err)
		}
	}
	svcs, err := c.CoreV1().Services(ns).List(ctx, all)
	errs = append(errs, err)
	if err == nil {
		for _, s := range svcs.Items {
			if ns == corev1.NamespaceDefault && s.Name == "kubernetes" {
				continue
			}
			errs = append(errs, c.CoreV1().Services(ns).Delete(ctx, s.Name, del))
		}
	}
	for i, err := range errs {
		errs[i] = ignoreNotFound(err)
	}
	return errors.Join(errs...)
}

func ignoreNotFound(err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// quietClients are a plane's clients without the server's deprecation
// warnings (a reset deletes every kind, deprecated ones too).
func quietClients(p Plane) (kubernetes.Interface, dynamic.Interface, error) {
	cfg := p.RESTConfig()
	cfg.WarningHandler = rest.NoWarnings{}
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, nil, err
	}
	return c, dyn, nil
}
