package model

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// UnknownClusterError says that a cluster named in a request is not a
// member of the mesh. Callers that need to tell it apart use errors.As.
type UnknownClusterError struct {
	Cluster string
	// Members are the clusters of the mesh, sorted.
	Members []string
}

func (e *UnknownClusterError) Error() string {
	members := "none"
	if len(e.Members) > 0 {
		members = strings.Join(e.Members, ", ")
	}
	return fmt.Sprintf("cluster %q is not part of the mesh (members: %s)", e.Cluster, members)
}

// NewUnknownClusterError builds an UnknownClusterError with a sorted copy
// of the mesh's members.
func NewUnknownClusterError(cluster string, members []string) *UnknownClusterError {
	m := slices.Clone(members)
	slices.Sort(m)
	return &UnknownClusterError{Cluster: cluster, Members: m}
}

// HomingOf returns the clusters a global namespace belongs to, sorted: every
// mesh cluster when its homing is unset (nil), else the clusters of its
// homing that are members of the mesh. An empty, non-nil homing belongs to
// no cluster.
func HomingOf(ns GlobalNamespace, meshClusters []string) []string {
	mesh := uniqueSorted(meshClusters)
	if ns.Homing == nil {
		return mesh
	}
	out := make([]string, 0, len(ns.Homing))
	for _, c := range uniqueSorted(ns.Homing) {
		if _, ok := slices.BinarySearch(mesh, c); ok {
			out = append(out, c)
		}
	}
	return out
}

// ValidateHoming checks a request to set the homing clusters of a global
// namespace to clusters (B24, B26): the instance must be new enough, at
// least one cluster must be named and every one must belong to the mesh.
// All problems are reported together. Repeated names are not an error.
func ValidateHoming(inst InstanceState, clusters []string) error {
	var errs []error
	if least := MinHomingVersion(); !inst.Version.AtLeast(least) {
		errs = append(errs, fmt.Errorf("homing clusters need ASM %s or later; this instance is %s", least, inst.Version))
	}
	if len(clusters) == 0 {
		errs = append(errs, errors.New("homing clusters: name at least one cluster of the mesh"))
	}
	mesh := uniqueSorted(inst.Clusters)
	for _, c := range uniqueSorted(clusters) {
		if _, ok := slices.BinarySearch(mesh, c); !ok {
			errs = append(errs, NewUnknownClusterError(c, mesh))
		}
	}
	return errors.Join(errs...)
}

// FormatHoming renders homing clusters as the value of AnnotationHoming:
// sorted, without repeats, comma-separated.
func FormatHoming(clusters []string) string {
	if len(clusters) == 1 {
		return clusters[0] // the usual homing, one cluster: nothing to sort
	}
	return strings.Join(uniqueSorted(clusters), ",")
}

// ParseHoming reads the homing clusters of a namespace from its annotations.
// It returns nil (every cluster) when AnnotationHoming is absent or lists no
// cluster; otherwise the named clusters, sorted and without repeats.
func ParseHoming(annotations map[string]string) []string {
	v, ok := annotations[AnnotationHoming]
	if !ok {
		return nil
	}
	var out []string
	for c := range strings.SplitSeq(v, ",") {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil
	}
	// out is this call's own: sorted in place, not copied.
	slices.Sort(out)
	return slices.Compact(out)
}

// uniqueSorted returns a sorted copy of s without repeats; nil stays nil.
func uniqueSorted(s []string) []string {
	if s == nil {
		return nil
	}
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}
