Feature: Automatic sidecar injection in the data plane
  A mutating admission webhook adds an istio-proxy container to pods
  created in a namespace labelled istio-injection=enabled. Pods that
  already exist keep running without it until they are recreated.

  Background:
    Given the commands:
      """
      mesh create --version 1.22.2.35
      cluster create c1 --kubernetes-version 1.30 --region cn-beijing --zone i
      mesh add-cluster c1
      kubectl create namespace demo
      """

  @B07
  Scenario: Injection is off for a new namespace
    When I run "kubectl get namespace demo --show-labels"
    Then the output is:
      """
      NAME   STATUS   AGE   LABELS
      demo   Active   *     kubernetes.io/metadata.name=demo
      """
    When I run:
      """
      kubectl run web -n demo --image nginx
      advance 1m
      kubectl get pods -n demo
      """
    Then the output contains:
      """
      NAME   READY   STATUS    RESTARTS   AGE
      web    1/1     Running   0          *
      """

  @B07 @B10
  Scenario: Injection is off for the default namespace, which kubectl uses without -n
    When I run:
      """
      kubectl run web --image nginx
      advance 1m
      kubectl get pods -n default
      """
    Then the "READY" column for "web" is "1/1"
    When I run "kubectl get pods"
    Then the "READY" column for "web" is "1/1"

  @B08 @B13
  Scenario: A pod created in a labelled namespace gets an istio-proxy beside its app
    Given the commands:
      """
      kubectl label namespace demo istio-injection=enabled --overwrite
      """
    When I run "kubectl run web -n demo --image nginx"
    Then the output is:
      """
      pod/web created
      """
    When the clock advances by 1m
    And I run "kubectl get pods -n demo"
    Then the output is:
      """
      NAME   READY   STATUS    RESTARTS   AGE
      web    2/2     Running   0          *
      """
    When I run "kubectl describe pod web -n demo"
    Then the output contains "istio-proxy:"
    And the output contains "web:"
    And the output contains "proxyv2:v1.22.2.35"

  @B08
  Scenario: The injected proxy is the mesh's Envoy image
    Given the commands:
      """
      kubectl label namespace demo istio-injection=enabled --overwrite
      kubectl run web -n demo --image nginx
      """
    When I run "kubectl get pod web -n demo -o jsonpath='{.spec.initContainers[1].image}'"
    Then the output is:
      """
      registry-cn-hangzhou-vpc.ack.aliyuncs.com/acs/proxyv2:v1.22.2.35-ge64ec8af-aliyun
      """

  @B09
  Scenario: A pod that existed before the label is not injected until recreated
    Given the commands:
      """
      kubectl run old -n demo --image nginx
      advance 1m
      """
    When I run "kubectl label namespace demo istio-injection=enabled --overwrite"
    Then the output is:
      """
      namespace/demo labeled
      """
    When I run "kubectl run new -n demo --image nginx"
    And the clock advances by 1m
    And I run "kubectl get pods -n demo"
    Then the output is:
      """
      NAME   READY   STATUS    RESTARTS   AGE
      new    2/2     Running   0          *
      old    1/1     Running   0          *
      """

  @B09
  Scenario: Labelling a namespace changes none of its existing pods
    Given the commands:
      """
      kubectl run old -n demo --image nginx
      advance 1m
      """
    When I run "kubectl label namespace demo istio-injection=enabled --overwrite"
    And the clock advances by 5m
    And I run "kubectl get pods -n demo"
    Then the "READY" column for "old" is "1/1"

  @B10
  Scenario: kubectl labels the namespace and shows the label
    When I run "kubectl label namespace demo istio-injection=enabled --overwrite"
    Then the output is:
      """
      namespace/demo labeled
      """
    When I run "kubectl get namespace demo --show-labels"
    Then the output is:
      """
      NAME   STATUS   AGE   LABELS
      demo   Active   *     istio-injection=enabled,kubernetes.io/metadata.name=demo
      """

  @B10
  Scenario: Relabelling needs --overwrite
    Given the commands:
      """
      kubectl label namespace demo istio-injection=disabled
      """
    When I run "kubectl label namespace demo istio-injection=enabled"
    Then it fails with "error: 'istio-injection' already has a value (disabled), and --overwrite is false"
    And nothing changed
    When I run "kubectl label namespace demo istio-injection=enabled --overwrite"
    Then the output is:
      """
      namespace/demo labeled
      """

  @B10
  Scenario: Labelling the default namespace enables injection for pods created without -n
    When I run:
      """
      kubectl label namespace default istio-injection=enabled --overwrite
      kubectl run web --image nginx
      advance 1m
      kubectl get pods
      """
    Then the "READY" column for "web" is "2/2"

  @B11
  Scenario: A rollout restart replaces the pods gradually with injected ones
    Given the commands:
      """
      kubectl create deployment my-app -n demo --image nginx --replicas 2
      advance 1m
      kubectl label namespace demo istio-injection=enabled --overwrite
      """
    When I run "kubectl get pods -n demo"
    Then the "READY" column for "my-app-*" is "1/1"
    When I run "kubectl rollout restart deployment my-app -n demo"
    Then the output is:
      """
      deployment.apps/my-app restarted
      """
    # What the restart changed: the template's restartedAt, which the
    # Deployment controller rolls out. How far it got by the next command
    # is a matter of timing (kwok starts a pod at once, a kubelet in
    # seconds), so the pods are read once the rollout is done.
    When I run "kubectl get deployment my-app -n demo -o jsonpath='{.spec.template.metadata.annotations}'"
    Then the output contains "kubectl.kubernetes.io/restartedAt"
    When the clock advances by 5m
    And I run "kubectl get pods -n demo"
    Then the output is:
      """
      NAME         READY   STATUS    RESTARTS   AGE
      my-app-*     2/2     Running   0          *
      my-app-*     2/2     Running   0          *
      """

  @B12
  Scenario: Replacing a pod with --force recreates it with the sidecar
    Given the commands:
      """
      kubectl run web -n demo --image nginx
      advance 1m
      kubectl label namespace demo istio-injection=enabled --overwrite
      """
    When I run "kubectl get pod web -n demo -o yaml | kubectl replace --force -f -"
    Then it succeeds
    And the output contains "pod "web" deleted"
    And the output contains "pod/web replaced"
    When the clock advances by 1m
    And I run "kubectl get pods -n demo"
    Then the output is:
      """
      NAME   READY   STATUS    RESTARTS   AGE
      web    2/2     Running   0          *
      """

  @B13
  Scenario: READY shows 1/1 before injection and 2/2 after
    Given the commands:
      """
      kubectl create deployment my-app -n demo --image nginx --replicas 2
      advance 1m
      """
    When I run "kubectl get pods -n demo"
    Then the "READY" column for "my-app-*" is "1/1"
    When I run "kubectl describe pod -n demo"
    Then the output does not contain "istio-proxy"
    When I run:
      """
      kubectl label namespace demo istio-injection=enabled --overwrite
      kubectl rollout restart deployment my-app -n demo
      advance 5m
      kubectl get pods -n demo
      """
    Then the "READY" column for "my-app-*" is "2/2"
    When I run "kubectl describe pod -n demo"
    Then the output contains "istio-proxy:"

  @B14
  Scenario: explain says a 1/1 pod predates the label
    Given the commands:
      """
      kubectl run web -n demo --image nginx
      advance 1m
      kubectl label namespace demo istio-injection=enabled --overwrite
      """
    When I run "explain pod web -n demo"
    Then it succeeds
    And the output contains "created before"
    And the output contains "istio-injection=enabled"

  @B14
  Scenario: explain says a 1/1 pod's namespace lacks the label
    Given the commands:
      """
      kubectl label namespace demo istio-injection=enable
      kubectl run web -n demo --image nginx
      advance 1m
      """
    When I run "explain pod web -n demo"
    Then it succeeds
    And the output contains "istio-injection=enable"
    And the output contains "only "enabled""

  @B15
  Scenario Outline: Which pods the webhook injects
    Given the commands:
      """
      kubectl label namespace demo <namespace labels> --overwrite
      """
    When I run:
      """
      kubectl apply -f - <<EOF
      apiVersion: v1
      kind: Pod
      metadata:
        name: web
        namespace: demo
        labels: {<pod labels>}
        annotations: {<pod annotations>}
      spec:
        containers:
        - name: web
          image: nginx
      EOF
      advance 1m
      kubectl get pods -n demo
      """
    Then the "READY" column for "web" is "<ready>"

    Examples: the namespace decides
      | namespace labels                                | pod labels                        | pod annotations                  | ready |
      | istio-injection=enabled                         |                                   |                                  | 2/2   |
      | istio-injection=disabled                        | "sidecar.istio.io/inject": "true" |                                  | 1/1   |
      | istio-injection=disabled                        | "istio.io/rev": "default"         |                                  | 1/1   |
      | istio-injection=enabled                         | "sidecar.istio.io/inject": "false"|                                  | 1/1   |
      | istio-injection=enabled                         |                                   | "sidecar.istio.io/inject": "false" | 1/1 |
      | istio-injection=enabled istio.io/rev=canary     |                                   |                                  | 2/2   |

    Examples: without a namespace label the pod must opt in
      | namespace labels | pod labels                         | pod annotations                    | ready |
      | team=payments    |                                    |                                    | 1/1   |
      | team=payments    | "sidecar.istio.io/inject": "true"  |                                    | 2/2   |
      | team=payments    | "sidecar.istio.io/inject": "false" |                                    | 1/1   |
      | team=payments    |                                    | "sidecar.istio.io/inject": "true"  | 1/1   |
      | team=payments    | "sidecar.istio.io/inject": "true"  | "sidecar.istio.io/inject": "false" | 2/2   |

    Examples: the opt-in selector needs a label of exactly true
      | namespace labels | pod labels                                                 | pod annotations                   | ready |
      | team=payments    | "sidecar.istio.io/inject": "yes"                           |                                   | 1/1   |
      | team=payments    | "sidecar.istio.io/inject": "True"                          | "sidecar.istio.io/inject": "true" | 1/1   |
      | team=payments    | "istio.io/rev": "default", "sidecar.istio.io/inject": "no" |                                   | 1/1   |
      | team=payments    | "istio.io/rev": "default", "sidecar.istio.io/inject": "on" |                                   | 2/2   |

    Examples: once selected, the label (else the annotation) must be y, yes, true or on, in any case, or empty
      | namespace labels        | pod labels                          | pod annotations                    | ready |
      | istio-injection=enabled | "sidecar.istio.io/inject": "no"     |                                    | 1/1   |
      | istio-injection=enabled | "sidecar.istio.io/inject": "False"  |                                    | 1/1   |
      | istio-injection=enabled | "sidecar.istio.io/inject": "True"   |                                    | 2/2   |
      | istio-injection=enabled | "sidecar.istio.io/inject": "yes"    | "sidecar.istio.io/inject": "false" | 2/2   |
      | istio-injection=enabled | "sidecar.istio.io/inject": ""       | "sidecar.istio.io/inject": "false" | 2/2   |
      | istio-injection=enabled | "sidecar.istio.io/inject": "no"     | "sidecar.istio.io/inject": "true"  | 1/1   |
      | istio-injection=enabled |                                     | "sidecar.istio.io/inject": "off"   | 1/1   |
      | istio-injection=enabled |                                     | "sidecar.istio.io/inject": "Yes"   | 2/2   |
      | istio.io/rev=canary     | "sidecar.istio.io/inject": "n"      |                                    | 1/1   |

  @B15 @B36
  Scenario: An annotation alone does not opt a pod in, and explain says why
    Given the commands:
      """
      kubectl label namespace demo team=payments
      """
    When I run:
      """
      kubectl apply -f - <<EOF
      apiVersion: v1
      kind: Pod
      metadata:
        name: web
        namespace: demo
        annotations:
          sidecar.istio.io/inject: "true"
      spec:
        containers:
        - name: web
          image: nginx
      EOF
      advance 1m
      """
    And I run "kubectl get pods -n demo"
    Then the "READY" column for "web" is "1/1"
    When I run "explain pod web -n demo"
    Then the output contains "the pod opts in only with annotation sidecar.istio.io/inject=true, which the injector's selector does not read (use the label)"

  @B15 @B36
  Scenario: A label of yes does not opt a pod in where the namespace has no label, and explain says why
    Given the commands:
      """
      kubectl label namespace demo team=payments
      kubectl run web -n demo --image nginx -l sidecar.istio.io/inject=yes
      advance 1m
      """
    When I run "kubectl get pods -n demo"
    Then the "READY" column for "web" is "1/1"
    When I run "explain pod web -n demo"
    Then the output contains "the pod's label sidecar.istio.io/inject=yes does not opt it in: the injector's selector needs exactly sidecar.istio.io/inject=true"

  @B15 @B36
  Scenario: A pod with istio.io/rev and a label of no is selected by the revision's injector, which then skips it
    Given the commands:
      """
      kubectl label namespace demo team=payments
      kubectl run web -n demo --image nginx -l istio.io/rev=default,sidecar.istio.io/inject=no
      advance 1m
      """
    When I run "kubectl get pods -n demo"
    Then the "READY" column for "web" is "1/1"
    When I run "explain pod web -n demo"
    Then the output contains "so revision "default"'s injector is called, but the pod opts out with label sidecar.istio.io/inject=no ("no" is not one of y, yes, true, on, the values that ask for injection)"

  @B15
  Scenario: A hostNetwork pod is never injected
    Given the commands:
      """
      kubectl label namespace demo istio-injection=enabled --overwrite
      """
    When I run:
      """
      kubectl apply -f - <<EOF
      apiVersion: v1
      kind: Pod
      metadata:
        name: agent
        namespace: demo
      spec:
        hostNetwork: true
        containers:
        - name: agent
          image: busybox
          command: ["sleep", "3600"]
      EOF
      advance 1m
      kubectl get pods -n demo
      """
    Then the "READY" column for "agent" is "1/1"

  @B15
  Scenario Outline: Pods in system namespaces are never injected
    Given the commands:
      """
      kubectl label namespace <namespace> istio-injection=enabled --overwrite
      """
    When I run:
      """
      kubectl run web -n <namespace> --image nginx
      advance 1m
      kubectl get pods -n <namespace>
      """
    Then the "READY" column for "web" is "1/1"

    Examples:
      | namespace       |
      | kube-system     |
      | kube-public     |
      | kube-node-lease |

  @B15 @B09
  Scenario: The webhook acts on pod creation only, not on updates
    Given the commands:
      """
      kubectl run web -n demo --image nginx
      advance 1m
      kubectl label namespace demo istio-injection=enabled --overwrite
      """
    When I run "kubectl label pod web -n demo sidecar.istio.io/inject=true"
    Then the output is:
      """
      pod/web labeled
      """
    When the clock advances by 1m
    And I run "kubectl get pods -n demo"
    Then the "READY" column for "web" is "1/1"

  @B16
  Scenario: istioctl kube-inject injects a pod spec without the webhook
    When I run:
      """
      istioctl kube-inject -f - <<EOF | kubectl apply -f -
      apiVersion: v1
      kind: Pod
      metadata:
        name: web
        namespace: demo
      spec:
        containers:
        - name: web
          image: nginx
      EOF
      """
    Then the output is:
      """
      pod/web created
      """
    When the clock advances by 1m
    And I run "kubectl get pods -n demo"
    Then the "READY" column for "web" is "2/2"

  @B16
  Scenario: kube-inject prints the injected manifest
    When I run:
      """
      istioctl kube-inject -f - <<EOF
      apiVersion: v1
      kind: Pod
      metadata:
        name: web
        namespace: demo
      spec:
        containers:
        - name: web
          image: nginx
      EOF
      """
    Then it succeeds
    And the output contains "name: istio-proxy"
    And the output contains "image: registry-cn-hangzhou-vpc.ack.aliyuncs.com/acs/proxyv2:v1.22.2.35-ge64ec8af-aliyun"
    And the output contains "sidecar.istio.io/status"

  @B16
  Scenario: Manual and automatic injection give the same containers
    Given the commands:
      """
      kubectl create namespace auto
      kubectl label namespace auto istio-injection=enabled
      kubectl run web -n auto --image nginx
      istioctl kube-inject -f - <<EOF | kubectl apply -f -
      apiVersion: v1
      kind: Pod
      metadata:
        name: web
        namespace: demo
      spec:
        containers:
        - name: web
          image: nginx
      EOF
      """
    When I run "kubectl get pod web -n auto -o jsonpath='{.spec.initContainers[*].name}/{.spec.containers[*].name}'"
    Then the output is:
      """
      istio-init istio-proxy/web
      """
    When I run "kubectl get pod web -n demo -o jsonpath='{.spec.initContainers[*].name}/{.spec.containers[*].name}'"
    Then the output is:
      """
      istio-init istio-proxy/web
      """

  @B15 @B36
  Scenario: explain names istio-injection=disabled as the rule that kept an opted-in pod out
    Given the commands:
      """
      kubectl label namespace demo istio-injection=disabled
      kubectl run web -n demo --image nginx -l sidecar.istio.io/inject=true
      advance 30s
      """
    When I run "kubectl get pod web -n demo"
    Then the "READY" column for "web" is "1/1"
    When I run "explain pod web -n demo"
    Then the output contains:
      """
      Injection: the pod has no istio-proxy: namespace "demo" has istio-injection=disabled, which excludes every pod in it whatever the pod says.
      """

  @B15
  Scenario: A revision injects only while the mesh serves it: a typo, or a removed revision, leaves new pods at 1/1
    Given the commands:
      """
      kubectl label namespace demo istio.io/rev=canary-typo
      kubectl run typo -n demo --image nginx
      mesh revision add canary
      kubectl label namespace demo istio.io/rev=canary --overwrite
      kubectl run served -n demo --image nginx
      advance 30s
      """
    When I run "kubectl get pods -n demo"
    Then the "READY" column for "typo" is "1/1"
    And the "READY" column for "served" is "2/2"
    When I run "kubectl get mutatingwebhookconfigurations"
    Then the output contains "istio-sidecar-injector-canary   2 "
    When I run:
      """
      mesh revision remove canary
      kubectl run after -n demo --image nginx
      advance 30s
      kubectl get pods -n demo
      """
    Then the "READY" column for "after" is "1/1"
    And the "READY" column for "served" is "2/2"

  @B15 @B33
  Scenario: Webhook configurations are objects: listed, described by name order, and deleting one uninstalls it
    Given the commands:
      """
      kubectl label namespace demo istio-injection=enabled
      webhook install zz-logsidecar --legacy
      webhook install aa-audit --legacy
      """
    When I run "kubectl get mutatingwebhookconfigurations"
    Then the output is:
      """
      NAME                     WEBHOOKS   AGE
      aa-audit                 1          *
      istio-sidecar-injector   4          *
      zz-logsidecar            1          *
      """
    When I run "kubectl run web -n demo --image nginx"
    Then it fails with "spec.initContainers[1].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always"
    When I run:
      """
      kubectl delete mutatingwebhookconfiguration zz-logsidecar
      kubectl run web -n demo --image nginx
      advance 30s
      kubectl get pod web -n demo -o jsonpath='{.metadata.annotations.meshtwin\.io/mutated-by}'
      """
    Then the output contains "aa-audit"
    When I run "kubectl get pod web -n demo"
    Then the "READY" column for "web" is "2/2"

  @B33
  Scenario: kubectl describes a webhook configuration as kubectl's generic describer does, with the API server's defaults
    Given the commands:
      """
      webhook install aa-audit --legacy
      """
    # Where the API server calls the webhook (Client Config) is left out:
    # the twin's configurations name a Service, as Istio's chart and the
    # webhook's installer write them; a local plane has no Service
    # network to reach one, so its configurations call the admission
    # server by URL with a CA bundle. Every other line is the same.
    When I run "kubectl describe mutatingwebhookconfiguration aa-audit"
    Then the output contains:
      """
      Name:         aa-audit
      Namespace:
      Labels:       <none>
      Annotations:  meshtwin.io/legacy-webhook: true
      API Version:  admissionregistration.k8s.io/v1
      Kind:         MutatingWebhookConfiguration
      Metadata:
        Creation Timestamp:  *
        Generation:          1
        Resource Version:    *
        UID:                 *
      Webhooks:
        Admission Review Versions:
          v1beta1
          v1
        Client Config:
        Failure Policy:  Fail
        Match Policy:    Equivalent
        Name:            aa-audit.webhook.meshtwin.io
        Namespace Selector:
        Object Selector:
        Reinvocation Policy:  Never
        Rules:
          API Groups:

          API Versions:
            v1
          Operations:
            CREATE
          Resources:
            pods
          Scope:          *
        Side Effects:     None
        Timeout Seconds:  10
      Events:             <none>
      """

  @B15
  Scenario: A namespace revision injects with that revision and beats the pod's
    Given the commands:
      """
      mesh revision add canary
      mesh revision add stable
      kubectl label namespace demo istio.io/rev=canary
      kubectl run web -n demo --image nginx -l istio.io/rev=stable
      advance 30s
      """
    When I run "kubectl get pod web -n demo -o jsonpath='{.metadata.annotations.sidecar\.istio\.io/status}'"
    Then the output contains ""revision":"canary""
    And the output does not contain "stable"

  @B15
  Scenario: With no namespace label, a pod's own revision opts it in
    Given the commands:
      """
      mesh revision add stable
      kubectl run web -n demo --image nginx -l istio.io/rev=stable
      advance 30s
      """
    When I run "kubectl get pod web -n demo"
    Then the "READY" column for "web" is "2/2"
    When I run "kubectl get pod web -n demo -o jsonpath='{.metadata.annotations.sidecar\.istio\.io/status}'"
    Then the output contains ""revision":"stable""

  @B15 @B35
  Scenario: istio-injection=enabled beats istio.io/rev on the same namespace, which analyze flags
    Given the commands:
      """
      kubectl label namespace demo istio-injection=enabled istio.io/rev=canary
      kubectl run web -n demo --image nginx
      advance 30s
      """
    When I run "kubectl get pod web -n demo -o jsonpath='{.metadata.annotations.sidecar\.istio\.io/status}'"
    Then the output contains ""revision":"default""
    When I run "analyze"
    Then the output contains "[IST0123]"
    And the output contains "demo"
