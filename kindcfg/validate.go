package kindcfg

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	"sigs.k8s.io/yaml"
)

// nameMax is the longest kind cluster name this project makes: kind
// warns past 50 characters, as a node container's hostname gets
// "-control-plane" appended and hostnames end at 64.
const nameMax = 50

// Parse reads a kind cluster configuration strictly: a field kind's
// v1alpha4 types lack is an error, as is a duplicate field.
func Parse(data []byte) (*v1alpha4.Cluster, error) {
	var c v1alpha4.Cluster
	if err := yaml.UnmarshalStrict(data, &c); err != nil {
		return nil, fmt.Errorf("read kind configuration: %w", err)
	}
	return &c, nil
}

// Validate checks a configuration as this project uses kind, reporting
// every problem at once, each with its field path: kind's API version
// and kind; a cluster name kind and Docker accept; exactly one
// control-plane node, then workers, each with a node image and valid
// labels; the default CNI disabled (the node image brings its own); valid
// subnets and proxy mode; kubeadm patches that are YAML objects with a
// kind, the kubelet's failCgroupV1: false among them; node names set by
// patches valid and distinct.
func Validate(c *v1alpha4.Cluster) error {
	if c == nil {
		return errors.New("kind configuration: none")
	}
	var errs []error
	bad := func(path, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
	}
	if c.APIVersion != APIVersion {
		bad("apiVersion", "%q, want %q", c.APIVersion, APIVersion)
	}
	if c.Kind != Kind {
		bad("kind", "%q, want %q", c.Kind, Kind)
	}
	if c.Name != "" {
		if msgs := validation.IsDNS1123Label(c.Name); len(msgs) > 0 {
			bad("name", "%q: %s", c.Name, strings.Join(msgs, "; "))
		} else if len(c.Name) > nameMax {
			bad("name", "%q is %d characters, at most %d", c.Name, len(c.Name), nameMax)
		}
	}

	if len(c.Nodes) == 0 {
		bad("nodes", "no nodes: a kind cluster needs a control-plane node")
	}
	planes := 0
	names := map[string]string{} // node name -> path of its first patch
	for i, n := range c.Nodes {
		path := fmt.Sprintf("nodes[%d]", i)
		switch n.Role {
		case v1alpha4.ControlPlaneRole:
			planes++
			if i > 0 {
				bad(path+".role", "the control-plane node must come first")
			}
		case v1alpha4.WorkerRole:
		case "":
			bad(path+".role", "missing (control-plane or worker)")
		default:
			bad(path+".role", "%q: want control-plane or worker", n.Role)
		}
		if n.Image == "" {
			bad(path+".image", "missing: every node names its node image (kind's default would be pulled)")
		}
		for k, v := range n.Labels {
			if msgs := validation.IsQualifiedName(k); len(msgs) > 0 {
				bad(path+".labels", "key %q: %s", k, strings.Join(msgs, "; "))
			}
			if msgs := validation.IsValidLabelValue(v); len(msgs) > 0 {
				bad(path+".labels["+k+"]", "value %q: %s", v, strings.Join(msgs, "; "))
			}
		}
		for j, p := range n.KubeadmConfigPatches {
			ppath := fmt.Sprintf("%s.kubeadmConfigPatches[%d]", path, j)
			obj, err := checkPatch(p)
			if err != nil {
				bad(ppath, "%v", err)
				continue
			}
			name, ok, err := registrationName(obj)
			switch {
			case err != nil:
				bad(ppath+".nodeRegistration.name", "%v", err)
			case !ok:
			case len(validation.IsDNS1123Subdomain(name)) > 0:
				bad(ppath+".nodeRegistration.name", "%q: %s", name, strings.Join(validation.IsDNS1123Subdomain(name), "; "))
			case names[name] != "":
				bad(ppath+".nodeRegistration.name", "%q is also the name set by %s", name, names[name])
			default:
				names[name] = ppath
			}
		}
	}
	if len(c.Nodes) > 0 && planes != 1 {
		bad("nodes", "%d control-plane nodes: this project runs exactly one per kind cluster", planes)
	}

	if !c.Networking.DisableDefaultCNI {
		bad("networking.disableDefaultCNI", "must be true: kind's default CNI (kindnetd) is an image no air-gapped node has; the node image's bridge CNI serves the pods")
	}
	for _, f := range []struct{ path, cidr string }{{"networking.podSubnet", c.Networking.PodSubnet}, {"networking.serviceSubnet", c.Networking.ServiceSubnet}} {
		if f.cidr == "" {
			continue
		}
		if _, err := netip.ParsePrefix(f.cidr); err != nil {
			bad(f.path, "%q is not a CIDR: %v", f.cidr, err)
		}
	}
	modes := []v1alpha4.ProxyMode{"", v1alpha4.IPTablesProxyMode, v1alpha4.IPVSProxyMode, v1alpha4.NFTablesProxyMode, "none"}
	if !slices.Contains(modes, c.Networking.KubeProxyMode) {
		bad("networking.kubeProxyMode", "%q: want iptables, ipvs, nftables or none", c.Networking.KubeProxyMode)
	}

	cgroupV1 := false
	for i, p := range c.KubeadmConfigPatches {
		path := fmt.Sprintf("kubeadmConfigPatches[%d]", i)
		obj, err := checkPatch(p)
		if err != nil {
			bad(path, "%v", err)
			continue
		}
		if obj["kind"] == "KubeletConfiguration" && obj["failCgroupV1"] == false {
			cgroupV1 = true
		}
	}
	if !cgroupV1 {
		bad("kubeadmConfigPatches", "no KubeletConfiguration patch with failCgroupV1: false: kubelets from 1.35 refuse to start on this cgroup v1 host")
	}
	for _, g := range slices.Sorted(maps.Keys(c.FeatureGates)) {
		if msgs := validation.IsCIdentifier(g); len(msgs) > 0 {
			bad("featureGates["+g+"]", "not a feature gate name: %s", strings.Join(msgs, "; "))
		}
	}
	return errors.Join(errs...)
}

// checkPatch reads a kubeadm config patch: a YAML object naming the
// kind it patches.
func checkPatch(p string) (map[string]any, error) {
	var obj map[string]any
	if err := yaml.Unmarshal([]byte(p), &obj); err != nil {
		return nil, fmt.Errorf("not YAML: %v", err)
	}
	if obj == nil {
		return nil, errors.New("empty patch")
	}
	if k, _ := obj["kind"].(string); k == "" {
		return nil, errors.New("no kind: kind applies a patch to the kubeadm object of its kind")
	}
	return obj, nil
}

// registrationName is nodeRegistration.name in a patch, if it sets one.
func registrationName(obj map[string]any) (string, bool, error) {
	reg, ok := obj["nodeRegistration"].(map[string]any)
	if !ok {
		return "", false, nil
	}
	v, ok := reg["name"]
	if !ok {
		return "", false, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", false, fmt.Errorf("%v is not a string", v)
	}
	return s, true, nil
}
