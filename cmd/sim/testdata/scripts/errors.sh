# Each command fails in its own words; '!' expects the failure.
mesh create --version 1.22.2.35
cluster create c1 --virtual-node
mesh add-cluster c1
! kubeclt get pods
! kubectl lable namespace default a=b
! kubectl label namespace default istio-injection=enabled --overwite
! kubectl --context nowhere get pods
! kubectl create namespace Demo
! kubectl label namespace default "bad key!=x"
! asm namespace create UPPER
! asm namespace create ok --label "a=b c"
! asm namespace set-homing default --clusters c1,c9
! mesh add-cluster c9
! cluster create c1
! kubectl apply -f - <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: [oops
EOF
! kubectl get pods -o yml
! advance soon
! mesh create --version 1.22
