package model

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const forbiddenForInit = "may not be set for init containers without restartPolicy=Always"

// PodFieldErrors runs the API server's pod checks that matter here (B33)
// and returns them as field errors in the API server's order: containers
// first, then init containers. A caller can turn them into the API's
// Invalid error (apierrors.NewInvalid), which reads
// `Pod "x" is invalid: ...`.
func PodFieldErrors(pod *corev1.Pod) field.ErrorList {
	if pod == nil {
		return field.ErrorList{field.Required(field.NewPath("spec"), "")}
	}
	var errs field.ErrorList
	spec := field.NewPath("spec")
	names := map[string]bool{}

	if len(pod.Spec.Containers) == 0 {
		errs = append(errs, field.Required(spec.Child("containers"), ""))
	}
	for i, c := range pod.Spec.Containers {
		p := spec.Child("containers").Index(i)
		errs = append(errs, commonContainerErrors(c, p, names)...)
		errs = append(errs, probePortErrors(c, p)...)
		if c.RestartPolicy != nil {
			errs = append(errs, field.Forbidden(p.Child("restartPolicy"), "may not be set for non-init containers"))
		}
	}
	for i, c := range pod.Spec.InitContainers {
		p := spec.Child("initContainers").Index(i)
		errs = append(errs, commonContainerErrors(c, p, names)...)
		if c.RestartPolicy != nil && *c.RestartPolicy != corev1.ContainerRestartPolicyAlways {
			errs = append(errs, field.NotSupported(p.Child("restartPolicy"), *c.RestartPolicy, []string{string(corev1.ContainerRestartPolicyAlways)}))
		}
		if IsRestartableInit(c) {
			errs = append(errs, probePortErrors(c, p)...)
			continue
		}
		if c.Lifecycle != nil {
			errs = append(errs, field.Forbidden(p.Child("lifecycle"), forbiddenForInit))
		}
		if c.LivenessProbe != nil {
			errs = append(errs, field.Forbidden(p.Child("livenessProbe"), forbiddenForInit))
		}
		if c.ReadinessProbe != nil {
			errs = append(errs, field.Forbidden(p.Child("readinessProbe"), forbiddenForInit))
		}
		if c.StartupProbe != nil {
			errs = append(errs, field.Forbidden(p.Child("startupProbe"), forbiddenForInit))
		}
	}
	switch pod.Spec.RestartPolicy {
	case "", corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever:
	default:
		errs = append(errs, field.NotSupported(spec.Child("restartPolicy"), pod.Spec.RestartPolicy,
			[]string{string(corev1.RestartPolicyAlways), string(corev1.RestartPolicyOnFailure), string(corev1.RestartPolicyNever)}))
	}
	return errs
}

func commonContainerErrors(c corev1.Container, p *field.Path, names map[string]bool) field.ErrorList {
	var errs field.ErrorList
	switch {
	case c.Name == "":
		errs = append(errs, field.Required(p.Child("name"), ""))
	case names[c.Name]:
		errs = append(errs, field.Duplicate(p.Child("name"), c.Name))
	default:
		for _, msg := range DNS1123LabelProblems(c.Name) {
			errs = append(errs, field.Invalid(p.Child("name"), c.Name, msg))
		}
	}
	names[c.Name] = true
	if c.Image == "" {
		errs = append(errs, field.Required(p.Child("image"), ""))
	}
	ports := map[string]bool{}
	for j, port := range c.Ports {
		pp := p.Child("ports").Index(j)
		if port.ContainerPort < 1 || port.ContainerPort > 65535 {
			errs = append(errs, field.Invalid(pp.Child("containerPort"), port.ContainerPort, validation.InclusiveRangeError(1, 65535)))
		}
		if port.Name != "" {
			if ports[port.Name] {
				errs = append(errs, field.Duplicate(pp.Child("name"), port.Name))
			}
			ports[port.Name] = true
		}
	}
	return errs
}

// probePortErrors checks the port numbers of a container's HTTP and TCP
// probes (liveness, readiness, startup, the API server's order): a number
// must be a port, 1 to 65535. An injector that rewrites probes to a status
// port of 0 (status.sidecar.istio.io/port: "0" with app probes) makes
// a pod the API server refuses this way, as found by the oracle's
// end-to-end tier.
func probePortErrors(c corev1.Container, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, pr := range []struct {
		name  string
		probe *corev1.Probe
	}{{"livenessProbe", c.LivenessProbe}, {"readinessProbe", c.ReadinessProbe}, {"startupProbe", c.StartupProbe}} {
		if pr.probe == nil {
			continue
		}
		var port *intstr.IntOrString
		var handler string
		switch {
		case pr.probe.HTTPGet != nil:
			port, handler = &pr.probe.HTTPGet.Port, "httpGet"
		case pr.probe.TCPSocket != nil:
			port, handler = &pr.probe.TCPSocket.Port, "tcpSocket"
		default:
			continue
		}
		if port.Type == intstr.Int && (port.IntVal < 1 || port.IntVal > 65535) {
			errs = append(errs, field.Invalid(p.Child(pr.name).Child(handler, "port"), port.IntVal, validation.InclusiveRangeError(1, 65535)))
		}
	}
	return errs
}

// ValidatePod runs PodFieldErrors and aggregates them, or returns nil.
// Callers wrap it as `Pod "x" is invalid: ...`.
func ValidatePod(pod *corev1.Pod) error {
	errs := PodFieldErrors(pod)
	if len(errs) == 0 {
		return nil
	}
	return errs.ToAggregate()
}

// PodInvalidMessage renders the API server's Invalid message for a pod:
// `Pod "x" is invalid: <errors>`.
func PodInvalidMessage(name string, err error) string {
	return fmt.Sprintf("Pod %q is invalid: %v", name, err)
}
