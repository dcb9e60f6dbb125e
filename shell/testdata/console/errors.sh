# Every command below fails; the run keeps going to show each message.
! mesh add-cluster c1
! asm namespace list
! mesh create --version 1.22 --profile mesh --enable-native-sidecar yes
mesh create
! mesh create
! cluster create c1 --kubernetes-version one --nodes -1 --feature-gates SidecarContainers=maybe
cluster create c1
! cluster create c1
! mesh add-cluster nope
mesh add-cluster c1
! mesh add-cluster c1
! asm namespace create Demo_1
! asm namespace create demo --label 'bad key=x' --label team=a/b --label novalue
asm namespace create demo
! asm namespace create demo
! asm namespace delete missing
! asm namespace enable-injection missing
! asm namespace set-homing demo --clusters c1,nope
! asm namespace set-homing demo
! asm sync from-cluster nope
! webhook install w --cluster nope
! advance -5s
! advance soon
! explain pod
! explain pod missing
! explain pod x --context asm
! analyze --context nope
! istioctl kube-inject
! istioctl kube-inject -f missing.yaml
! istioctl analyze
! kubeclt get pods
! mesh craete
! cluster create
! asm namespace create demo --lable x=y
