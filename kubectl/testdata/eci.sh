# ECI virtual nodes (B17-B20): one pod by label, then a whole namespace.
mesh create
cluster create c1 --virtual-node
mesh add-cluster c1
kubectl label namespace default istio-injection=enabled
kubectl get ns default --show-labels
kubectl run nginx -n default --image nginx -l alibabacloud.com/eci=true
kubectl run plain -n default --image nginx
advance 1m
kubectl get pod -n default -o wide
kubectl get pod -n default -o wide | grep virtual-kubelet

kubectl create namespace vk
kubectl label namespace vk istio-injection=enabled
kubectl label namespace vk alibabacloud.com/eci=true
kubectl -n vk run nginx --image nginx
advance 1m
kubectl -n vk get pod -o wide | grep virtual-kubelet
kubectl get nodes
kubectl describe node virtual-kubelet-cn-beijing-i
