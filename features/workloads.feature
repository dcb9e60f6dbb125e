Feature: Workloads and admission: what the injector does to a manifest before it is applied
  `kubectl apply|create --dry-run=server` sends the object through the API
  server's admission chain, injection included, and stores nothing;
  `--dry-run=client` prints the object kubectl would send, as kubectl does.

  Background:
    Given the commands:
      """
      mesh create --version 1.22.2.35
      cluster create c1 --kubernetes-version 1.30
      mesh add-cluster c1
      kubectl label namespace default istio-injection=enabled
      """

  @B37
  Scenario: apply --dry-run=server -o yaml shows the injected pod and stores nothing
    When I run:
      """
      kubectl apply --dry-run=server -o yaml -f - <<EOF
      apiVersion: v1
      kind: Pod
      metadata:
        name: web
      spec:
        containers:
        - name: web
          image: nginx
      EOF
      """
    Then it succeeds
    And the output contains:
      """
      kind: Pod
      initContainers:
      name: istio-init
      image: registry-cn-hangzhou-vpc.ack.aliyuncs.com/acs/proxyv2:v1.22.2.35-ge64ec8af-aliyun
      name: istio-proxy
      restartPolicy: Always
      """
    And nothing changed
    When I run "kubectl get pods"
    Then the output does not contain "web"

  @B37
  Scenario Outline: the dry runs say what they would have done, and store nothing
    When I run:
      """
      kubectl <verb> --dry-run=<mode> -f - <<EOF
      apiVersion: v1
      kind: Pod
      metadata:
        name: web
      spec:
        containers:
        - name: web
          image: nginx
      EOF
      """
    Then the output is:
      """
      pod/web created <suffix>
      """
    And nothing changed

    Examples:
      | verb   | mode   | suffix             |
      | apply  | server | (server dry run)   |
      | apply  | client | (dry run)          |
      | create | server | (server dry run)   |
      | create | client | (dry run)          |

  @B37
  Scenario: apply --dry-run=client -o yaml prints the object kubectl would send, without the sidecar
    When I run:
      """
      kubectl apply --dry-run=client -o yaml -f - <<EOF
      apiVersion: v1
      kind: Pod
      metadata:
        name: web
      spec:
        containers:
        - name: web
          image: nginx
      EOF
      """
    Then the output contains "kubectl.kubernetes.io/last-applied-configuration"
    And the output does not contain "istio-proxy"
    And nothing changed

  @B37
  Scenario: a server dry run of an existing object patches nothing
    Given the commands:
      """
      kubectl create deployment web --image nginx
      advance 1m
      """
    When I run "kubectl get deployment web -o yaml | kubectl apply --dry-run=server -f -"
    Then it succeeds
    And the output contains "deployment.apps/web configured (server dry run)"
    And nothing changed

  @B37
  Scenario: a bad --dry-run value is kubectl's error
    When I run "kubectl create --dry-run=maybe -f pod.yaml"
    Then it fails with "Invalid dry-run value (maybe). Must be "none", "server", or "client"."
    And nothing changed

  @B37
  Scenario: describe deployment names its replica sets and conditions as kubectl's describer does
    Given the commands:
      """
      kubectl create deployment web --image nginx
      advance 30s
      """
    When I run "kubectl describe deployment web"
    Then it succeeds
    And the output contains:
      """
      Replicas:               1 desired | 1 updated | 1 total | 1 available | 0 unavailable
      StrategyType:           RollingUpdate
      RollingUpdateStrategy:  25% max unavailable, 25% max surge
      Pod Template:
      Containers:
      nginx:
      Conditions:
      Type           Status  Reason
      Available      True    MinimumReplicasAvailable
      Progressing    True    NewReplicaSetAvailable
      OldReplicaSets:  <none>
      NewReplicaSet:   web-* (1/1 replicas created)
      """
