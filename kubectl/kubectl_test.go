package kubectl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/meshtwin/meshtwin/model"
)

func TestKubectlErrorText(t *testing.T) {
	t.Parallel()
	invalid1 := apierrors.NewInvalid(schema.GroupKind{Kind: "Namespace"}, "vk", field.ErrorList{
		field.Invalid(field.NewPath("metadata", "labels"), "Bad Key", "name part must be valid"),
	})
	invalid2 := apierrors.NewInvalid(schema.GroupKind{Group: "apps", Kind: "Deployment"}, "web", field.ErrorList{
		field.Required(field.NewPath("spec", "selector"), ""),
		field.Invalid(field.NewPath("spec", "replicas"), -1, "must be greater than or equal to 0"),
	})
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"plain", errors.New("boom"), "error: boom\n"},
		{"flag", &kubectlFlagError{path: "kubectl label", err: errors.New("unknown flag: --overwite")},
			"error: unknown flag: --overwite\nSee 'kubectl label --help' for usage.\n"},
		{"usage", &kubectlUsageError{path: "kubectl create deployment", msg: "exactly one NAME is required, got 0"},
			"error: exactly one NAME is required, got 0\nSee 'kubectl create deployment -h' for help and examples\n"},
		{"not found", apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, "x"),
			"Error from server (NotFound): pods \"x\" not found\n"},
		{"wrapped not found", fmt.Errorf("context: %w", apierrors.NewNotFound(schema.GroupResource{Group: "apps", Resource: "deployments"}, "web")),
			"Error from server (NotFound): deployments.apps \"web\" not found\n"},
		{"invalid one cause", invalid1,
			"The Namespace \"vk\" is invalid: metadata.labels: Invalid value: \"Bad Key\": name part must be valid\n"},
		{"invalid two causes", invalid2,
			"The Deployment \"web\" is invalid: \n* spec.selector: Required value\n* spec.replicas: Invalid value: -1: must be greater than or equal to 0\n"},
		{"several", kubectlErrors{apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, "a"), errors.New("b")},
			"Error from server (NotFound): pods \"a\" not found\nerror: b\n"},
		{"silent", kubectlSilentExit{}, ""},
		{"suggestion", kubectlUnknownCommand("lable", "kubectl", kubectlCommandNames),
			"error: unknown command \"lable\" for \"kubectl\"\n\nDid you mean this?\n\tlabel\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, kubectlErrorText(tc.err))
		})
	}
}

func TestKubectlUnknownCommandSuggests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		word string
		want []string
	}{
		{"lable", []string{"label"}},
		{"desribe", []string{"describe"}},
		{"aply", []string{"apply"}},
		{"rol", []string{"run", "rollout", "top"}},
		{"zzzzzzzz", nil},
	}
	for _, tc := range tests {
		t.Run(tc.word, func(t *testing.T) {
			t.Parallel()
			msg := kubectlUnknownCommand(tc.word, "kubectl", kubectlCommandNames).Error()
			_, after, found := strings.Cut(msg, "Did you mean this?\n")
			var got []string
			if found {
				got = strings.Fields(after)
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestKubectlSplitCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args     string
		word     string
		rest     string
		hasWord  bool
		describe string
	}{
		{"get pods", "get", "pods", true, "plain"},
		{"-n vk run nginx --image nginx", "run", "-n vk nginx --image nginx", true, "namespace before the command"},
		{"--context asm get ns", "get", "--context asm ns", true, "context before the command"},
		{"--context=asm get ns", "get", "--context=asm ns", true, "flag=value form"},
		{"-f x.yaml", "", "-f x.yaml", false, "create -f"},
		{"--help", "", "--help", false, "flags only"},
		{"-- echo", "", "-- echo", false, "dash dash"},
	}
	for _, tc := range tests {
		t.Run(tc.describe, func(t *testing.T) {
			t.Parallel()
			word, rest, ok := kubectlSplitCommand(strings.Fields(tc.args))
			assert.Equal(t, tc.word, word)
			assert.Equal(t, tc.rest, strings.Join(rest, " "))
			assert.Equal(t, tc.hasWord, ok)
		})
	}
}

func TestParseLabelSpecs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		specs   string
		set     string
		remove  string
		wantErr string
	}{
		{specs: "istio-injection=enabled", set: "istio-injection=enabled"},
		{specs: "a=1 b- c=", set: "a=1,c=", remove: "b"},
		{specs: "a=b=c", wantErr: "invalid label spec: a=b=c"},
		{specs: "a=not_ok!", wantErr: `invalid label value: "a=not_ok!"`},
		{specs: "a=1 a-", wantErr: "can not both modify and remove a label in the same command"},
		{specs: "plain", wantErr: "unknown label spec: plain"},
	}
	for _, tc := range tests {
		t.Run(tc.specs, func(t *testing.T) {
			t.Parallel()
			set, remove, err := parseLabelSpecs(strings.Fields(tc.specs))
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			var pairs []string
			for _, k := range kubeSortedKeys(set) {
				pairs = append(pairs, k+"="+set[k])
			}
			assert.Equal(t, tc.set, strings.Join(pairs, ","), "set")
			assert.Equal(t, tc.remove, strings.Join(remove, ","), "remove")
		})
	}
}

func TestParseAnnotationSpecs(t *testing.T) {
	t.Parallel()
	set, remove, err := parseAnnotationSpecs([]string{"proxy.istio.io/config={\"a\":\"b=c\"}", "old-"})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"proxy.istio.io/config": `{"a":"b=c"}`}, set)
	assert.Equal(t, []string{"old"}, remove)
	_, _, err = parseAnnotationSpecs([]string{"=x"})
	assert.EqualError(t, err, "invalid annotation format: =x")
}

func TestParseKubeOutput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, format, arg string
		ok              bool
	}{
		{"", "", "", true},
		{"wide", "wide", "", true},
		{"yaml", "yaml", "", true},
		{"jsonpath={.metadata.name}", "jsonpath", "{.metadata.name}", true},
		{"custom-columns=NAME:.metadata.name", "custom-columns", "NAME:.metadata.name", true},
		{"jsonpath=", "", "", false},
		{"yamll", "", "", false},
		{"yaml=x", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := parseKubeOutput(tc.in)
			if !tc.ok {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.format, got.format)
			assert.Equal(t, tc.arg, got.arg)
		})
	}
}

func TestImageContainerName(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"nginx":      "nginx",
		"nginx:1.25": "nginx",
		"registry.cn-hangzhou.aliyuncs.com/acs/curl:8.1.2": "curl",
		"busybox@sha256:abc": "busybox",
		"my_app.v2":          "my-app-v2",
	}
	for image, want := range tests {
		t.Run(image, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, want, imageContainerName(image))
		})
	}
}

func TestLookupKubeResource(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"po": "Pod", "pods": "Pod", "Pod": "Pod", "ns": "Namespace", "deploy": "Deployment",
		"deployments.apps": "Deployment", "deployment.v1.apps": "Deployment", "rs": "ReplicaSet",
		"jobs.batch": "Job", "no": "Node", "ev": "Event",
		"asmmeshconfig": "ASMMeshConfig", "asmmeshconfigs.istio.alibabacloud.com": "ASMMeshConfig",
		"foo": "", "pods.apps": "",
	}
	for word, kind := range tests {
		t.Run(word, func(t *testing.T) {
			t.Parallel()
			r, ok := lookupKubeResource(word)
			got := ""
			if ok {
				got = r.kind
			}
			assert.Equal(t, kind, got)
		})
	}
}

func TestDeploymentRolloutStatus(t *testing.T) {
	t.Parallel()
	two := int32(2)
	dep := func(gen int64, st appsv1.DeploymentStatus) *appsv1.Deployment {
		return &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Generation: gen},
			Spec:       appsv1.DeploymentSpec{Replicas: &two},
			Status:     st,
		}
	}
	tests := []struct {
		name string
		d    *appsv1.Deployment
		want string
		done bool
	}{
		{"not observed", dep(2, appsv1.DeploymentStatus{ObservedGeneration: 1}), "Waiting for deployment spec update to be observed...", false},
		{"updating", dep(1, appsv1.DeploymentStatus{ObservedGeneration: 1, UpdatedReplicas: 1, Replicas: 2}),
			`Waiting for deployment "web" rollout to finish: 1 out of 2 new replicas have been updated...`, false},
		{"old pending", dep(1, appsv1.DeploymentStatus{ObservedGeneration: 1, UpdatedReplicas: 2, Replicas: 3}),
			`Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...`, false},
		{"unavailable", dep(1, appsv1.DeploymentStatus{ObservedGeneration: 1, UpdatedReplicas: 2, Replicas: 2, AvailableReplicas: 1}),
			`Waiting for deployment "web" rollout to finish: 1 of 2 updated replicas are available...`, false},
		{"done", dep(1, appsv1.DeploymentStatus{ObservedGeneration: 1, UpdatedReplicas: 2, Replicas: 2, AvailableReplicas: 2}),
			`deployment "web" successfully rolled out`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, done, err := deploymentRolloutStatus(tc.d)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.done, done)
		})
	}
}

// fakeHost is a Host over plain client-go fake clientsets: it shows the
// kubectl emulation needs nothing of the simulator's.
type fakeHost struct {
	now     time.Time
	clients map[string]kubernetes.Interface
	current string
	// versions are the contexts' Kubernetes versions; absent is unknown.
	versions map[string]model.KubeVersion
}

var _ Host = (*fakeHost)(nil)

func (h *fakeHost) Now() time.Time { return h.now }
func (h *fakeHost) Advance(_ context.Context, d time.Duration) error {
	h.now = h.now.Add(d)
	return nil
}
func (h *fakeHost) Client(name string) (kubernetes.Interface, error) {
	if cs, ok := h.clients[name]; ok {
		return cs, nil
	}
	return nil, fmt.Errorf("cluster %q not found", name)
}
func (h *fakeHost) Clusters() []string              { return kubeSortedKeys(h.clients) }
func (h *fakeHost) MeshConfig() (MeshConfig, error) { return nil, errors.New("no mesh") }
func (h *fakeHost) CurrentContext() string          { return h.current }
func (h *fakeHost) UseContext(name string)          { h.current = name }
func (h *fakeHost) Dir() string                     { return "" }
func (h *fakeHost) KubeVersion(name string) (model.KubeVersion, bool) {
	v, ok := h.versions[name]
	return v, ok
}

// TestTerminatingFollowsServerVersion: a deleted pod that already
// finished is Terminating up to Kubernetes 1.30 and keeps its finished
// status from 1.31 (printPod in pkg/printers/internalversion/printers.go,
// v1.30.0 vs v1.31.0); a running one is Terminating on both.
func TestTerminatingFollowsServerVersion(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	deleting := metav1.NewTime(start.Add(time.Minute))
	pods := func() []runtime.Object {
		return []runtime.Object{
			&corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: "done", Namespace: "default", CreationTimestamp: metav1.NewTime(start), DeletionTimestamp: &deleting},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "job", Image: "busybox"}}},
				Status: corev1.PodStatus{Phase: corev1.PodSucceeded, ContainerStatuses: []corev1.ContainerStatus{
					{Name: "job", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Completed"}}},
				}},
			},
			&corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", CreationTimestamp: metav1.NewTime(start), DeletionTimestamp: &deleting},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "nginx", Image: "nginx"}}},
				Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{
					{Name: "nginx", Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}},
				}},
			},
		}
	}
	tests := []struct {
		name    string
		version model.KubeVersion
		want    string
	}{
		{"1.30", model.KubeVersion{Major: 1, Minor: 30}, "NAME   READY   STATUS        RESTARTS   AGE\ndone   0/1     Terminating   0          2m\nweb    1/1     Terminating   0          2m\n"},
		{"1.31", model.KubeVersion{Major: 1, Minor: 31}, "NAME   READY   STATUS        RESTARTS   AGE\ndone   0/1     Completed     0          2m\nweb    1/1     Terminating   0          2m\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := &fakeHost{now: start.Add(2 * time.Minute), current: "c1",
				clients:  map[string]kubernetes.Interface{"c1": fake.NewSimpleClientset(pods()...)},
				versions: map[string]model.KubeVersion{"c1": tt.version}}
			var out, errOut bytes.Buffer
			require.NoError(t, Run(t.Context(), h, []string{"get", "pods"}, nil, &out, &errOut), errOut.String())
			assert.Equal(t, tt.want, out.String())
		})
	}
}

func TestKubectlOnFakeClientset(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cs := fake.NewSimpleClientset(
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default", CreationTimestamp: metav1.NewTime(start)}},
		&corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "nginx", Namespace: "default", CreationTimestamp: metav1.NewTime(start), Labels: map[string]string{"run": "nginx"}},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "nginx", Image: "nginx"}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{
				{Name: "nginx", Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}},
			}},
		},
	)
	h := &fakeHost{now: start.Add(90 * time.Second), clients: map[string]kubernetes.Interface{"kind": cs}}
	steps := []struct {
		line    string
		stdin   string
		want    string
		wantErr string
	}{
		{line: "kubectl config use-context kind", want: "Switched to context \"kind\".\n"},
		{line: "kubectl get pods", want: "NAME    READY   STATUS    RESTARTS   AGE\nnginx   1/1     Running   0          90s\n"},
		{line: "kubectl label ns default istio-injection=enabled", want: "namespace/default labeled\n"},
		{line: "kubectl get ns default --show-labels", want: "NAME      STATUS   AGE   LABELS\ndefault   Active   90s   istio-injection=enabled\n"},
		{line: "kubectl label ns default istio-injection=disabled", wantErr: "error: 'istio-injection' already has a value (enabled), and --overwrite is false\n"},
		{line: "kubectl apply -f -", stdin: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo\n", want: "namespace/demo created\n"},
		{line: "kubectl apply -f -", stdin: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo\n", want: "namespace/demo unchanged\n"},
		{line: "kubectl get pod nginx -o name", want: "pod/nginx\n"},
		{line: "kubectl get pod nope", wantErr: "Error from server (NotFound): pods \"nope\" not found\n"},
		{line: "kubectl delete ns demo", want: "namespace \"demo\" deleted\n"},
		{line: "kubectl get ns demo --ignore-not-found"},
	}
	for _, st := range steps {
		var out, errOut bytes.Buffer
		err := Run(t.Context(), h, strings.Fields(st.line)[1:], strings.NewReader(st.stdin), &out, &errOut)
		if st.wantErr != "" {
			assert.Error(t, err, st.line)
			assert.Equal(t, st.wantErr, errOut.String(), "%s: stderr", st.line)
			continue
		}
		require.NoError(t, err, "%s (stderr %q)", st.line, errOut.String())
		assert.Equal(t, st.want, out.String(), "%s: stdout", st.line)
	}
}
