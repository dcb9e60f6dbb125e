Feature: StatefulSets and DaemonSets get their pods through the same admission chain
  A StatefulSet's pods are named by ordinal and created in order; a
  DaemonSet runs one pod per node its pod fits, and none on the ECI
  virtual node unless it tolerates the node's taint. Every pod is
  injected as any other pod would be.

  Background:
    Given the commands:
      """
      mesh create --version 1.22.2.35
      cluster create c1 --kubernetes-version 1.30 --virtual-node
      mesh add-cluster c1
      kubectl label namespace default istio-injection=enabled
      """

  @B37
  Scenario: a StatefulSet creates web-0, web-1, web-2 in order, each Running and Ready before the next
    When I run:
      """
      kubectl apply -f - <<EOF
      apiVersion: apps/v1
      kind: StatefulSet
      metadata:
        name: web
      spec:
        serviceName: web
        replicas: 3
        selector:
          matchLabels:
            app: web
        template:
          metadata:
            labels:
              app: web
          spec:
            containers:
            - name: nginx
              image: nginx:1.27
      EOF
      """
    Then the output is:
      """
      statefulset.apps/web created
      """
    When the clock advances by 2m
    And I run "kubectl get pods,statefulsets"
    Then the output is:
      """
      NAME        READY   STATUS    RESTARTS   AGE
      pod/web-0   2/2     Running   0          *
      pod/web-1   2/2     Running   0          *
      pod/web-2   2/2     Running   0          *

      NAME                   READY   AGE
      statefulset.apps/web   3/3     *
      """
    When I run "kubectl get events --field-selector involvedObject.kind=StatefulSet"
    Then the output contains:
      """
      *   Normal   SuccessfulCreate   statefulset/web   *reate Pod web-0 in StatefulSet web successful
      *   Normal   SuccessfulCreate   statefulset/web   *reate Pod web-1 in StatefulSet web successful
      *   Normal   SuccessfulCreate   statefulset/web   *reate Pod web-2 in StatefulSet web successful
      """
    When I run "kubectl get pod web-1 -o jsonpath='{.spec.hostname}.{.spec.subdomain} {.metadata.labels.apps\.kubernetes\.io/pod-index}'"
    Then the output is:
      """
      web-1.web 1
      """

  @B37
  Scenario: a StatefulSet's claims stay Pending without a default StorageClass, as on ACK, and so does the pod that mounts one
    When I run:
      """
      kubectl apply -f - <<EOF
      apiVersion: apps/v1
      kind: StatefulSet
      metadata:
        name: web
      spec:
        serviceName: web
        replicas: 2
        selector:
          matchLabels:
            app: web
        template:
          metadata:
            labels:
              app: web
          spec:
            containers:
            - name: nginx
              image: nginx:1.27
        volumeClaimTemplates:
        - metadata:
            name: www
          spec:
            accessModes: ["ReadWriteOnce"]
            resources:
              requests:
                storage: 1Gi
      EOF
      advance 10s
      kubectl get pods,pvc
      """
    Then the output is:
      """
      statefulset.apps/web created
      NAME        READY   STATUS    RESTARTS   AGE
      pod/web-0   0/2     Pending   0          *

      NAME                              STATUS    VOLUME   CAPACITY   ACCESS MODES   STORAGECLASS   VOLUMEATTRIBUTESCLASS   AGE
      persistentvolumeclaim/www-web-0   Pending                                                     <unset>                 *
      """
    When I run "kubectl get events --field-selector involvedObject.name=web-0"
    Then the output contains:
      """
      *   Warning   FailedScheduling   pod/web-0   0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. ...
      """
    When I run "kubectl get events --field-selector involvedObject.kind=StatefulSet"
    Then the output contains:
      """
      *   Normal   SuccessfulCreate   statefulset/web   *reate Claim www-web-0 Pod web-0 in StatefulSet web success
      *   Normal   SuccessfulCreate   statefulset/web   *reate Pod web-0 in StatefulSet web successful
      """

  @B37
  Scenario: with podManagementPolicy Parallel every ordinal is created at once, none waiting for the one before to be Ready
    When I run:
      """
      kubectl apply -f - <<EOF
      apiVersion: apps/v1
      kind: StatefulSet
      metadata:
        name: db
      spec:
        serviceName: db
        replicas: 3
        podManagementPolicy: Parallel
        selector:
          matchLabels:
            app: db
        template:
          metadata:
            labels:
              app: db
          spec:
            containers:
            - name: db
              image: redis:7
        volumeClaimTemplates:
        - metadata:
            name: data
          spec:
            accessModes: ["ReadWriteOnce"]
            resources:
              requests:
                storage: 1Gi
      EOF
      advance 10s
      kubectl get pods
      """
    Then the output is:
      """
      statefulset.apps/db created
      NAME   READY   STATUS    RESTARTS   AGE
      db-0   0/2     Pending   0          *
      db-1   0/2     Pending   0          *
      db-2   0/2     Pending   0          *
      """

  @B37
  Scenario: rollout restart of a StatefulSet replaces its pods from the highest ordinal down, and rollout status says so as kubectl does
    Given the commands:
      """
      kubectl apply -f - <<EOF
      apiVersion: apps/v1
      kind: StatefulSet
      metadata:
        name: web
      spec:
        serviceName: web
        replicas: 3
        selector:
          matchLabels:
            app: web
        template:
          metadata:
            labels:
              app: web
          spec:
            containers:
            - name: nginx
              image: nginx:1.27
      EOF
      advance 2m
      """
    When I run:
      """
      kubectl rollout restart statefulset web
      kubectl rollout status statefulset web
      """
    # kubectl prints what it waits for each time the StatefulSet changes:
    # a real API server's controller may not have observed the restart yet
    # ("Waiting for statefulset spec update to be observed..."), the twin's
    # controller observes it at once ("Waiting for 1 pods to be ready...").
    Then the output contains:
      """
      statefulset.apps/web restarted
      partitioned roll out complete: 3 new pods have been updated...
      """
    And the output contains "Waiting for "
    When I run "kubectl get events --field-selector reason=SuccessfulDelete"
    Then the output contains:
      """
      *   Normal   SuccessfulDelete   statefulset/web   *elete Pod web-2 in StatefulSet web successful
      *   Normal   SuccessfulDelete   statefulset/web   *elete Pod web-1 in StatefulSet web successful
      *   Normal   SuccessfulDelete   statefulset/web   *elete Pod web-0 in StatefulSet web successful
      """
    When I run "kubectl get pods"
    Then the "READY" column for "web-0" is "2/2"

  @B37
  Scenario: a StatefulSet whose selector does not match its template is refused with the API server's error
    When I run:
      """
      kubectl apply -f - <<EOF
      apiVersion: apps/v1
      kind: StatefulSet
      metadata:
        name: web
      spec:
        serviceName: web
        selector:
          matchLabels:
            app: db
        template:
          metadata:
            labels:
              app: web
          spec:
            containers:
            - name: nginx
              image: nginx
      EOF
      """
    Then it fails with "The StatefulSet "web" is invalid: spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`"
    And nothing changed

  @B37
  Scenario: deleting a StatefulSet deletes its pods and keeps its claims
    Given the commands:
      """
      kubectl apply -f - <<EOF
      apiVersion: apps/v1
      kind: StatefulSet
      metadata:
        name: web
      spec:
        serviceName: web
        replicas: 2
        selector:
          matchLabels:
            app: web
        template:
          metadata:
            labels:
              app: web
          spec:
            containers:
            - name: nginx
              image: nginx
        podManagementPolicy: Parallel
        volumeClaimTemplates:
        - metadata:
            name: www
          spec:
            accessModes: ["ReadWriteOnce"]
            resources:
              requests:
                storage: 1Gi
      EOF
      advance 10s
      """
    When I run:
      """
      kubectl delete statefulset web
      advance 10s
      kubectl get pods
      kubectl get pvc -o name
      """
    Then the output is:
      """
      statefulset.apps "web" deleted
      persistentvolumeclaim/www-web-0
      persistentvolumeclaim/www-web-1
      """

  @B37
  Scenario: a DaemonSet runs one injected pod per regular node and none on the ECI virtual node
    When I run:
      """
      kubectl apply -f - <<EOF
      apiVersion: apps/v1
      kind: DaemonSet
      metadata:
        name: agent
      spec:
        selector:
          matchLabels:
            app: agent
        template:
          metadata:
            labels:
              app: agent
          spec:
            containers:
            - name: agent
              image: fluentd:v1
      EOF
      advance 1m
      kubectl get pods -o wide --field-selector spec.nodeName=cn-beijing.192.168.0.1
      kubectl get pods -o wide --field-selector spec.nodeName=cn-beijing.192.168.0.2
      kubectl get daemonset agent
      """
    Then the output is:
      """
      daemonset.apps/agent created
      NAME      READY   STATUS    RESTARTS   AGE   IP   NODE                     NOMINATED NODE   READINESS GATES
      agent-*   2/2     Running   0          *     *    cn-beijing.192.168.0.1   <none>           <none>
      NAME      READY   STATUS    RESTARTS   AGE   IP   NODE                     NOMINATED NODE   READINESS GATES
      agent-*   2/2     Running   0          *     *    cn-beijing.192.168.0.2   <none>           <none>
      NAME    DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR   AGE
      agent   2         2         2       2            2           <none>          *
      """
    When I run "kubectl get pods --field-selector spec.nodeName=virtual-kubelet-cn-beijing-i"
    Then it succeeds
    And the output is:
      """
      """

  @B37
  Scenario: a DaemonSet that tolerates the virtual node's taint runs a pod there too
    When I run:
      """
      kubectl apply -f - <<EOF
      apiVersion: apps/v1
      kind: DaemonSet
      metadata:
        name: agent
      spec:
        selector:
          matchLabels:
            app: agent
        template:
          metadata:
            labels:
              app: agent
          spec:
            tolerations:
            - key: virtual-kubelet.io/provider
              operator: Exists
            containers:
            - name: agent
              image: fluentd:v1
      EOF
      advance 1m
      kubectl get pods -o wide --field-selector spec.nodeName=virtual-kubelet-cn-beijing-i
      kubectl get daemonset agent
      """
    Then the output is:
      """
      daemonset.apps/agent created
      NAME      READY   STATUS    RESTARTS   AGE   IP              NODE                           NOMINATED NODE   READINESS GATES
      agent-*   2/2     Running   0          *     192.168.128.*   virtual-kubelet-cn-beijing-i   <none>           <none>
      NAME    DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR   AGE
      agent   3         3         3       3            3           <none>          *
      """

  @B37
  Scenario: rollout restart of a DaemonSet replaces one pod at a time; deleting it deletes its pods
    Given the commands:
      """
      kubectl apply -f - <<EOF
      apiVersion: apps/v1
      kind: DaemonSet
      metadata:
        name: agent
      spec:
        selector:
          matchLabels:
            app: agent
        template:
          metadata:
            labels:
              app: agent
          spec:
            containers:
            - name: agent
              image: fluentd:v1
      EOF
      advance 1m
      """
    When I run:
      """
      kubectl rollout restart daemonset agent
      kubectl rollout status daemonset agent
      """
    Then the output contains:
      """
      daemonset.apps/agent restarted
      daemon set "agent" successfully rolled out
      """
    When I run:
      """
      kubectl delete daemonset agent
      advance 10s
      kubectl get pods
      """
    Then the output is:
      """
      daemonset.apps "agent" deleted
      """
    And it succeeds

  @B37
  Scenario: describe statefulset and daemonset print what kubectl's describers print
    Given the commands:
      """
      kubectl apply -f - <<EOF
      apiVersion: apps/v1
      kind: StatefulSet
      metadata:
        name: web
      spec:
        serviceName: web
        replicas: 2
        selector:
          matchLabels:
            app: web
        template:
          metadata:
            labels:
              app: web
          spec:
            containers:
            - name: nginx
              image: nginx:1.27
      EOF
      advance 1m
      """
    When I run "kubectl describe statefulset web"
    Then it succeeds
    And the output contains:
      """
      Name:                   web
      Service Name:           web
      Pod Management Policy:  OrderedReady
      Replicas:               2 desired | 2 total
      Update Strategy:        RollingUpdate
      Pods Status:    2 Running / 0 Waiting / 0 Succeeded / 0 Failed
      Pod Template:
      Labels:  app=web
      Containers:
      nginx:
      Image:         nginx:1.27
      Volume Claims:  <none>
      Normal  SuccessfulCreate  *  statefulset-controller  *reate Pod web-0 in StatefulSet web successful
      """
