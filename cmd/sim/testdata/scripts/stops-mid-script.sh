# A failing command stops the script: nothing after it runs.
mesh create --version 1.22.2.35
cluster create c1
mesh add-cluster c1
kubectl create namespace demo
kubectl get pod missing -n demo
kubectl create namespace never-created
