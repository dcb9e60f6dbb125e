# Faults: a sync that fails on one cluster applies to the others, says
# what failed, and a later sync completes it.
mesh create
cluster create c1
cluster create c2
mesh add-cluster c1
mesh add-cluster c2
asm namespace create demo
fault inject --context c2 --verb create --resource namespaces --error timeout --count 1
fault list
! asm sync to-clusters
kubectl --context c1 get ns demo --show-labels
! kubectl --context c2 get ns demo
asm sync to-clusters
kubectl --context c2 get ns demo --show-labels
# Conflicts are retried on a fresh read: the push goes through.
fault inject --context c1 --verb update --resource namespaces --error conflict --count 2
asm namespace enable-injection demo
kubectl --context c1 get ns demo --show-labels
# An unreachable cluster: the push reaches the other one.
fault inject --context c1 --error unreachable
! asm namespace disable-injection demo
kubectl --context c2 get ns demo --show-labels
! kubectl --context c1 get ns demo
! asm sync to-clusters
fault clear
asm sync to-clusters
kubectl --context c1 get ns demo --show-labels
asm sync to-clusters
# Bad faults change nothing.
! fault inject --context c1
! fault inject --error bogus
! fault inject --context nope --error timeout
! fault inject --error timeout --verb watch
! fault inject --error timeout --rate 2
fault list
# A sync from a cluster writes the mesh instance in the plan's order and
# stops at the first write that fails: what came before it is kept (and
# pushed), what comes after it is listed as not applied; a second sync
# completes it.
kubectl --context c1 create namespace a
kubectl --context c1 create namespace b
kubectl --context c1 create namespace c
kubectl --context c1 label namespace a istio-injection=enabled
kubectl --context c1 label namespace b istio-injection=enabled
kubectl --context asm create namespace b
fault inject --context asm --verb update --resource namespaces --error server-error --count 1
! asm sync from-cluster c1
kubectl --context asm get ns --show-labels
asm sync from-cluster c1
kubectl --context asm get ns --show-labels
