package sim

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshtwin/meshtwin/model"
)

// UpgradeCluster moves a cluster to a newer Kubernetes minor version in
// place (B38): the control plane and every node's kubelet. Running pods
// keep what they have; pods created afterwards are admitted under the new
// version. A version that is not the next minor one changes nothing.
func (s *Sim) UpgradeCluster(ctx context.Context, name string, to model.KubeVersion) error {
	s.mu.Lock()
	c, err := s.clusterLocked(name)
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("upgrade cluster: %w", err)
	}
	if err := model.CheckKubeUpgrade(c.info.KubeVersion, to); err != nil {
		s.mu.Unlock()
		return fmt.Errorf("upgrade cluster %q: %w", name, err)
	}
	from := c.info.KubeVersion
	c.info.KubeVersion = to
	c.spec.KubeVersion = to
	for _, obj := range c.tracker.items(gvrNodes, "") {
		node := obj.(*corev1.Node).DeepCopy()
		node.Status.NodeInfo.KubeletVersion = strings.Replace(node.Status.NodeInfo.KubeletVersion, "v"+from.String()+".", "v"+to.String()+".", 1)
		if _, err := c.tracker.put(gvrNodes, node, storeUpdate); err != nil {
			s.mu.Unlock()
			return fmt.Errorf("upgrade cluster %q: node %q: %w", name, node.Name, err)
		}
	}
	c.nodesChanged()
	joined, info := c.joined, c.infoCopy()
	s.mu.Unlock()
	if !joined {
		return nil
	}
	inst, err := s.Instance()
	if err != nil {
		return fmt.Errorf("upgrade cluster %q: %w", name, err)
	}
	return inst.SetClusterInfo(name, info)
}

// LeaveCluster takes a cluster out of the mesh: it leaves every global
// namespace's homing (asm.Instance.RemoveCluster), and the mesh's sidecar
// injector configuration leaves the cluster, so pods created there
// afterwards are not injected. The cluster's namespaces, labels and pods
// stay. It returns the namespaces whose homing changed and those left
// without a homing cluster.
func (s *Sim) LeaveCluster(ctx context.Context, name string) (changed, emptied []string, err error) {
	inst, err := s.Instance()
	if err != nil {
		return nil, nil, fmt.Errorf("remove cluster %q from the mesh: %w", name, err)
	}
	s.mu.Lock()
	c, err := s.clusterLocked(name)
	if err == nil && !c.joined {
		err = fmt.Errorf("cluster %q is not in the mesh (clusters of the mesh: %s)", name, knownList(inst.Clusters()))
	}
	s.mu.Unlock()
	if err != nil {
		return nil, nil, fmt.Errorf("remove cluster %q from the mesh: %w", name, err)
	}
	changed, emptied, err = inst.RemoveCluster(ctx, name)
	if err != nil {
		return changed, emptied, err
	}
	for _, rev := range inst.Config().ServedRevisions() {
		mwc := model.InjectorConfigurationName(rev)
		err = c.cs.AdmissionregistrationV1().MutatingWebhookConfigurations().Delete(ctx, mwc, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return changed, emptied, fmt.Errorf("remove cluster %q from the mesh: delete %s: %w", name, mwc, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c.joined = false
	return changed, emptied, nil
}

// DeleteCluster deletes a cluster that is not in the mesh, with
// everything in it.
func (s *Sim) DeleteCluster(_ context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.clusterLocked(name)
	if err != nil {
		return fmt.Errorf("delete cluster: %w", err)
	}
	if c.joined {
		return fmt.Errorf("delete cluster %q: it is in the mesh; remove it first (mesh remove-cluster %s)", name, name)
	}
	delete(s.clusters, name)
	return nil
}
