# Sidecar injection seen through kubectl (B08, B09, B11-B13).
mesh create
cluster create c1
mesh add-cluster c1
kubectl create namespace demo
kubectl run before -n demo --image nginx
kubectl create deployment web -n demo --image nginx --replicas 2
advance 1m
kubectl get pods -n demo

# Labelling the namespace does not touch existing pods (B09).
kubectl label namespace demo istio-injection=enabled
kubectl get pods -n demo

# A rolling restart replaces the deployment's pods with injected ones (B11).
kubectl rollout restart deployment web -n demo
kubectl rollout status deployment web -n demo
kubectl get pods -n demo

# Replacing one pod recreates it through the webhook (B12).
kubectl get pod before -n demo -o yaml | kubectl replace --force -f -
kubectl get pods -n demo
advance 30s
kubectl get pods -n demo
kubectl get pod before -n demo -o jsonpath='{.spec.initContainers[*].name}{"\n"}{.spec.containers[*].name}{"\n"}'

# describe lists istio-proxy (B13); here a native sidecar, so under Init Containers.
kubectl describe pod before -n demo
