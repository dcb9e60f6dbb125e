# kubectl contexts: every cluster, and asm (the mesh instance) once it exists.
kubectl get pods
kubectl config current-context
cluster create c1
kubectl config get-contexts
mesh create
cluster create c2
mesh add-cluster c1
kubectl config current-context
kubectl config get-contexts
kubectl config get-contexts -o name
kubectl config use-context c2
kubectl config current-context
kubectl get ns
kubectl --context c1 get nodes
kubectl --context asm get ns
kubectl config use-context nope
kubectl --context nope get pods
kubectl config get-contexts c1 nope
kubectl config use-contxt c1
