package shell_test

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/meshtwin/meshtwin/shell"
	"github.com/meshtwin/meshtwin/sim"
)

// clusterState lists every object a manifest can create or change in a
// cluster, with its resource version: two equal states mean nothing
// changed.
func clusterState(ctx context.Context, t testing.TB, cs kubernetes.Interface) string {
	t.Helper()
	var lines []string
	add := func(kind string, items []metav1.Object) {
		for _, o := range items {
			lines = append(lines, fmt.Sprintf("%s %s/%s %s", kind, o.GetNamespace(), o.GetName(), o.GetResourceVersion()))
		}
	}
	nss, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list namespaces: %v", err)
	}
	var objs []metav1.Object
	for i := range nss.Items {
		objs = append(objs, &nss.Items[i])
	}
	add("namespace", objs)
	pods, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list pods: %v", err)
	}
	objs = nil
	for i := range pods.Items {
		objs = append(objs, &pods.Items[i])
	}
	add("pod", objs)
	deps, err := cs.AppsV1().Deployments("").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list deployments: %v", err)
	}
	objs = nil
	for i := range deps.Items {
		objs = append(objs, &deps.Items[i])
	}
	add("deployment", objs)
	cms, err := cs.CoreV1().ConfigMaps("").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list configmaps: %v", err)
	}
	objs = nil
	for i := range cms.Items {
		objs = append(objs, &cms.Items[i])
	}
	add("configmap", objs)
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// FuzzApply feeds any manifest to `kubectl apply -f -` on a fresh mesh
// with one cluster: it never panics, a failure says why, and a manifest
// of one document that fails changes nothing.
func FuzzApply(f *testing.F) {
	for _, m := range []string{
		"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    istio-injection: enabled\n",
		"apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx\n",
		"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: d}\n  template:\n    metadata:\n      labels: {app: d}\n    spec:\n      containers:\n      - {name: d, image: nginx}\n",
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: Bad}\n",
		"{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"j\"}}",
		"kind: Pod\n", "\x00\xff\xfe", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [\n",
	} {
		f.Add(m)
	}
	f.Fuzz(func(t *testing.T, manifest string) {
		ctx := context.Background()
		b := sim.New(sim.Options{Seed: 1})
		s := shell.NewSession(b, shell.Options{Seed: 1})
		var out bytes.Buffer
		for _, c := range []string{"mesh create", "cluster create c1", "mesh add-cluster c1"} {
			if err := s.Exec(ctx, c, nil, &out, &out); err != nil {
				t.Fatalf("%s: %v\n%s", c, err, out.String())
			}
		}
		cs, err := b.Client("c1")
		if err != nil {
			t.Fatal(err)
		}
		before := clusterState(ctx, t, cs)
		out.Reset()
		err = s.Exec(ctx, "kubectl apply -f -", strings.NewReader(manifest), &out, &out)
		if err == nil {
			return
		}
		if strings.TrimSpace(out.String()) == "" {
			t.Fatalf("apply failed (%v) and printed nothing", err)
		}
		if !strings.Contains(manifest, "---") {
			if after := clusterState(ctx, t, cs); after != before {
				t.Fatalf("a failed apply of one document changed the cluster:\n%s\nbefore:\n%s\nafter:\n%s", out.String(), before, after)
			}
		}
	})
}
