# Output formats: -o wide|yaml|json|name|jsonpath|custom-columns, -A, -l, -L.
mesh create
cluster create c1
mesh add-cluster c1
kubectl create namespace demo
kubectl run a -n demo --image nginx -l app=a,tier=web
kubectl run b -n demo --image nginx -l app=b
kubectl run c --image busybox --restart Never -- sleep 5
advance 1m
kubectl get pods -A
kubectl get pods -n demo -l tier=web
kubectl get pods -n demo -l 'app in (a,b)' -L app,tier
kubectl get pods -n demo --show-labels --no-headers
kubectl get pods -n demo -o name
kubectl get pod/a pod/b -n demo -o name
kubectl get pods -n demo -o jsonpath='{range .items[*]}{.metadata.name}{"\t"}{.status.podIP}{"\n"}{end}'
kubectl get pods -n demo --field-selector metadata.name=b
kubectl get pod b -n demo -o json
kubectl get pods,deployments -n demo
kubectl get all -n demo
kubectl get pod c
kubectl get events -n demo
kubectl get nodes -o wide
kubectl get ns --show-labels
kubectl get pods -n empty
kubectl get nodes -l nothing=here
kubectl run dry --image nginx --dry-run=client -o yaml
kubectl create deployment dry --image nginx:1.25 --replicas 3 --dry-run=client -o yaml
kubectl create namespace dry --dry-run=client
kubectl get ns dry
kubectl create job dry --image busybox --dry-run=client -o json
