# The mesh console: mesh, clusters, global namespaces, injection, sync.
mesh create
cluster create c1 --virtual-node
cluster create c2 --kubernetes-version 1.28 --region cn-hangzhou --zone cn-hangzhou-k --nodes 1 --feature-gates SidecarContainers=true
mesh add-cluster c1
mesh add-cluster c2
kubectl config current-context

asm namespace create demo --label team=shop
asm namespace create shop
asm namespace list
asm namespace enable-injection demo
asm namespace list

# Creating a namespace in the instance creates nothing in the clusters (B01).
! kubectl get namespace demo
asm sync to-clusters --dry-run
asm sync to-clusters
asm sync to-clusters
kubectl get namespace demo --show-labels
kubectl --context c2 get namespace shop --show-labels

# Disabling sets istio-injection=disabled and is pushed (B05, B06).
asm namespace disable-injection demo
kubectl get namespace demo --show-labels
asm namespace list

# Homing: only c1 gets the namespaces of a later sync (B24, B26).
asm namespace create web
asm namespace set-homing web --clusters c1
asm sync to-clusters
! kubectl --context c2 get namespace web

# Sync from a cluster (B22, B25).
kubectl --context c2 create namespace legacy
kubectl --context c2 label namespace legacy istio-injection=enabled
asm sync from-cluster c2 --dry-run
asm sync from-cluster c2
asm namespace list

# Deleting in the instance deletes nothing in the clusters (B27).
asm namespace delete shop
asm sync to-clusters
kubectl get namespace shop

webhook install logsidecar-injector --legacy
advance 2m30s
