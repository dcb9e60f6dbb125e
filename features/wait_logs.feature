Feature: kubectl wait, logs and exec where users reach for them
  `kubectl wait` runs on the virtual clock with kubectl's messages;
  `kubectl logs POD -c istio-proxy` prints a short startup log that says
  it is simulated; `kubectl exec` is refused with the twin's wording.

  Background:
    Given the commands:
      """
      mesh create --version 1.22.2.35
      cluster create c1 --kubernetes-version 1.30
      mesh add-cluster c1
      kubectl label namespace default istio-injection=enabled
      """

  @B37
  Scenario: wait for a pod to be Ready and for a Job to complete
    When I run:
      """
      kubectl run web --image nginx
      kubectl wait --for=condition=Ready pod/web --timeout=60s
      kubectl create job hello --image busybox
      kubectl wait --for=condition=complete job/hello
      kubectl get pod web
      """
    Then the output is:
      """
      pod/web created
      pod/web condition met
      job.batch/hello created
      job.batch/hello condition met
      NAME   READY   STATUS    RESTARTS   AGE
      web    2/2     Running   0          *
      """

  @B37
  Scenario: wait for a JSONPath value, as kubectl wait --for=jsonpath does
    When I run:
      """
      kubectl run web --image nginx
      kubectl wait --for=jsonpath='{.status.phase}'=Running pod/web --timeout=60s
      kubectl wait --for=jsonpath='{.status.podIP}' pod/web
      """
    Then the output is:
      """
      pod/web created
      pod/web condition met
      pod/web condition met
      """
    When I run "kubectl wait --for=jsonpath='{.status.phase}'=Succeeded pod/web --timeout=5s"
    Then it fails with "timed out waiting for the condition on pods/web"
    When I run "kubectl wait --for=jsonpath='{.status.phase}'= pod/web"
    Then it fails with "jsonpath wait has to have a value after equal sign, like --for=jsonpath='{.status.readyReplicas}'=3"

  @B37 @kubelet
  Scenario: a Job under a traditional sidecar never completes, so wait times out with kubectl's error
    Given the commands:
      """
      kubectl apply -f - <<EOF
      apiVersion: batch/v1
      kind: Job
      metadata:
        name: migrate
      spec:
        template:
          metadata:
            annotations:
              sidecar.istio.io/nativeSidecar: "false"
          spec:
            restartPolicy: Never
            containers:
            - name: migrate
              image: busybox
      EOF
      """
    When I run "kubectl wait --for=condition=complete job/migrate --timeout=45s"
    Then it fails with "error: timed out waiting for the condition on jobs/migrate"

  @B37
  Scenario: wait on a missing object is the API server's NotFound, and changes nothing
    When I run "kubectl wait --for=condition=Ready pod/nope"
    Then it fails with "Error from server (NotFound): pods "nope" not found"
    And nothing changed

  @B39
  Scenario: logs of istio-proxy say plainly that they are simulated; exec is refused
    Given the commands:
      """
      kubectl run web --image nginx
      advance 30s
      """
    When I run "kubectl logs web -c istio-proxy"
    Then it succeeds
    And the output contains:
      """
      *   info   meshtwin   simulated log: no proxy runs in meshtwin; these lines are made from the pod's status
      *   info   meshtwin   istio-proxy started as a native sidecar (an init container with restartPolicy Always), image registry-cn-hangzhou-vpc.ack.aliyuncs.com/acs/proxyv2:v1.22.2.35-ge64ec8af-aliyun
      *   info   meshtwin   istio-proxy ready (readiness probe on :15021/healthz/ready passes)
      """
    When I run "kubectl logs web -c web"
    Then it fails with "meshtwin does not emulate "kubectl logs web -c web"; emulated: kubectl logs POD -c istio-proxy"
    When I run "kubectl exec web -- ls"
    Then it fails with "meshtwin does not emulate "kubectl exec""
    And nothing changed
