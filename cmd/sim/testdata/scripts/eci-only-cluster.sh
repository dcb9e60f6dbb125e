# A cluster with no regular node, only the ECI virtual node: pods without
# the ECI label stay Pending, labelled ones run on ECI.
mesh create
cluster create c1 --nodes 0 --virtual-node
mesh add-cluster c1
kubectl get nodes
kubectl run plain --image nginx
kubectl run eci --image nginx -l alibabacloud.com/eci=true
advance 30s
kubectl get pods -o wide
kubectl get events --field-selector reason=FailedScheduling
# Output without a final newline does not swallow the next prompt.
kubectl get pod eci -o jsonpath='{.spec.nodeName}'
kubectl get pod plain -o jsonpath='{.status.phase}'
