mesh create
kubectl get ns 'default
