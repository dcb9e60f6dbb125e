# Upgrades and fleet changes (B38): versions in place, clusters leaving.
mesh create --version 1.21.6.3
cluster create c1 --kubernetes-version 1.29
cluster create c2
mesh add-cluster c1
mesh add-cluster c2
asm namespace create shop
asm namespace set-homing shop --clusters c1,c2
asm namespace enable-injection shop
asm sync to-clusters
kubectl create deployment web -n shop --image nginx
kubectl create job once -n shop --image busybox -- sleep 5
advance 1m
mesh upgrade --version 1.22.2.35 --dry-run
mesh upgrade --version 1.22.2.35
! mesh upgrade --version 1.22.2.35
! mesh upgrade
cluster upgrade c1 --kubernetes-version 1.30 --dry-run
! cluster upgrade c1 --kubernetes-version 1.31
cluster upgrade c1 --kubernetes-version v1.30
! cluster upgrade c1 --kubernetes-version 1.30
kubectl get nodes
explain job once -n shop
mesh remove-cluster c2
! mesh remove-cluster c2
asm namespace list
analyze
! cluster delete c1
cluster delete c2
! cluster delete c2
