# kubectl's own error messages.
mesh create
cluster create c1
mesh add-cluster c1
kubectl lable ns default a=b
kubectl desribe pod x
kubectl foo
kubectl exec nginx -- ls
kubectl label ns default a=b --overwite
kubectl get pods -x
kubectl get
kubectl get foo
kubectl get pods -o yamll
kubectl get pod nope
kubectl get pod a b
kubectl get pod nope --ignore-not-found
kubectl describe pod nope
kubectl delete pod nope
kubectl get pods nginx -l run=nginx
kubectl label ns
kubectl label ns default
kubectl label ns default a=b extra
kubectl create deployment web
kubectl create deployment --image nginx
kubectl create secret generic s
kubectl create secrte generic s
kubectl run nginx
kubectl run nginx --image nginx --restart Sometimes
kubectl rollout restat deployment web
kubectl rollout restart pod x
kubectl rollout undo deployment web
kubectl scale deployment web
kubectl patch ns default
kubectl patch ns default --type strategic
kubectl run nginx --image nginx
kubectl run nginx --image nginx
kubectl create namespace default
# cobra's suggestions: Levenshtein distance at most 2 or a prefix; a swap
# of neighbours is two edits, so "dleet" (three from delete) gets none.
kubectl dleet pods
kubectl delet pods
kubectl de pods
# delete with a selector that matches nothing succeeds (delete.go).
kubectl delete pods -l app=nothing
# The same wording for everything kubectl does that the twin does not.
kubectl get secrets
kubectl describe sts web
kubectl create configmap cfg --from-literal a=b
kubectl create service clusterip web --tcp 80:80
kubectl apply -f https://example.com/app.yaml
kubectl apply -f - <<EOF2
apiVersion: v1
kind: Secret
metadata:
  name: s
EOF2
# One help text, whether asked for or not (kubectl with no command prints it too).
kubectl --help
