package model

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"k8s.io/apimachinery/pkg/api/resource"
)

// The pod annotations upstream's injector checks before it renders any
// template, each with what a valid value is. A pod carrying an invalid one
// is refused (the webhook answers with an error, so the API server refuses
// the pod; istioctl kube-inject fails). sidecar.istio.io/inject and the
// annotations the istio profile does not read otherwise are not in the
// list; proxy.istio.io/config is checked by upstream against its whole
// ProxyConfig schema, which the twin does not carry.
var injectAnnotationChecks = map[string]func(string) error{
	AnnotationInterceptionMode:                        checkInterceptionMode,
	AnnotationStatusPort:                              checkPort,
	annotationReadinessPrefix + "initialDelaySeconds": checkUint32,
	annotationReadinessPrefix + "periodSeconds":       checkUint32,
	annotationReadinessPrefix + "failureThreshold":    checkUint32,
	"traffic.sidecar.istio.io/includeOutboundIPRanges": func(v string) error {
		if v == "*" {
			return nil
		}
		return checkCIDRs(v)
	},
	"traffic.sidecar.istio.io/excludeOutboundIPRanges": checkCIDRs,
	"traffic.sidecar.istio.io/includeInboundPorts": func(v string) error {
		if v == "*" {
			return nil
		}
		return checkPorts(v)
	},
	"traffic.sidecar.istio.io/excludeInboundPorts":  checkPorts,
	"traffic.sidecar.istio.io/excludeOutboundPorts": checkPorts,
	"traffic.sidecar.istio.io/excludeInterfaces":    checkInterfaces,
	"traffic.sidecar.istio.io/kubevirtInterfaces":   checkInterfaces,
	"istio.io/reroute-virtual-interfaces":           checkInterfaces,
	AnnotationPrometheusMergeMetrics: func(v string) error {
		_, err := strconv.ParseBool(v)
		return err
	},
	AnnotationProxyCPU:         checkQuantity,
	AnnotationProxyMemory:      checkQuantity,
	AnnotationProxyCPULimit:    checkQuantity,
	AnnotationProxyMemoryLimit: checkQuantity,
}

// ValidateInjectAnnotations checks the pod annotations upstream's injector
// checks (injectAnnotationChecks) and reports every invalid one, sorted by
// name, as "invalid value 'V' for annotation 'K': why".
func ValidateInjectAnnotations(annotations map[string]string) error {
	var errs []error
	for _, k := range sortedKeys(annotations) {
		check, ok := injectAnnotationChecks[k]
		if !ok {
			continue
		}
		v := annotations[k]
		if err := check(v); err != nil {
			errs = append(errs, fmt.Errorf("invalid value '%s' for annotation '%s': %w", v, k, err))
		}
	}
	return errors.Join(errs...)
}

func checkInterceptionMode(v string) error {
	if slices.Contains([]string{"REDIRECT", "TPROXY", "NONE"}, v) {
		return nil
	}
	return fmt.Errorf("interceptionMode invalid, use REDIRECT,TPROXY,NONE: %v", v)
}

func checkUint32(v string) error {
	_, err := strconv.ParseUint(v, 10, 32)
	return err
}

// checkPort accepts a number from 0 to 65535, spaces around it allowed.
func checkPort(v string) error {
	if _, err := strconv.ParseUint(strings.TrimSpace(v), 10, 16); err != nil {
		return fmt.Errorf("failed parsing port '%s': %w", v, err)
	}
	return nil
}

// checkPorts accepts a comma-separated list of ports; an empty list is
// valid.
func checkPorts(v string) error {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	for _, p := range strings.Split(v, ",") {
		if err := checkPort(p); err != nil {
			return err
		}
	}
	return nil
}

// checkCIDRs accepts a comma-separated list of CIDRs; an empty list is
// valid.
func checkCIDRs(v string) error {
	if v == "" {
		return nil
	}
	for _, c := range strings.Split(v, ",") {
		if _, err := netip.ParsePrefix(c); err != nil {
			return fmt.Errorf("failed parsing cidr '%s': %w", c, err)
		}
	}
	return nil
}

var interfaceName = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_.\-]*$`)

// checkInterfaces accepts a comma-separated list of network interface
// names (a letter, then letters, digits, '_', '.' or '-'; at most 15
// characters); an empty list is valid.
func checkInterfaces(v string) error {
	if v == "" {
		return nil
	}
	for _, name := range strings.Split(v, ",") {
		name = strings.TrimSpace(name)
		switch {
		case name == "":
			return errors.New("empty interface name")
		case len(name) > 15:
			return fmt.Errorf("interface name %q too long (max 15 chars)", name)
		case !interfaceName.MatchString(name):
			return fmt.Errorf("interface name %q contains invalid characters", name)
		}
	}
	return nil
}

func checkQuantity(v string) error {
	if strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return errors.New("value contains control characters")
	}
	_, err := resource.ParseQuantity(v)
	return err
}
