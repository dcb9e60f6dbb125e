# explain says which rule decided injection, mode and node (B14, B36).
mesh create
cluster create c1 --virtual-node
mesh add-cluster c1
kubectl create namespace demo
kubectl run nginx -n demo --image nginx
advance 1m
explain pod nginx -n demo

# The label alone does not inject a running pod (B09).
kubectl label namespace demo istio-injection=enabled --overwrite
explain pod nginx -n demo
kubectl get pod nginx -n demo -o yaml | kubectl replace --force -f -
advance 1m
explain pod nginx -n demo

# A pod about to be created (B36), with the ECI label (B17, B18).
explain pod -f - <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: eci
  namespace: demo
  labels:
    alibabacloud.com/eci: "true"
spec:
  containers:
  - name: app
    image: nginx
EOF

# An opted-out pod, and two objects of a manifest.
explain pod -n demo -f - <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: batch
  labels:
    sidecar.istio.io/inject: "false"
spec:
  containers:
  - name: app
    image: busybox
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
EOF
explain pod web -n demo -f - <<EOF
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
EOF

# Without ack-virtual-node, an ECI pod stays Pending and explain says why (B21).
cluster create c2 --kubernetes-version 1.28
mesh add-cluster c2
kubectl --context c2 create namespace vk
kubectl --context c2 label namespace vk istio-injection=enabled alibabacloud.com/eci=true
kubectl --context c2 run nginx -n vk --image nginx
advance 30s
kubectl --context c2 get pods -n vk
explain pod nginx -n vk --context c2
