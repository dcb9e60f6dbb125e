# Manual injection: the same result without the webhook (B16).
mesh create
cluster create c1
mesh add-cluster c1
kubectl create namespace demo
istioctl kube-inject -f - <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: sleep
  namespace: demo
spec:
  containers:
  - name: sleep
    image: registry.cn-hangzhou.aliyuncs.com/acs/curl:8.1.2
EOF
istioctl kube-inject -f - <<EOF | kubectl apply -f -
apiVersion: v1
kind: Pod
metadata:
  name: sleep
  namespace: demo
spec:
  containers:
  - name: sleep
    image: registry.cn-hangzhou.aliyuncs.com/acs/curl:8.1.2
---
apiVersion: v1
kind: Pod
metadata:
  name: skipped
  namespace: demo
  labels:
    sidecar.istio.io/inject: "false"
spec:
  containers:
  - name: app
    image: nginx
---
apiVersion: v1
kind: Service
metadata:
  name: sleep
  namespace: demo
spec:
  ports:
  - port: 80
EOF
advance 1m
kubectl get pods -n demo
explain pod sleep -n demo
# An injected pod is left as it is.
kubectl get pod sleep -n demo -o yaml | istioctl kube-inject -f - | grep -c 'name: istio-proxy'
# A Deployment's pod template is injected; other objects pass through.
istioctl kube-inject -f - <<EOF | grep -E '^(kind|---)|name: istio-(proxy|init)|restartPolicy'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: demo
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
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  a: "1"
EOF
