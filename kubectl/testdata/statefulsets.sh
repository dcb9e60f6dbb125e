# StatefulSets and DaemonSets: ordinal pods in order, claims, rollout, cascading delete.
mesh create
cluster create c1 --virtual-node
mesh add-cluster c1
kubectl apply -f - <<EOF
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: web
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
  volumeClaimTemplates:
  - metadata:
      name: www
    spec:
      accessModes: ["ReadWriteOnce"]
      resources:
        requests:
          storage: 1Gi
EOF
kubectl get sts,pods
kubectl rollout status sts/web
kubectl get sts -o wide
kubectl get pvc -o wide
kubectl describe sts web
kubectl scale sts web --replicas 1
advance 1s
kubectl get pods
kubectl rollout restart sts web
kubectl rollout status sts web --watch=false
kubectl delete sts web
kubectl get pods
kubectl apply -f - <<EOF
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels:
      app: agent
  template:
    metadata:
      labels:
        app: agent
    spec:
      nodeSelector:
        kubernetes.io/os: linux
      containers:
      - name: agent
        image: fluentd:v1
EOF
kubectl rollout status ds agent
kubectl get ds
kubectl get ds -o wide
kubectl get all
kubectl describe ds agent
kubectl delete ds agent
kubectl get pods
