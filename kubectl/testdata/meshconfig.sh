# asmmeshconfig on the mesh instance (B31): native sidecar off, then a
# restarted pod gets the traditional sidecar.
mesh create
cluster create c1
mesh add-cluster c1
kubectl create namespace demo
kubectl label namespace demo istio-injection=enabled
kubectl create deployment sleep -n demo --image registry.cn-hangzhou.aliyuncs.com/acs/curl:8.1.2
advance 1m
kubectl get pods -n demo -o custom-columns=NAME:.metadata.name,INIT:.spec.initContainers[*].name,CONTAINERS:.spec.containers[*].name

kubectl get asmmeshconfig
kubectl --context asm get asmmeshconfig
kubectl --context asm get asmmeshconfig default -o yaml
kubectl --context asm patch asmmeshconfig default --type=merge --patch='{"spec":{"enableNativeSidecar":false}}'
kubectl --context asm patch asmmeshconfig default --type=merge --patch='{"spec":{"enableNativeSidecar":false}}'
kubectl --context asm get asmmeshconfigs.istio.alibabacloud.com -o json
kubectl --context asm describe asmmeshconfig default
kubectl --context asm patch asmmeshconfig default -p '{"spec":{"enableNativeSidecar":true}}'
kubectl --context asm patch asmmeshconfig other --type=merge -p '{}'
kubectl --context asm patch asmmeshconfig default --type=merge -p '{"spec":'

# Existing pods keep their sidecar; restarted ones get a traditional one.
kubectl get pods -n demo -o custom-columns=NAME:.metadata.name,INIT:.spec.initContainers[*].name,CONTAINERS:.spec.containers[*].name
kubectl rollout restart deployment sleep -n demo
kubectl rollout status deployment sleep -n demo
kubectl get pods -n demo -o custom-columns=NAME:.metadata.name,INIT:.spec.initContainers[*].name,CONTAINERS:.spec.containers[*].name
kubectl get pods -n demo
