# kubectl wait on the virtual clock, logs of istio-proxy (simulated), exec refused.
mesh create
cluster create c1
mesh add-cluster c1
kubectl label namespace default istio-injection=enabled
kubectl run web --image nginx
kubectl wait --for=condition=Ready pod/web
kubectl wait --for condition=ready=true pod web --timeout 10s
kubectl create job hello --image busybox
kubectl wait --for=condition=complete job/hello --timeout=2m
kubectl wait --for=condition=failed job/hello --timeout=0
kubectl wait --for=condition=Ready pod/missing
kubectl wait --for=ready pod/web
kubectl wait pod/web
kubectl wait --for=condition=Ready pod
kubectl logs web -c istio-proxy
kubectl logs web -c nope
kubectl logs missing -c istio-proxy
kubectl delete pod web
kubectl wait --for=delete pod/web
