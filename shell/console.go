package shell

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/meshtwin/meshtwin/asm"
	"github.com/meshtwin/meshtwin/internal/suggest"
	"github.com/meshtwin/meshtwin/model"
)

// defaultASMVersion is the version `mesh create` uses without --version:
// the release the native-sidecar seed shows.
const defaultASMVersion = "1.22.2.35"

// defaultIstioVersion is the version `mesh create --profile istio` uses
// without --version: the first upstream release with native sidecars by
// default, numbered as Istio numbers its releases.
const defaultIstioVersion = "1.27.0"

type meshCreateOptions struct {
	version       string
	profile       string
	nativeSidecar string
}

// meshCreate is `mesh create`.
func (s *Session) meshCreate(e *cmdEnv, o meshCreateOptions) error {
	var errs []error
	profile := model.Profile(o.profile)
	if profile == model.ProfileIstio && !e.fs.Changed("version") {
		o.version = defaultIstioVersion
	}
	// The version is read as the profile's product numbers its releases.
	version, err := model.ParseMeshVersion(profile, o.version)
	if err != nil {
		errs = append(errs, fmt.Errorf("--version: %w", err))
	}
	if profile != model.ProfileASM && profile != model.ProfileIstio {
		errs = append(errs, fmt.Errorf("--profile: unknown profile %q: want asm or istio", o.profile))
	}
	cfg := model.MeshConfig{Version: version, Profile: profile}
	if e.fs.Changed("enable-native-sidecar") {
		v, err := strconv.ParseBool(o.nativeSidecar)
		if err != nil || (o.nativeSidecar != "true" && o.nativeSidecar != "false") {
			errs = append(errs, fmt.Errorf("--enable-native-sidecar: want true or false, got %q", o.nativeSidecar))
		}
		cfg.EnableNativeSidecar = &v
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("mesh create: %w", err)
	}
	if err := s.backend.CreateMesh(e.ctx, cfg); err != nil {
		return err
	}
	extra := ""
	if cfg.EnableNativeSidecar != nil {
		extra = fmt.Sprintf(", enableNativeSidecar=%t", *cfg.EnableNativeSidecar)
	}
	product := "ASM"
	if profile == model.ProfileIstio {
		product = "Istio"
	}
	fmt.Fprintf(e.out, "mesh created: %s %s (profile %s%s)\n", product, cfg.VersionName(), profile, extra)
	return nil
}

// meshAddCluster is `mesh add-cluster NAME`.
func (s *Session) meshAddCluster(e *cmdEnv) error {
	name := e.args[0]
	if err := s.backend.JoinCluster(e.ctx, name); err != nil {
		return err
	}
	if s.context == "" {
		s.context = name
	}
	fmt.Fprintf(e.out, "cluster %q added to the mesh\n", name)
	return nil
}

// meshRevision is `mesh revision add|remove NAME` (B15).
func (s *Session) meshRevision(e *cmdEnv, add bool) error {
	name := e.args[0]
	inst, err := s.mesh()
	if err != nil {
		return err
	}
	if add {
		if err := inst.AddRevision(e.ctx, name); err != nil {
			return err
		}
		fmt.Fprintf(e.out, "revision %q served: mutatingwebhookconfiguration %s in every cluster of the mesh\n", name, model.InjectorConfigurationName(name))
		return nil
	}
	if err := inst.RemoveRevision(e.ctx, name); err != nil {
		return err
	}
	fmt.Fprintf(e.out, "revision %q removed: mutatingwebhookconfiguration %s deleted from every cluster of the mesh\n", name, model.InjectorConfigurationName(name))
	return nil
}

type clusterCreateOptions struct {
	kubeVersion  string
	region       string
	zone         string
	nodes        int
	virtualNode  bool
	featureGates string
}

// clusterCreate is `cluster create NAME`.
func (s *Session) clusterCreate(e *cmdEnv, o clusterCreateOptions) error {
	name := e.args[0]
	var errs []error
	kv, err := model.ParseKubeVersion(o.kubeVersion)
	if err != nil {
		errs = append(errs, fmt.Errorf("--kubernetes-version: %w", err))
	}
	if o.nodes < 0 {
		errs = append(errs, fmt.Errorf("--nodes: want 0 or more, got %d", o.nodes))
	}
	if o.region == "" {
		errs = append(errs, errors.New("--region: must not be empty"))
	}
	if o.zone == "" {
		errs = append(errs, errors.New("--zone: must not be empty"))
	}
	if err == nil {
		if err := model.CheckModelledKubeVersion(kv); err != nil {
			errs = append(errs, fmt.Errorf("--kubernetes-version: %w", err))
		}
	}
	gates, err := parseFeatureGates(o.featureGates)
	if err == nil && kv != (model.KubeVersion{}) {
		err = explainGateErrors(model.CheckFeatureGates(kv, gates))
	}
	if err != nil {
		errs = append(errs, fmt.Errorf("--feature-gates: %w", err))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("create cluster %q: %w", name, err)
	}
	spec := model.ClusterSpec{
		Name: name, KubeVersion: kv, Region: o.region, Zone: o.zone,
		Nodes: o.nodes, VirtualNode: o.virtualNode, FeatureGates: gates,
	}
	if o.nodes == 0 {
		// A zero ClusterSpec.Nodes asks for the backend's default; the
		// user asked for no regular node at all.
		spec.Nodes = -1
	}
	if err := s.backend.CreateCluster(e.ctx, spec); err != nil {
		return err
	}
	nodes := fmt.Sprintf("%d nodes", o.nodes)
	if o.nodes == 1 {
		nodes = "1 node"
	}
	if o.virtualNode {
		nodes += " + " + model.VirtualNodeName(o.region, o.zone)
	}
	if len(gates) > 0 {
		nodes += ", feature gates " + formatFeatureGates(gates)
	}
	fmt.Fprintf(e.out, "cluster %q created (Kubernetes %s, %s, %s)\n", name, kv, zoneName(o.region, o.zone), nodes)
	return nil
}

// zoneName is the zone's full name: "i" in cn-beijing is cn-beijing-i.
func zoneName(region, zone string) string {
	if strings.HasPrefix(zone, region+"-") {
		return zone
	}
	return region + "-" + zone
}

// parseFeatureGates reads "A=true,B=false" as Kubernetes' --feature-gates
// does.
func parseFeatureGates(s string) (map[string]bool, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	gates := map[string]bool{}
	var errs []error
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		k, v, ok := strings.Cut(item, "=")
		if !ok || k == "" {
			errs = append(errs, fmt.Errorf("%q: want GATE=true or GATE=false", item))
			continue
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%q: the value of %s must be true or false", item, k))
			continue
		}
		gates[k] = b
	}
	return gates, errors.Join(errs...)
}

// explainGateErrors adds to each unrecognized gate of err a "did you
// mean" and the gates meshtwin models, after Kubernetes' own words.
func explainGateErrors(err error) error {
	if err == nil {
		return nil
	}
	var parts []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		parts = j.Unwrap()
	} else {
		parts = []error{err}
	}
	known := model.ModelledFeatureGates()
	out := make([]error, 0, len(parts))
	for _, p := range parts {
		var ue *model.UnrecognizedFeatureGateError
		if !errors.As(p, &ue) {
			out = append(out, p)
			continue
		}
		if !ue.Since.IsZero() {
			out = append(out, fmt.Errorf("%w (the gate came in Kubernetes %s)", p, ue.Since))
			continue
		}
		hint := ""
		if s := suggest.Closest(ue.Gate, known); s != "" {
			hint = fmt.Sprintf("did you mean %q? ", s)
		}
		out = append(out, fmt.Errorf("%w (%smeshtwin models only %s)", p, hint, strings.Join(known, ", ")))
	}
	return errors.Join(out...)
}

func formatFeatureGates(gates map[string]bool) string {
	keys := make([]string, 0, len(gates))
	for k := range gates {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%t", k, gates[k])
	}
	return strings.Join(parts, ",")
}

// mesh returns the mesh instance, or an error telling how to create one.
func (s *Session) mesh() (Mesh, error) {
	return s.backend.Mesh()
}

// asmNamespaceCreate is `asm namespace create NAME --label K=V...`.
func (s *Session) asmNamespaceCreate(e *cmdEnv, labelArgs []string) error {
	name := e.args[0]
	labels, err := parseLabelArgs(labelArgs)
	if err != nil {
		// Report the name's and the well-formed labels' problems too.
		err = errors.Join(model.ValidateNamespaceName(name), err, model.ValidateLabels(labels))
		return fmt.Errorf("create namespace %q: %w", name, err)
	}
	inst, err := s.mesh()
	if err != nil {
		return err
	}
	if err := inst.CreateNamespace(e.ctx, name, labels); err != nil {
		return err
	}
	fmt.Fprintf(e.out, "namespace %q created in the mesh instance\n", name)
	return nil
}

// parseLabelArgs reads --label KEY=VALUE flags; the values themselves are
// validated by the instance, with every problem reported.
func parseLabelArgs(args []string) (map[string]string, error) {
	if len(args) == 0 {
		return nil, nil
	}
	labels := map[string]string{}
	var errs []error
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			errs = append(errs, fmt.Errorf("--label %q: want KEY=VALUE", a))
			continue
		}
		if old, dup := labels[k]; dup && old != v {
			errs = append(errs, fmt.Errorf("--label %q: label %s is already set to %q", a, k, old))
			continue
		}
		labels[k] = v
	}
	return labels, errors.Join(errs...)
}

// asmNamespaceDelete is `asm namespace delete NAME`.
func (s *Session) asmNamespaceDelete(e *cmdEnv) error {
	name := e.args[0]
	inst, err := s.mesh()
	if err != nil {
		return err
	}
	if err := inst.DeleteNamespace(e.ctx, name); err != nil {
		return err
	}
	fmt.Fprintf(e.out, "namespace %q deleted from the mesh instance\n", name)
	return nil
}

// asmNamespaceInjection is `asm namespace enable-injection|disable-injection NAME`.
func (s *Session) asmNamespaceInjection(e *cmdEnv, enable bool) error {
	name := e.args[0]
	inst, err := s.mesh()
	if err != nil {
		return err
	}
	word := "enabled"
	if enable {
		err = inst.EnableInjection(e.ctx, name)
	} else {
		word = "disabled"
		err = inst.DisableInjection(e.ctx, name)
	}
	var pe *asm.PartialError
	if errors.As(err, &pe) {
		// The instance has it; pushing to some clusters failed (B06).
		fmt.Fprintf(e.out, "automatic sidecar injection %s for namespace %q\n", word, name)
		return reportPartial(e, fmt.Sprintf("push namespace %q", name), err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "automatic sidecar injection %s for namespace %q\n", word, name)
	return nil
}

// asmNamespaceSetHoming is `asm namespace set-homing NAME --clusters a,b`.
func (s *Session) asmNamespaceSetHoming(e *cmdEnv, clusters []string) error {
	name := e.args[0]
	if !e.fs.Changed("clusters") {
		return fmt.Errorf("set homing of namespace %q: --clusters is required (one or more clusters of the mesh, comma-separated)", name)
	}
	inst, err := s.mesh()
	if err != nil {
		return err
	}
	if err := inst.SetHoming(e.ctx, name, clusters); err != nil {
		return err
	}
	fmt.Fprintf(e.out, "homing clusters of namespace %q set to %s\n", name, strings.Join(slices.Compact(sortedCopy(clusters)), ", "))
	return nil
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}

// asmNamespaceList is `asm namespace list`: the console's Global
// Namespace page. ACTION is the injection button the console offers: the
// opposite of the current state (B05).
func (s *Session) asmNamespaceList(e *cmdEnv) error {
	inst, err := s.mesh()
	if err != nil {
		return err
	}
	nss, err := inst.Namespaces(e.ctx)
	if err != nil {
		return err
	}
	if len(nss) == 0 {
		fmt.Fprintln(e.out, "No namespaces found in the mesh instance.")
		return nil
	}
	sort.Slice(nss, func(i, j int) bool { return nss[i].Name < nss[j].Name })
	tw := newConsoleTable(e.out)
	fmt.Fprintln(tw, "NAME\tLABELS\tINJECTION\tHOMING CLUSTERS\tACTION")
	for _, ns := range nss {
		injection, action := "-", "Enable Automatic Sidecar Injection"
		if v, ok := ns.Labels[model.LabelInjection]; ok {
			injection = v
		} else if rev, ok := ns.Labels[model.LabelRevision]; ok {
			injection = "rev:" + rev
		}
		if injection == "enabled" {
			action = "Disable Automatic Sidecar Injection"
		}
		homing := "<all>"
		if ns.Homing != nil {
			homing = strings.Join(ns.Homing, ",")
		}
		labels := maps.Clone(ns.Labels)
		delete(labels, model.LabelMetadataName)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", ns.Name, formatLabelSet(labels), injection, homing, action)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, f := range inst.PushFailures() {
		fmt.Fprintf(e.out, "Warning: namespace %s: push to cluster %s failed, will retry: %s\n", f.Namespace, f.Cluster, f.Error)
	}
	return nil
}

// newConsoleTable aligns columns as kubectl does: three spaces apart.
func newConsoleTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
}

// formatLabelSet renders labels as kubectl's --show-labels does.
func formatLabelSet(labels map[string]string) string {
	if len(labels) == 0 {
		return "<none>"
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + labels[k]
	}
	return strings.Join(parts, ",")
}

// asmSyncFrom is `asm sync from-cluster C [--dry-run]`.
func (s *Session) asmSyncFrom(e *cmdEnv, dryRun bool) error {
	cluster := e.args[0]
	inst, err := s.mesh()
	if err != nil {
		return err
	}
	var plan model.Plan
	if dryRun {
		plan, err = inst.PlanSyncFrom(e.ctx, cluster)
	} else {
		plan, err = inst.SyncFrom(e.ctx, cluster)
	}
	var pe *asm.PartialError
	if errors.As(err, &pe) {
		// What was done (the instance's writes up to the first that
		// failed, and their pushes), then what failed and what was not
		// applied.
		if !plan.Empty() {
			writePlan(e.out, plan, dryRun)
		}
		return reportPartial(e, "sync from cluster "+cluster, err)
	}
	if err != nil {
		return err
	}
	writePlan(e.out, plan, dryRun)
	return nil
}

// asmSyncTo is `asm sync to-clusters [--dry-run]`.
func (s *Session) asmSyncTo(e *cmdEnv, dryRun bool) error {
	inst, err := s.mesh()
	if err != nil {
		return err
	}
	var plan model.Plan
	if dryRun {
		plan, err = inst.PlanSyncTo(e.ctx)
	} else {
		plan, err = inst.SyncTo(e.ctx)
	}
	var pe *asm.PartialError
	if errors.As(err, &pe) {
		// What was done on the clusters that answered, then what failed.
		if !plan.Empty() {
			writePlan(e.out, plan, dryRun)
		}
		return reportPartial(e, "sync to clusters", err)
	}
	if err != nil {
		return err
	}
	writePlan(e.out, plan, dryRun)
	return nil
}

func writePlan(w io.Writer, plan model.Plan, dryRun bool) {
	prefix := ""
	if dryRun {
		prefix = "(dry run) "
	}
	for _, line := range strings.Split(plan.String(), "\n") {
		fmt.Fprintf(w, "%s%s\n", prefix, line)
	}
}

type webhookOptions struct {
	cluster string
	legacy  bool
}

// webhookInstall is `webhook install NAME --cluster C [--legacy]`.
func (s *Session) webhookInstall(e *cmdEnv, o webhookOptions) error {
	name := e.args[0]
	cluster, err := s.contextOrCurrent(o.cluster, "--cluster")
	if err != nil {
		return err
	}
	if err := s.backend.InstallWebhook(e.ctx, cluster, model.Webhook{Name: name, Legacy: o.legacy}); err != nil {
		return err
	}
	fmt.Fprintf(e.out, "mutatingwebhookconfiguration.admissionregistration.k8s.io/%s created\n", name)
	return nil
}

// contextOrCurrent is the cluster a command acts on: the one named by its
// flag, else the current kubectl context.
func (s *Session) contextOrCurrent(name, flag string) (string, error) {
	if name != "" {
		return name, nil
	}
	if s.context == "" {
		return "", fmt.Errorf("no current context: add a cluster to the mesh first (mesh add-cluster NAME), or pass %s NAME", flag)
	}
	return s.context, nil
}

// advance is `advance DURATION`: it prints nothing, like sleep.
func (s *Session) advance(e *cmdEnv) error {
	if len(e.args) != 1 {
		return fmt.Errorf("advance takes one DURATION, such as 30s, 2m or 1h30m; got %d arguments", len(e.args))
	}
	arg := e.args[0]
	d, err := time.ParseDuration(arg)
	if err != nil {
		return fmt.Errorf("advance: invalid duration %q: write it like 30s, 2m or 1h30m", arg)
	}
	if d < 0 {
		return fmt.Errorf("advance: invalid duration %q: the clock only moves forward", arg)
	}
	return s.backend.Advance(e.ctx, d)
}
