package kubectl

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
)

// describe is `kubectl describe TYPE [NAME_PREFIX...]` for pods,
// namespaces, nodes and mutating webhook configurations.
func (k *kubectlRun) describe(args []string) error {
	fs := k.newFlags("kubectl describe")
	selector := fs.StringP("selector", "l", "", "Selector (label query) to filter on")
	allNS := fs.BoolP("all-namespaces", "A", false, "If present, list the requested object(s) across all namespaces.")
	showEvents := fs.Bool("show-events", true, "If true, display events related to the described object.")
	pos, err := k.parse(args)
	if err != nil || k.help {
		return err
	}
	if len(pos) == 0 {
		return errors.New("You must specify the type of resource to describe. Use \"kubectl api-resources\" for a complete list of supported resources.")
	}
	cs, rargs, err := k.clientAndResources(pos)
	if err != nil {
		return err
	}
	for _, a := range rargs {
		switch a.res.kind {
		case "Pod", "Namespace", "Node", "MutatingWebhookConfiguration", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "Service", "ASMMeshConfig":
		default:
			return notEmulated("kubectl describe "+a.res.plural, "pods", "namespaces", "nodes", "mutatingwebhookconfigurations", "deployments", "replicasets", "statefulsets", "daemonsets", "jobs", "cronjobs", "services", "asmmeshconfigs")
		}
	}
	var objs []kubeSection
	var errs []error
	for _, a := range rargs {
		sections, missing, err := k.fetch(cs, []resourceArg{a}, kubeQuery{allNamespaces: *allNS, selector: *selector})
		if err != nil {
			return err
		}
		if len(missing) > 0 {
			// kubectl describe also takes a name prefix.
			byPrefix, _, err := k.fetch(cs, []resourceArg{{res: a.res}}, kubeQuery{allNamespaces: *allNS})
			if err != nil {
				return err
			}
			found := false
			for _, s := range byPrefix {
				var kept []runtime.Object
				for _, obj := range s.objs {
					if strings.HasPrefix(kubeMeta(obj).GetName(), a.name) {
						kept = append(kept, obj)
					}
				}
				if len(kept) > 0 {
					found = true
					sections = append(sections, kubeSection{res: s.res, objs: kept})
				}
			}
			if !found {
				errs = append(errs, missing...)
			}
		}
		objs = append(objs, sections...)
	}
	if len(errs) == 0 && kubeCount(objs) == 0 {
		if *allNS || !rargs[0].res.namespaced {
			fmt.Fprintln(k.errOut, "No resources found")
		} else {
			fmt.Fprintf(k.errOut, "No resources found in %s namespace.\n", k.namespace())
		}
	}
	now := k.host.Now()
	first := true
	for _, s := range objs {
		for _, obj := range s.objs {
			var text string
			switch v := obj.(type) {
			case *corev1.Pod:
				text = k.describePod(cs, v, now, *showEvents)
			case *corev1.Namespace:
				text = k.describeNamespace(cs, v)
			case *corev1.Node:
				text = k.describeNode(cs, v, now, *showEvents)
			case *admissionregistrationv1.MutatingWebhookConfiguration, *unstructured.Unstructured:
				// kubectl has no describer of its own for them (an
				// asmmeshconfig is a custom resource).
				if text, err = k.describeGeneric(cs, s.res, v, *showEvents); err != nil {
					return err
				}
			case *appsv1.StatefulSet:
				text = k.describeStatefulSet(cs, v, now, *showEvents)
			case *appsv1.DaemonSet:
				text = k.describeDaemonSet(cs, v, now, *showEvents)
			case *appsv1.Deployment:
				text = k.describeDeployment(cs, v, now, *showEvents)
			case *appsv1.ReplicaSet:
				text = k.describeReplicaSet(cs, v, now, *showEvents)
			case *batchv1.Job:
				text = k.describeJob(cs, v, now, *showEvents)
			case *batchv1.CronJob:
				text = k.describeCronJob(cs, v, now, *showEvents)
			case *corev1.Service:
				text = k.describeService(cs, v, now, *showEvents)
			}
			if !first {
				fmt.Fprint(k.out, "\n\n")
			}
			first = false
			fmt.Fprint(k.out, text)
		}
	}
	return joinKubectlErrors(errs)
}

// describeWriter writes kubectl describe's layout: two spaces a level,
// tab-separated cells aligned two spaces apart.
type describeWriter struct {
	buf bytes.Buffer
	tw  *tabwriter.Writer
}

func newDescribeWriter() *describeWriter {
	w := &describeWriter{}
	w.tw = tabwriter.NewWriter(&w.buf, 0, 8, 2, ' ', 0)
	return w
}

func (w *describeWriter) write(level int, format string, args ...any) {
	fmt.Fprintf(w.tw, strings.Repeat("  ", level)+format, args...)
}

func (w *describeWriter) flush() { w.tw.Flush() }

func (w *describeWriter) String() string {
	w.tw.Flush()
	return w.buf.String()
}

// labelsBlock prints "Title:\tk=v" with further pairs aligned below.
func (w *describeWriter) labelsBlock(title string, m map[string]string) {
	w.write(0, "%s:\t", title)
	if len(m) == 0 {
		w.write(0, "<none>\n")
		return
	}
	for i, key := range kubeSortedKeys(m) {
		if i > 0 {
			w.write(0, "\t")
		}
		w.write(0, "%s=%s\n", key, m[key])
	}
}

// annotationsBlock prints annotations "key: value", long or multi-line
// values on their own lines, cut at 140 characters.
func (w *describeWriter) annotationsBlock(title string, m map[string]string) {
	const maxLen = 140
	w.write(0, "%s:\t", title)
	var keys []string
	for _, key := range kubeSortedKeys(m) {
		if key != lastAppliedAnnotation {
			keys = append(keys, key)
		}
	}
	if len(keys) == 0 {
		w.write(0, "<none>\n")
		return
	}
	for i, key := range keys {
		if i > 0 {
			w.write(0, "\t")
		}
		value := strings.TrimSuffix(m[key], "\n")
		if len(value)+len(key)+2 > maxLen || strings.Contains(value, "\n") {
			w.write(0, "%s:\n", key)
			for _, line := range strings.Split(value, "\n") {
				if len(line) > maxLen-2 {
					line = line[:maxLen-2] + "..."
				}
				w.write(0, "\t  %s\n", line)
			}
			continue
		}
		w.write(0, "%s: %s\n", key, value)
	}
}

// events prints the Events table (flushed apart from what precedes it).
func (w *describeWriter) events(events []corev1.Event, now time.Time) {
	if len(events) == 0 {
		w.write(0, "Events:\t<none>\n")
		return
	}
	w.flush()
	sort.SliceStable(events, func(i, j int) bool { return kubeEventTime(&events[i]).Before(kubeEventTime(&events[j])) })
	w.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n")
	w.write(1, "----\t------\t----\t----\t-------\n")
	for i := range events {
		e := &events[i]
		first := kubeMicroAge(now, e.EventTime)
		if e.EventTime.IsZero() {
			first = kubeAge(now, e.FirstTimestamp)
		}
		age := first
		switch {
		case e.Series != nil:
			age = fmt.Sprintf("%s (x%d over %s)", kubeMicroAge(now, e.Series.LastObservedTime), e.Series.Count, first)
		case e.Count > 1:
			age = fmt.Sprintf("%s (x%d over %s)", kubeAge(now, e.LastTimestamp), e.Count, first)
		}
		from := e.Source.Component
		if from == "" {
			from = e.ReportingController
		}
		w.write(1, "%v\t%v\t%s\t%v\t%v\n", e.Type, e.Reason, age, from, strings.TrimSpace(e.Message))
	}
}

// objectEvents lists the events about one object, asking the server to
// filter by involvedObject (and checking the answer, for backends that
// ignore field selectors).
func (k *kubectlRun) objectEvents(cs kubernetes.Interface, ns, name, kind, uid string) []corev1.Event {
	ev := cs.CoreV1().Events(ns)
	var kindPtr, uidPtr *string
	if kind != "" {
		kindPtr = &kind
	}
	if uid != "" {
		uidPtr = &uid
	}
	sel := ev.GetFieldSelector(&name, &ns, kindPtr, uidPtr)
	list, err := ev.List(k.ctx, metav1.ListOptions{FieldSelector: sel.String()})
	if err != nil {
		return nil
	}
	var out []corev1.Event
	for _, e := range list.Items {
		io := e.InvolvedObject
		if io.Name != name || io.Namespace != ns || (kind != "" && io.Kind != kind) || (uid != "" && io.UID != "" && string(io.UID) != uid) {
			continue
		}
		out = append(out, e)
	}
	return out
}

func formatDescribeTime(t time.Time) string { return t.Format(time.RFC1123Z) }
