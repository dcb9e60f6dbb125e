mesh create
cluster create c1
mesh add-cluster c1
kubectl get pod missing
kubectl create namespace created-anyway
kubectl get namespace created-anyway
! kubectl get namespace created-anyway
kubectl get namespace default
