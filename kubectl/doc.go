// Package kubectl emulates the kubectl commands a mesh onboarding uses
// (get, describe, create, run, apply, replace, delete, label, annotate,
// rollout, patch, scale, config, wait, logs), printing what kubectl prints: its
// tables, describe output, YAML and JSON, and its error texts. Run is the
// entry point; Host is what it needs of its caller.
//
// It speaks only kubernetes.Interface (plus the mesh instance's
// asmmeshconfig), so it runs unchanged on the simulator and on real
// clusters. Where kubectl would wait in real time, it waits on the host's
// clock instead (Host.Advance, one second at a time):
//   - delete and replace --force wait until the objects are gone (at most
//     2 minutes), as kubectl's --wait does;
//   - rollout status watches until the rollout is done, printing each new
//     status line, for at most --timeout (default 10 minutes: a
//     deployment's default progress deadline), then fails with "timed out
//     waiting for the condition"; --watch=false prints the current line
//     once and succeeds;
//   - wait checks the condition each second until it holds or --timeout
//     (default 30s) passes, then fails with "timed out waiting for the
//     condition on TYPE/NAME".
//
// logs prints, for the istio-proxy container only, a short log that says
// it is simulated (no container runs), made from the pod's status.
//
// apply, as kubectl's, applies every object it could read and reports
// every problem at the end. Deliberate differences from kubectl: create
// -f, replace and delete -f read and check every document (YAML syntax,
// kind, unknown fields, namespace) before sending any, so a bad document
// changes nothing. YAML errors name the line within the document, as
// kubectl's do. get events lists events by time. The "all" resource means pods,
// services, daemonsets, deployments, replicasets, statefulsets, cronjobs
// and jobs, in kubectl's order.
//
// Where things are: kubectl.go parses the command line and renders
// errors; resources.go is the table of resource types; get.go and
// print.go print tables, YAML, JSON and custom columns; describe_*.go
// describe one kind each; apply.go, create.go, label.go, patch.go,
// rollout.go, wait.go, logs.go and config.go are the other commands.
package kubectl
