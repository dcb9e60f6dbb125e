# kubectl apply: create, configure, unchanged; apply continues past a bad document.
mesh create
cluster create c1
mesh add-cluster c1
kubectl apply -f - <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    istio-injection: enabled
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: sleep
  namespace: shop
spec:
  replicas: 1
  selector:
    matchLabels:
      app: sleep
  template:
    metadata:
      labels:
        app: sleep
    spec:
      containers:
      - name: sleep
        image: registry.cn-hangzhou.aliyuncs.com/acs/curl:8.1.2
        command: ["sleep", "infinity"]
EOF
kubectl apply -f manifests/namespace-shop.yaml
kubectl apply -f - <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    istio-injection: disabled
EOF
kubectl get ns shop --show-labels
kubectl get ns shop -o yaml

# A pod created by kubectl run, then applied: kubectl warns and adopts it.
kubectl run nginx --image nginx
kubectl apply -f - <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: nginx
  labels:
    run: nginx
    tier: web
spec:
  containers:
  - name: nginx
    image: nginx
EOF
kubectl get pod nginx --show-labels

# A YAML error in the second document: as kubectl's apply (ContinueOnError),
# the first is created, the stream stops at the error, which is reported.
kubectl apply -f - <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: first
---
apiVersion: v1
kind: Pod
metadata:
  name: x
 labels: broken
---
apiVersion: v1
kind: Namespace
metadata:
  name: after-the-error
EOF
kubectl get ns first
kubectl get ns after-the-error
# An unknown kind skips only that object: the ones around it are applied.
kubectl apply -f - <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: second
---
apiVersion: istio.io/v1
kind: Sidecar
metadata:
  name: default
---
apiVersion: v1
kind: Namespace
metadata:
  name: third
EOF
kubectl get ns second third
kubectl apply -f - <<EOF
metadata:
  name: x
EOF
kubectl apply -f - <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: typo
spec:
  contianers:
  - name: a
    image: nginx
EOF
kubectl apply -n default -f - <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: elsewhere
  namespace: shop
spec:
  containers:
  - name: a
    image: nginx
EOF
kubectl apply -f missing.yaml
kubectl apply
kubectl create -f - <<EOF
apiVersion: v1
kind: Pod
metadata:
  generateName: job-
spec:
  containers:
  - name: a
    image: busybox
EOF
kubectl create -f manifests/namespace-shop.yaml
kubectl delete -f manifests/namespace-shop.yaml
kubectl get ns shop

# A folder applies every manifest in it, in name order.
kubectl apply -f manifests
kubectl apply -f manifests
kubectl get deploy -n shop
kubectl delete -f manifests --ignore-not-found
