# StatefulSets and DaemonSets: ordinal pods in order, rollout, cascading
# delete; claims stay Pending, as on ACK, which marks no StorageClass as
# the default, and so does the pod that mounts one.
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
EOF
kubectl get sts,pods
kubectl rollout status sts/web
kubectl get sts -o wide
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
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  replicas: 2
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      containers:
      - name: redis
        image: redis:7
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: ["ReadWriteOnce"]
      resources:
        requests:
          storage: 1Gi
EOF
advance 1m
kubectl get sts,pods,pvc -o wide
kubectl get events --field-selector involvedObject.name=db-0
kubectl describe sts db
kubectl delete sts db
kubectl get pvc
kubectl delete pvc data-db-0
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
