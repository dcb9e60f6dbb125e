# kubectl apply|create --dry-run: server runs admission (the sidecar is
# injected) and stores nothing; client prints what kubectl would send.
mesh create --version 1.22.2.35
cluster create c1
mesh add-cluster c1
kubectl label namespace default istio-injection=enabled
kubectl apply --dry-run=server -o yaml -f - <<EOF | grep -E "^  name:|^  - name:|^  - image:|image: .*proxyv2|restartPolicy"
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: nginx
EOF
kubectl create --dry-run=server -o name -f - <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: nginx
EOF
kubectl apply --dry-run=client -o yaml -f - <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: nginx
EOF
kubectl get pods
! kubectl apply --dry-run=maybe -f -
