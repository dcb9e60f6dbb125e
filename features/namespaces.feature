Feature: Namespaces of the ASM instance
  Namespaces created in the mesh instance (in the console or with kubectl
  against the control plane) belong to the instance only. Injection labels
  set there are pushed to the namespaces of the same name that already
  exist in the data-plane clusters.

  Background:
    Given the commands:
      """
      mesh create --version 1.22.2.35
      cluster create c1 --kubernetes-version 1.30 --region cn-beijing --zone i
      mesh add-cluster c1
      """

  @B01
  Scenario: A namespace created with kubectl in the instance is not created in the cluster
    When I run "kubectl --context asm create namespace demo"
    Then the output is:
      """
      namespace/demo created
      """
    When I run "kubectl --context c1 get namespace demo"
    Then it fails with "Error from server (NotFound): namespaces "demo" not found"

  @B01
  Scenario: A namespace created in the console is not created in the cluster
    When I run "asm namespace create demo"
    Then it succeeds
    When I run "kubectl --context asm get namespace demo"
    Then the output is:
      """
      NAME   STATUS   AGE
      demo   Active   *
      """
    When I run "kubectl get namespaces"
    Then it succeeds
    And the output does not contain "demo"

  @B01 @B04
  Scenario: Deleting a namespace in the instance leaves the cluster's namespace alone
    Given the commands:
      """
      kubectl --context c1 create namespace demo
      kubectl --context asm create namespace demo
      """
    When I run "kubectl --context asm delete namespace demo"
    Then the output contains "namespace "demo" deleted"
    When I run "kubectl --context c1 get namespace demo"
    Then the output is:
      """
      NAME   STATUS   AGE
      demo   Active   *
      """

  @B01
  Scenario: Only creating or deleting instance namespaces changes nothing in the data plane
    Given the commands:
      """
      kubectl --context c1 create namespace shop
      """
    When I run:
      """
      kubectl --context asm create namespace demo
      kubectl --context asm create namespace shop
      kubectl --context asm delete namespace shop
      """
    Then it succeeds
    When I run "kubectl --context c1 get namespace demo shop"
    Then it fails with "Error from server (NotFound): namespaces "demo" not found"
    And the output is:
      """
      NAME   STATUS   AGE
      shop   Active   *
      """

  @B02
  Scenario Outline: Valid namespace names are accepted in the console
    When I run "asm namespace create <name>"
    Then it succeeds
    When I run "kubectl --context asm get namespace <name> -o name"
    Then the output is:
      """
      namespace/<name>
      """

    Examples:
      | name                                                            |
      | a                                                               |
      | 9lives                                                          |
      | team-a-1                                                        |
      | abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefgh |

  @B02
  Scenario: A duplicate namespace is rejected by the console
    Given the commands:
      """
      asm namespace create demo
      advance 10s
      """
    When I run "asm namespace create demo"
    Then it fails with "demo"
    And it fails with "already exists"
    And nothing changed

  @B03
  Scenario: A namespace carries any number of labels
    When I run "asm namespace create demo --label team=payments --label env=test --label app.kubernetes.io/part-of=shop"
    Then it succeeds
    When I run "kubectl --context asm get namespace demo --show-labels"
    Then the output is:
      """
      NAME   STATUS   AGE   LABELS
      demo   Active   *     app.kubernetes.io/part-of=shop,env=test,kubernetes.io/metadata.name=demo,team=payments
      """

  @B03
  Scenario: Labels are added with kubectl on the control plane
    Given the commands:
      """
      kubectl --context asm create namespace demo
      """
    When I run "kubectl --context asm label namespace demo team=payments env=test"
    Then the output is:
      """
      namespace/demo labeled
      """
    When I run "kubectl --context asm get namespace demo --show-labels"
    Then the "LABELS" column for "demo" is "env=test,kubernetes.io/metadata.name=demo,team=payments"

  @B04
  Scenario: A namespace is edited through its YAML
    Given the commands:
      """
      asm namespace create demo --label env=test
      """
    When I run:
      """
      kubectl --context asm apply -f - <<EOF
      apiVersion: v1
      kind: Namespace
      metadata:
        name: demo
        labels:
          env: prod
          team: payments
      EOF
      """
    Then it succeeds
    And the output contains "namespace/demo"
    When I run "kubectl --context asm get namespace demo --show-labels"
    Then the "LABELS" column for "demo" is "env=prod,kubernetes.io/metadata.name=demo,team=payments"

  @B04
  Scenario: A namespace is deleted
    Given the commands:
      """
      asm namespace create demo
      asm namespace create keep
      """
    When I run "asm namespace delete demo"
    Then it succeeds
    When the clock advances by 1m
    And I run "kubectl --context asm get namespaces"
    Then the output does not contain "demo"
    And the output contains "keep"

  @B05
  Scenario: Enabling automatic injection sets istio-injection=enabled
    Given the commands:
      """
      asm namespace create demo
      """
    When I run "asm namespace enable-injection demo"
    Then it succeeds
    When I run "kubectl --context asm get namespace demo --show-labels"
    Then the "LABELS" column for "demo" is "istio-injection=enabled,kubernetes.io/metadata.name=demo"

  @B05
  Scenario: Disabling automatic injection sets istio-injection=disabled instead of removing it
    Given the commands:
      """
      asm namespace create demo
      asm namespace enable-injection demo
      """
    When I run "asm namespace disable-injection demo"
    Then it succeeds
    When I run "kubectl --context asm get namespace demo --show-labels"
    Then the "LABELS" column for "demo" is "istio-injection=disabled,kubernetes.io/metadata.name=demo"

  @B05
  Scenario: The console offers the opposite action once injection is set
    Given the commands:
      """
      asm namespace create off
      asm namespace create on
      asm namespace enable-injection on
      asm namespace create stopped
      asm namespace enable-injection stopped
      asm namespace disable-injection stopped
      """
    When I run "asm namespace list"
    Then the output contains:
      """
      off       *   -          <all>   Enable Automatic Sidecar Injection
      on        *   enabled    <all>   Disable Automatic Sidecar Injection
      stopped   *   disabled   <all>   Enable Automatic Sidecar Injection
      """

  @B06
  Scenario: Enabling injection in the instance relabels the cluster's namespace of that name
    Given the commands:
      """
      kubectl --context c1 create namespace demo
      asm namespace create demo
      """
    When I run "asm namespace enable-injection demo"
    Then it succeeds
    When I run "kubectl --context c1 get namespace demo --show-labels"
    Then the "LABELS" column for "demo" is "istio-injection=enabled,kubernetes.io/metadata.name=demo,provider=asm"

  @B06
  Scenario: Disabling injection in the instance is pushed too
    Given the commands:
      """
      kubectl --context c1 create namespace demo
      asm namespace create demo
      asm namespace enable-injection demo
      """
    When I run "asm namespace disable-injection demo"
    Then it succeeds
    When I run "kubectl --context c1 get namespace demo --show-labels"
    Then the "LABELS" column for "demo" is "istio-injection=disabled,kubernetes.io/metadata.name=demo,provider=asm"

  @B06
  Scenario: Editing the injection label with kubectl on the control plane is pushed too
    Given the commands:
      """
      kubectl --context c1 create namespace demo
      kubectl --context asm create namespace demo
      """
    When I run "kubectl --context asm label namespace demo istio-injection=enabled"
    Then the output is:
      """
      namespace/demo labeled
      """
    When I run "kubectl --context c1 get namespace demo --show-labels"
    Then the "LABELS" column for "demo" is "istio-injection=enabled,kubernetes.io/metadata.name=demo,provider=asm"

  @B06 @B01
  Scenario: The push never creates a namespace the cluster lacks
    Given the commands:
      """
      asm namespace create demo
      """
    When I run "asm namespace enable-injection demo"
    Then it succeeds
    When I run "kubectl --context c1 get namespace demo"
    Then it fails with "Error from server (NotFound): namespaces "demo" not found"

  @B06
  Scenario: Labels other than the injection labels are not pushed
    Given the commands:
      """
      kubectl --context c1 create namespace demo
      asm namespace create demo
      """
    When I run "kubectl --context asm label namespace demo team=payments"
    Then it succeeds
    When I run "kubectl --context c1 get namespace demo --show-labels"
    Then the "LABELS" column for "demo" is "kubernetes.io/metadata.name=demo"

  @B06
  Scenario: An edit that does not touch the injection labels leaves the cluster's injection labels alone
    Given the commands:
      """
      kubectl --context c1 create namespace demo
      kubectl --context c1 label namespace demo istio-injection=enabled
      asm namespace create demo
      """
    When I run "kubectl --context asm label namespace demo team=payments"
    Then it succeeds
    When I run "kubectl --context c1 get namespace demo --show-labels"
    Then the "LABELS" column for "demo" is "istio-injection=enabled,kubernetes.io/metadata.name=demo"

  @B06
  Scenario: A push changes only the label the edit changed
    Given the commands:
      """
      kubectl --context c1 create namespace demo
      kubectl --context c1 label namespace demo istio.io/rev=canary provider=team-x
      asm namespace create demo
      """
    When I run "asm namespace enable-injection demo"
    Then it succeeds
    When I run "kubectl --context c1 get namespace demo --show-labels"
    Then the "LABELS" column for "demo" is "istio-injection=enabled,istio.io/rev=canary,kubernetes.io/metadata.name=demo,provider=team-x"

  @B05 @B06
  Scenario Outline: The console's switch pushes istio-injection again to a cluster that drifted, even when the instance already had that value
    Given the commands:
      """
      kubectl --context c1 create namespace demo
      asm namespace create demo --label istio-injection=<value>
      kubectl --context c1 label namespace demo istio-injection=<drift>
      """
    When I run "asm namespace <switch> demo"
    Then it succeeds
    When I run "kubectl --context c1 get namespace demo --show-labels"
    Then the "LABELS" column for "demo" is "istio-injection=<value>,kubernetes.io/metadata.name=demo,provider=asm"

    Examples:
      | switch            | value    | drift    |
      | enable-injection  | enabled  | disabled |
      | disable-injection | disabled | enabled  |

  @B06
  Scenario: An edit stored in the instance is answered as stored when a cluster cannot take the push, and the push is retried
    Given the commands:
      """
      cluster create c2 --kubernetes-version 1.30 --region cn-beijing --zone i
      mesh add-cluster c2
      kubectl --context c1 create namespace demo
      kubectl --context c2 create namespace demo
      asm namespace create demo
      """
    And cluster "c2" is unreachable
    When I run "kubectl --context asm label namespace demo istio-injection=enabled"
    Then the output is:
      """
      namespace/demo labeled
      """
    When I run "kubectl --context c1 get namespace demo --show-labels"
    Then the "LABELS" column for "demo" is "istio-injection=enabled,kubernetes.io/metadata.name=demo,provider=asm"
    When I run "asm namespace list"
    Then the output contains:
      """
      demo   istio-injection=enabled   enabled   <all>   Disable Automatic Sidecar Injection
      Warning: namespace demo: push to cluster c2 failed, will retry: ...
      """
    When I run "kubectl --context asm get events -n demo"
    Then the output contains:
      """
      LAST SEEN   TYPE      REASON       OBJECT           MESSAGE
      *           Warning   PushFailed   namespace/demo   Push to cluster "c2" failed, will retry: ...
      """
    When I run "kubectl --context c2 get namespace demo"
    # The server's address is where each backend's API server is (the
    # twin's kubeconfig names 172.16.1.1:6443, a local plane a loopback
    # port); the refusal is the same.
    Then it fails with "The connection to the server "
    And it fails with " was refused - did you specify the right host or port?"
    Given cluster "c2" is reachable again
    When the clock advances by 10s
    And I run "asm namespace list"
    Then the output does not contain "Warning"
    When I run "kubectl --context c2 get namespace demo --show-labels"
    Then the "LABELS" column for "demo" is "istio-injection=enabled,kubernetes.io/metadata.name=demo,provider=asm"
