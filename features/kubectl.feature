Feature: kubectl as users type it: what the API server and the cluster's controllers add
  A real cluster defaults every Service it stores, keeps the `kubernetes`
  Service in `default`, and its controllers write a ConfigMap with the
  cluster CA into every namespace; the mesh's istiod writes its root
  certificate into the namespaces it serves. kubectl shows all of it.

  @B39
  Scenario: A Service gets the API server's defaults and a cluster IP from the service range
    Given a mesh of version "1.22.2.35" with cluster "c1"
    And the commands:
      """
      kubectl create namespace demo
      """
    When I run:
      """
      kubectl apply -f - <<EOF
      apiVersion: v1
      kind: Service
      metadata:
        name: web
        namespace: demo
      spec:
        selector:
          app: web
        ports:
        - port: 80
      EOF
      kubectl get svc -n demo
      """
    Then the output is:
      """
      service/web created
      NAME   TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE
      web    ClusterIP   172.21.*     <none>        80/TCP    0s
      """
    When I run "kubectl get svc web -n demo -o jsonpath='{.spec.type} {.spec.ports[0].protocol} {.spec.ports[0].targetPort} {.spec.sessionAffinity} {.spec.ipFamilyPolicy}'"
    Then the output is:
      """
      ClusterIP TCP 80 None SingleStack
      """
    When I run "kubectl get svc kubernetes"
    Then the output is:
      """
      NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE
      kubernetes   ClusterIP   172.21.0.1   <none>        443/TCP   0s
      """

  @B39
  Scenario: Two Services never share a cluster IP, and an address asked for twice is refused
    Given a mesh of version "1.22.2.35" with cluster "c1"
    And the commands:
      """
      kubectl create namespace demo
      """
    When I run:
      """
      kubectl create deployment a --image nginx -n demo
      kubectl apply -f - <<EOF
      apiVersion: v1
      kind: Service
      metadata:
        name: fixed
        namespace: demo
      spec:
        clusterIP: 172.21.0.10
        ports:
        - port: 8080
          targetPort: 80
      EOF
      kubectl get svc fixed -n demo
      """
    Then the output contains "fixed   ClusterIP   172.21.0.10   <none>        8080/TCP"
    When I run:
      """
      kubectl apply -f - <<EOF
      apiVersion: v1
      kind: Service
      metadata:
        name: again
        namespace: demo
      spec:
        clusterIP: 172.21.0.10
        ports:
        - port: 80
      EOF
      """
    Then it fails with "The Service "again" is invalid: spec.clusterIPs[0]: Invalid value: "172.21.0.10": failed to allocate IP 172.21.0.10: provided IP is already allocated"

  @B39
  Scenario: Every namespace has kube-root-ca.crt; in a mesh member istiod adds istio-ca-root-cert where it does not skip
    Given a mesh of version "1.22.2.35" with cluster "c1"
    And the commands:
      """
      kubectl create namespace demo
      """
    When I run "kubectl get configmaps -A"
    Then the output is:
      """
      NAMESPACE         NAME                 DATA   AGE
      default           istio-ca-root-cert   1      0s
      default           kube-root-ca.crt     1      0s
      demo              istio-ca-root-cert   1      0s
      demo              kube-root-ca.crt     1      0s
      istio-system      istio-ca-root-cert   1      0s
      istio-system      kube-root-ca.crt     1      0s
      kube-node-lease   kube-root-ca.crt     1      0s
      kube-public       kube-root-ca.crt     1      0s
      kube-system       istio-ca-root-cert   1      0s
      kube-system       kube-root-ca.crt     1      0s
      """
    When I run "kubectl get configmap istio-ca-root-cert -n demo -o jsonpath='{.metadata.labels}'"
    Then the output contains ""istio.io/config":"true""
    When I run:
      """
      cluster create c2 --kubernetes-version 1.30
      kubectl --context c2 get configmaps -n default
      """
    Then the output is:
      """
      cluster "c2" created (Kubernetes 1.30, cn-beijing-i, 2 nodes)
      NAME               DATA   AGE
      kube-root-ca.crt   1      0s
      """

  @B39
  Scenario: Before Istio 1.22 istiod skips kube-system too
    Given a mesh of version "1.21.6.95" with cluster "c9"
    When I run "kubectl --context c9 get configmaps -n kube-system"
    Then the output is:
      """
      NAME               DATA   AGE
      kube-root-ca.crt   1      0s
      """
