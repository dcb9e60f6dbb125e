# Namespace labels with kubectl (B03, B05, B10).
mesh create
cluster create c1
mesh add-cluster c1
kubectl create namespace demo
kubectl get namespace demo
kubectl get namespace demo --show-labels
kubectl label namespace demo istio-injection=enabled --overwrite
kubectl get namespace demo --show-labels
kubectl label namespace demo istio-injection=enabled
kubectl label namespace demo istio-injection=disabled
kubectl label namespace demo istio-injection=disabled --overwrite
kubectl get ns -L istio-injection
kubectl label ns demo team=shop istio-injection-
kubectl label ns demo istio-injection-
kubectl get ns demo --show-labels
kubectl label ns demo --list
kubectl annotate ns demo owner=alice
kubectl annotate ns demo owner=bob
kubectl annotate ns demo owner=bob --overwrite
kubectl describe namespace demo

# Invalid keys and values change nothing.
kubectl label ns demo 'bad key=x'
kubectl label ns demo team='not ok'
kubectl label ns demo a=b=c
kubectl label ns demo team=x team-
kubectl get ns demo --show-labels

# The mesh instance has namespaces of its own (B01); labelling one is
# pushed to clusters that already have it (B06).
kubectl --context asm create namespace demo
kubectl --context asm create namespace only-in-asm
kubectl --context asm label namespace demo istio-injection=enabled
kubectl get ns demo --show-labels
kubectl get ns only-in-asm
kubectl --context asm get ns --show-labels
kubectl --context asm delete namespace demo
kubectl get ns demo
kubectl create namespace Bad_Name
kubectl create namespace demo
kubectl delete namespace demo
kubectl get ns demo
