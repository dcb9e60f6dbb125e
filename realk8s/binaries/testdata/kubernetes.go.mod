// An excerpt in the shape of k8s.io/kubernetes' go.mod: staging modules are
// required at v0.0.0 and replaced by directories under ./staging.

module k8s.io/kubernetes

go 1.26.0

require (
	github.com/spf13/pflag v1.0.10
	k8s.io/api v0.0.0
	k8s.io/apiserver v0.0.0
	k8s.io/utils v0.0.0-20260626114624-be93311217bd
)

require (
	k8s.io/kube-openapi v0.0.0-20260721132016-d427ff9ee9ad // indirect
	k8s.io/streaming v0.0.0 // indirect
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/apiserver => ./staging/src/k8s.io/apiserver
	k8s.io/streaming => ./staging/src/k8s.io/streaming
	example.com/forked => example.com/fork v1.0.0
)

replace k8s.io/kms => ./staging/src/k8s.io/kms
