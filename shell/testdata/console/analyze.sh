# analyze looks across the mesh like istioctl analyze (B35).
mesh create
cluster create c1
cluster create c2
mesh add-cluster c1
mesh add-cluster c2
asm namespace create demo
asm namespace enable-injection demo
asm sync to-clusters
analyze

kubectl create namespace plain
kubectl run nginx -n demo --image nginx
advance 1m
kubectl label namespace demo istio-injection=disabled --overwrite
kubectl label namespace demo istio.io/rev=canary
analyze
analyze --context c2
analyze -n demo
kubectl label namespace demo istio-injection=enabled --overwrite
kubectl label namespace demo istio.io/rev-
kubectl label namespace plain istio-injection=disabled
analyze --context c1
