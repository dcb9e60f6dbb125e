# Deployments, replica sets, jobs: create, scale, roll out, delete.
mesh create
cluster create c1
mesh add-cluster c1
kubectl create deployment web --image nginx --replicas 2
kubectl rollout status deployment web --watch=false
kubectl get deploy,rs
kubectl rollout status deployment/web
kubectl get deploy web -o wide
kubectl scale deployment web --replicas 3
advance 30s
kubectl get deploy web
kubectl patch deployment web -p '{"spec":{"replicas":1}}'
kubectl patch deployment web -p '{"spec":{"replicas":1}}'
kubectl patch deployment web --type json -p '[{"op":"replace","path":"/spec/replicas","value":2}]'
kubectl rollout restart deployment web
kubectl rollout restart deployment web
kubectl rollout status deployment web
kubectl get rs
kubectl describe deployment web
kubectl describe rs -l app=web
kubectl create job hello --image busybox -- echo hi
kubectl get jobs
advance 1m
kubectl get jobs
kubectl get jobs -o wide
kubectl delete deployment web
kubectl delete job hello
kubectl get all
kubectl delete pods --all
kubectl create deployment api --image nginx --replicas 2
kubectl label pods --all tier=api
kubectl get pods -L tier
kubectl label pods -l app=api tier-
kubectl annotate deployment api owner=team-a
kubectl get deployment api -o jsonpath='{.metadata.annotations.owner}{"\n"}'
