Feature: Upgrades and fleet changes: the mesh's and a cluster's versions in place, clusters leaving
  `mesh upgrade` and `cluster upgrade` change versions in place: running pods
  keep their sidecar and its mode until recreated, pods created afterwards
  follow the new versions. With --dry-run a table lists, per workload, what a
  restart would change and the rule that decides, and nothing changes.
  `mesh remove-cluster` takes a cluster out of every namespace's homing.

  Background:
    Given the commands:
      """
      mesh create --version 1.21.6.3
      cluster create c1 --kubernetes-version 1.30
      mesh add-cluster c1
      kubectl create namespace demo
      kubectl label namespace demo istio-injection=enabled
      kubectl create deployment web --image=nginx --replicas=2 -n demo
      kubectl create deployment legacy --image=nginx
      kubectl run solo --image=nginx -n demo --annotations=sidecar.istio.io/nativeSidecar=false
      advance 1m
      """

  @B38
  Scenario: the upgrade what-if lists per workload what a restart would change, and changes nothing
    When I run "mesh upgrade --version 1.22.2.35 --dry-run"
    Then the output is:
      """
      What a restart would change after upgrading the mesh from 1.21.6.3 to 1.22.2.35 (dry run: nothing changed):
      CLUSTER   NAMESPACE   WORKLOAD            PODS   NOW                    ON RESTART              CHANGES   RULE
      c1        default     deployment/legacy   1      no sidecar             no sidecar              no        no-selector-matched
      c1        demo        deployment/web      2      traditional 1.21.6.3   native 1.22.2.35        yes       asm-default
      c1        demo        pod/solo            1      traditional 1.21.6.3   traditional 1.22.2.35   yes       pod-annotation
      2 workloads' pods would change on restart; `explain KIND NAME` says why.
      """
    And nothing changed

  @B38
  Scenario: running pods keep their sidecar after the upgrade; restarted pods go native with the new proxy
    When I run:
      """
      mesh upgrade --version 1.22.2.35
      kubectl get pods -n demo -o jsonpath='{range .items[*]}{.spec.containers[*].image}{"\n"}{end}'
      """
    Then the output contains "mesh upgraded: 1.21.6.3 -> 1.22.2.35; running pods keep their sidecars until they are recreated"
    And the output contains "proxyv2:v1.21.6.3-aliyun"
    And the output does not contain "v1.22.2.35"
    When I run:
      """
      kubectl rollout restart deployment web -n demo
      advance 2m
      explain deployment web -n demo
      """
    Then the output contains:
      """
      A pod of deployment/web created now:
        Mode: the sidecar would be native: enableNativeSidecar is unset and ASM 1.22.2.35 on Kubernetes 1.30 defaults to native sidecars (ASM 1.22 or later and Kubernetes 1.30 or later).
      Its pods now:
        2 pods: native 1.22.2.35
      """

  @B38
  Scenario: explain deployment tells what a pod created now would get and what the pods have
    When I run "explain deployment web -n demo"
    Then the output is:
      """
      A pod of deployment/web created now:
        Injection: the pod would be injected: namespace "demo" has istio-injection=enabled.
        Mode: the sidecar would be traditional: enableNativeSidecar is unset and ASM 1.21.6.3 on Kubernetes 1.30 does not default to native sidecars (that needs ASM 1.22 or later and Kubernetes 1.30 or later), so the sidecar is traditional.
        Placement: the pod would run on regular node ...
      Its pods now:
        2 pods: traditional 1.21.6.3
      """
    When I run "explain deployment nope -n demo"
    Then it fails with "deployments.apps "nope" not found"

  @B38
  Scenario Outline: an older, equal or malformed version is refused and changes nothing
    When I run "<command>"
    Then it fails with "<error>"
    And nothing changed

    Examples:
      | command                                            | error                                                                                        |
      | mesh upgrade --version 1.20.0.0                    | 1.20.0.0 is older than the mesh's 1.21.6.3: an in-place upgrade only moves to a newer release |
      | mesh upgrade --version 1.21.6.3                    | the mesh already runs 1.21.6.3                                                               |
      | mesh upgrade --version 1.22                        | invalid ASM version "1.22": want four dot-separated numbers like 1.22.2.35                   |
      | mesh upgrade --version 1.22.2.35x --dry-run        | build part "35x"                                                                             |
      | cluster upgrade c1 --kubernetes-version 1.29       | Kubernetes 1.29 is older than the cluster's 1.30                                             |
      | cluster upgrade c1 --kubernetes-version 1.32       | Kubernetes 1.32 skips a minor version                                                        |
      | cluster upgrade c1 --kubernetes-version one        | --kubernetes-version                                                                         |
      | cluster upgrade c9 --kubernetes-version 1.31       | cluster "c9" not found                                                                       |

  @B38
  Scenario: a cluster upgrade to Kubernetes 1.30 makes restarted pods native under ASM 1.22; the what-if says so first
    Given the commands:
      """
      mesh upgrade --version 1.22.2.35
      cluster create old --kubernetes-version 1.29
      mesh add-cluster old
      kubectl --context old create deployment api --image=nginx
      kubectl --context old label namespace default istio-injection=enabled
      kubectl --context old rollout restart deployment api
      advance 1m
      """
    When I run "cluster upgrade old --kubernetes-version 1.30 --dry-run"
    Then the output contains:
      """
      old   default   deployment/api   1   traditional 1.22.2.35   native 1.22.2.35   yes   asm-default
      """
    When I run:
      """
      cluster upgrade old --kubernetes-version 1.30
      kubectl --context old get pods -o jsonpath='{.items[0].spec.containers[*].name}'
      
      """
    Then the output contains "cluster "old" upgraded: Kubernetes 1.29 -> 1.30"
    And the output contains "nginx istio-proxy"

  @B38 @kubelet-version
  Scenario: a cluster upgrade moves its nodes' kubelets to the new version
    Given the commands:
      """
      cluster create old --kubernetes-version 1.29
      """
    When I run "kubectl --context old get nodes"
    Then the output contains "v1.29.1-aliyun.1"
    When I run:
      """
      cluster upgrade old --kubernetes-version 1.30
      kubectl --context old get nodes
      """
    Then the output contains "cluster "old" upgraded: Kubernetes 1.29 -> 1.30"
    And the output contains "v1.30.1-aliyun.1"
    And the output does not contain "v1.29"

  @B38
  Scenario: remove-cluster takes the cluster out of every namespace's homing; namespaces and labels stay
    Given the commands:
      """
      mesh upgrade --version 1.22.2.35
      cluster create c2
      mesh add-cluster c2
      asm namespace create shop
      asm namespace create pay
      asm namespace set-homing shop --clusters c1,c2
      asm namespace set-homing pay --clusters c2
      asm namespace enable-injection shop
      advance 10s
      """
    When I run "mesh remove-cluster c2"
    Then the output is:
      """
      cluster "c2" removed from the mesh
      namespace pay: c2 was its only homing cluster; with no homing set it now belongs to every cluster of the mesh
      namespace shop: c2 left its homing clusters
      """
    When I run "asm namespace list"
    Then the output contains:
      """
      shop   istio-injection=enabled   enabled   c1   Disable Automatic Sidecar Injection
      """
    When I run "mesh remove-cluster c2"
    Then it fails with "remove cluster "c2" from the mesh: cluster "c2" is not in the mesh (clusters of the mesh: c1)"
    And nothing changed
    When I run:
      """
      kubectl --context c2 get namespace default
      cluster delete c2
      """
    Then it succeeds
    And the output contains "cluster "c2" deleted"
    When I run "cluster delete c2"
    Then it fails with "delete cluster: cluster "c2" not found (known: c1)"
    When I run "cluster delete c1"
    Then it fails with "delete cluster "c1": it is in the mesh; remove it first (mesh remove-cluster c1)"
    And nothing changed
