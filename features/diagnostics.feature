Feature: Diagnostics: analyze the mesh and explain a pod
  `analyze` reports injection problems like istioctl analyze; `explain pod`
  says, one sentence each, which rule decided a pod's injection, sidecar
  mode and node, like istioctl x check-inject.

  Background:
    Given the commands:
      """
      mesh create --version 1.22.2.35
      cluster create c1 --kubernetes-version 1.30 --region cn-beijing --zone i --virtual-node
      mesh add-cluster c1
      kubectl label namespace default istio-injection=enabled --overwrite
      """

  @B35
  Scenario: A namespace without an injection label is reported as information
    Given the commands:
      """
      kubectl create namespace plain
      """
    When I run "analyze"
    Then the output contains "Info [IST0102] (Namespace plain (cluster c1)) Namespace is not enabled for injection. Fix: kubectl label namespace plain istio-injection=enabled"
    And the output does not contain "[IST0102] (Namespace default (cluster c1))"

  @B35 @B14
  Scenario: A pod missing its proxy in an injected namespace is a warning that says to restart it
    Given the commands:
      """
      kubectl create namespace demo
      kubectl run old -n demo --image nginx
      kubectl label namespace demo istio-injection=enabled
      kubectl run new -n demo --image nginx
      advance 1m
      """
    When I run "analyze"
    Then the output contains "Warning [IST0103] (Pod demo/old (cluster c1)) Pod is missing the istio-proxy container. Fix: restart or redeploy the workload"
    And the output does not contain "Pod demo/new"

  @B35
  Scenario: A namespace with both istio-injection and istio.io/rev is flagged as conflicting
    Given the commands:
      """
      kubectl create namespace demo
      kubectl label namespace demo istio-injection=enabled istio.io/rev=canary
      """
    When I run "analyze"
    Then the output contains "Warning [IST0123] (Namespace demo (cluster c1))"
    And the output contains "istio-injection=enabled and istio.io/rev=canary"

  @B35
  Scenario: Drift between the instance's and a cluster's injection labels is reported
    Given the commands:
      """
      kubectl create namespace demo
      asm namespace create demo
      asm namespace enable-injection demo
      kubectl label namespace demo istio-injection=disabled --overwrite
      """
    When I run "analyze"
    Then the output contains "Warning [ASM0001] (Namespace demo (cluster c1))"
    And the output contains "instance has istio-injection=enabled, cluster has istio-injection=disabled"
    When I run:
      """
      asm sync to-clusters
      analyze
      """
    Then the output does not contain "ASM0001] (Namespace demo"

  @B23 @B28 @B35
  Scenario: analyze names the sync that settles drift without losing a label, or says none does
    Given the commands:
      """
      kubectl create namespace demo
      kubectl label namespace demo istio-injection=enabled
      asm namespace create demo
      """
    When I run "analyze"
    Then the output contains "instance has no injection label, cluster has istio-injection=enabled"
    And the output contains "Fix: asm sync from-cluster c1 copies the cluster's labels to the instance"
    And the output contains "sync to-clusters does not: the instance lacks istio-injection, and a sync never removes a label"
    And the output contains "kubectl --context c1 label namespace demo istio-injection-"
    When I run:
      """
      asm sync from-cluster c1
      analyze
      """
    Then the output does not contain "ASM0001"
    When I run:
      """
      asm namespace create mixed --label istio.io/rev=canary
      kubectl create namespace mixed
      kubectl label namespace mixed istio-injection=enabled
      analyze
      """
    Then the output contains "Fix: no sync settles this, since a sync never removes a label: to match the instance, kubectl --context c1 label namespace mixed istio-injection-, then asm sync to-clusters"

  @B36 @B39
  Scenario: explain on a cluster that is not in the mesh says so, whatever the labels
    Given the commands:
      """
      cluster create c9 --kubernetes-version 1.30
      kubectl --context c9 label namespace default istio-injection=enabled
      kubectl --context c9 run web --image nginx
      advance 1m
      """
    When I run "kubectl --context c9 get pod web"
    Then the "READY" column for "web" is "1/1"
    When I run "explain pod web --context c9"
    Then the output contains "Injection: the pod has no istio-proxy: cluster c9 is not part of the mesh, so no sidecar injector of the mesh runs there, whatever the labels say."
    And the output contains "Advice: add the cluster to the mesh (mesh add-cluster c9), then recreate it"
    And the output does not contain "created before injection applied"

  @B15 @B35 @B36
  Scenario: An istio.io/rev naming a revision the mesh does not serve injects nothing, and explain and analyze name it
    Given the commands:
      """
      kubectl create namespace pay
      kubectl label namespace pay istio.io/rev=canary-typo
      kubectl run web -n pay --image nginx
      advance 1m
      """
    When I run "kubectl get pod web -n pay"
    Then the "READY" column for "web" is "1/1"
    When I run "explain pod web -n pay"
    Then the output contains "but the mesh serves no revision "canary-typo" (served: default), so no injector webhook matches and the pod is not injected"
    When I run "analyze -n pay"
    Then the output contains "Warning [ASM0002] (Namespace pay (cluster c1)) Label istio.io/rev=canary-typo names revision "canary-typo", which the mesh does not serve (served: default)"
    And the output contains "Fix: mesh revision add canary-typo, or label it with a served revision: kubectl label namespace pay istio.io/rev=default --overwrite"

  @B35
  Scenario: analyze changes nothing
    # The advance lets the scheduler and kubelet finish with the pod
    # first: on real clusters they would otherwise change it while
    # analyze runs, and the check would blame analyze.
    Given the commands:
      """
      kubectl create namespace plain
      kubectl run web -n plain --image nginx
      advance 1m
      """
    When I run "analyze"
    Then it succeeds
    And nothing changed

  @B36
  Scenario: explain gives one line each for injection, mode and node
    Given the commands:
      """
      kubectl run nginx --image nginx -l alibabacloud.com/eci=true
      advance 1m
      """
    When I run "explain pod nginx"
    Then the output is:
      """
      Injection: the pod has istio-proxy: namespace "default" has istio-injection=enabled.
      Mode: the sidecar is native (istio-proxy is in initContainers with restartPolicy: Always): enableNativeSidecar is unset and ASM 1.22.2.35 on Kubernetes 1.30 defaults to native sidecars (ASM 1.22 or later and Kubernetes 1.30 or later).
      Placement: the pod runs on ECI virtual node virtual-kubelet-cn-beijing-i: the pod has label alibabacloud.com/eci=true, so the ECI webhook gave it nodeSelector type=virtual-kubelet.
      Drift: namespace "default" has istio-injection=enabled in cluster c1, the mesh instance has no injection label: asm sync from-cluster c1 copies the cluster's labels to the instance (and pushes them to the namespace's other homing clusters) (sync to-clusters does not: the instance lacks istio-injection, and a sync never removes a label); to drop it from the cluster instead, kubectl --context c1 label namespace default istio-injection-
      """

  @B36
  Scenario: explain names the opt-out that kept a pod out of the mesh
    Given the commands:
      """
      kubectl run web --image nginx -l sidecar.istio.io/inject=false
      advance 1m
      """
    When I run "explain pod web"
    Then the output contains "Injection: the pod has no istio-proxy: the pod opts out with label sidecar.istio.io/inject=false"
    And the output contains "Placement: the pod runs on regular node"

  @B36
  Scenario: explain answers for a pod about to be created, without creating it
    When I run:
      """
      explain pod web -f - <<EOF
      apiVersion: v1
      kind: Pod
      metadata:
        name: web
        namespace: default
        labels:
          alibabacloud.com/eci: "true"
      spec:
        containers:
        - name: web
          image: nginx
      EOF
      """
    Then the output contains "Injection: the pod would be injected: namespace "default" has istio-injection=enabled."
    And the output contains "Mode: the sidecar would be native"
    And the output contains "Placement: the pod would run on ECI virtual node virtual-kubelet-cn-beijing-i"
    And nothing changed

  @B36 @B15
  Scenario: explain says that a sidecar.istio.io/inject value other than y, yes, true or on opts the pod out
    Given the commands:
      """
      kubectl run web --image nginx -l sidecar.istio.io/inject=no
      advance 1m
      """
    When I run "kubectl get pods"
    Then the "READY" column for "web" is "1/1"
    When I run "explain pod web"
    Then the output contains "Injection: the pod has no istio-proxy: the pod opts out with label sidecar.istio.io/inject=no ("no" is not one of y, yes, true, on, the values that ask for injection), although namespace "default" has istio-injection=enabled."
    And the output contains "Advice: remove the pod's label sidecar.istio.io/inject=no (or set it to true), then recreate it: kubectl get pod web -n default -o yaml | kubectl replace --force -f -"
    And the output does not contain "Warning:"

  @B36 @B15
  Scenario: explain warns that sidecar.istio.io/inject=yes counts only where the namespace selects the pod
    Given the commands:
      """
      kubectl run web --image nginx -l sidecar.istio.io/inject=yes
      advance 1m
      """
    When I run "kubectl get pods"
    Then the "READY" column for "web" is "2/2"
    When I run "explain pod web"
    Then the output contains "Injection: the pod has istio-proxy: namespace "default" has istio-injection=enabled."
    And the output contains "Warning: pod label sidecar.istio.io/inject=yes counts as "true" here, but where a namespace has no injection label only the exact value "true" opts a pod in"

  @B36 @validation
  Scenario: explain of a pod that does not exist fails like kubectl
    When I run "explain pod ghost"
    Then it fails with "pods "ghost" not found"
    And nothing changed
