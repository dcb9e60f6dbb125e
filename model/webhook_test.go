package model

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestWebhookMutate(t *testing.T) {
	t.Parallel()
	always := corev1.ContainerRestartPolicyAlways
	sidecarPod := func() *corev1.Pod {
		return newTestPod("d", "p", withInit("side"), func(p *corev1.Pod) { p.Spec.InitContainers[0].RestartPolicy = &always })
	}
	tests := []struct {
		name        string
		hooks       []Webhook
		wantPolicy  bool
		wantMutated string
	}{
		{name: "modern keeps restartPolicy", hooks: []Webhook{{Name: "a"}}, wantPolicy: true, wantMutated: "a"},
		{name: "legacy drops restartPolicy", hooks: []Webhook{{Name: "old", Legacy: true}}, wantPolicy: false, wantMutated: "old"},
		{name: "chain records every webhook", hooks: []Webhook{{Name: "a"}, {Name: "b"}}, wantPolicy: true, wantMutated: "a,b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := sidecarPod()
			before := in.DeepCopy()
			out := in
			for _, h := range tt.hooks {
				out = h.Mutate(out)
			}
			if !reflect.DeepEqual(in, before) {
				t.Fatal("Mutate modified its input")
			}
			if got := out.Spec.InitContainers[0].RestartPolicy != nil; got != tt.wantPolicy {
				t.Errorf("restartPolicy kept = %v, want %v", got, tt.wantPolicy)
			}
			if got := out.Annotations[AnnotationMutatedBy]; got != tt.wantMutated {
				t.Errorf("%s = %q, want %q", AnnotationMutatedBy, got, tt.wantMutated)
			}
		})
	}
	if (Webhook{Name: "x"}).Mutate(nil) != nil {
		t.Error("Mutate(nil) != nil")
	}
}
