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
      web    ClusterIP   172.21.*     <none>        80/TCP    *
      """
    When I run "kubectl get svc web -n demo -o jsonpath='{.spec.type} {.spec.ports[0].protocol} {.spec.ports[0].targetPort} {.spec.sessionAffinity} {.spec.ipFamilyPolicy}'"
    Then the output is:
      """
      ClusterIP TCP 80 None SingleStack
      """
    # The kubernetes Service is as old as the cluster, not the scenario.
    When I run "kubectl get svc kubernetes"
    Then the "CLUSTER-IP" column for "kubernetes" is "172.21.0.1"
    And the "PORT(S)" column for "kubernetes" is "443/TCP"
    And the "TYPE" column for "kubernetes" is "ClusterIP"

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
    Then it fails with "The Service "again" is invalid: spec.clusterIPs: Invalid value: ["172.21.0.10"]: failed to allocate IP 172.21.0.10: provided IP is already allocated"

  @B39
  Scenario: Every namespace has kube-root-ca.crt; in a mesh member istiod adds istio-ca-root-cert where it does not skip
    Given a mesh of version "1.22.2.35" with cluster "c1"
    And the commands:
      """
      kubectl create namespace demo
      """
    # Which ConfigMaps, not their AGE: the built-in namespaces' are as old
    # as the cluster, the others as the scenario.
    When I run "kubectl get configmaps -A -o custom-columns=NAMESPACE:.metadata.namespace,NAME:.metadata.name"
    Then the output is:
      """
      NAMESPACE         NAME
      default           istio-ca-root-cert
      default           kube-root-ca.crt
      demo              istio-ca-root-cert
      demo              kube-root-ca.crt
      istio-system      istio-ca-root-cert
      istio-system      kube-root-ca.crt
      kube-node-lease   kube-root-ca.crt
      kube-public       kube-root-ca.crt
      kube-system       extension-apiserver-authentication
      kube-system       istio-ca-root-cert
      kube-system       kube-apiserver-legacy-service-account-token-tracking
      kube-system       kube-root-ca.crt
      """
    When I run "kubectl get configmap istio-ca-root-cert -n demo -o jsonpath='{.metadata.labels}'"
    Then the output contains ""istio.io/config":"true""
    When I run:
      """
      cluster create c2 --kubernetes-version 1.30
      kubectl --context c2 get configmaps -n default -o name
      """
    Then the output is:
      """
      cluster "c2" created (Kubernetes 1.30, cn-beijing-i, 2 nodes)
      configmap/kube-root-ca.crt
      """

  @B39
  Scenario: Before Istio 1.22 istiod skips kube-system too
    Given a mesh of version "1.21.6.95" with cluster "c9"
    When I run "kubectl --context c9 get configmaps -n kube-system -o name"
    Then the output is:
      """
      configmap/extension-apiserver-authentication
      configmap/kube-apiserver-legacy-service-account-token-tracking
      configmap/kube-root-ca.crt
      """
    When I run "kubectl --context c9 get configmap extension-apiserver-authentication -n kube-system -o jsonpath='{.data.requestheader-allowed-names} {.data.requestheader-username-headers}'"
    Then the output is:
      """
      ["front-proxy-client"] ["X-Remote-User"]
      """

  @B39
  Scenario: describe service lists the ready endpoints the EndpointSlice controller found, as kubectl's describer does
    Given a mesh of version "1.22.2.35" with cluster "c1"
    And the commands:
      """
      kubectl create deployment web --image nginx
      kubectl apply -f - <<EOF
      apiVersion: v1
      kind: Service
      metadata:
        name: web
        labels:
          app: web
      spec:
        selector:
          app: web
        ports:
        - name: http
          port: 80
          targetPort: 8080
      ---
      apiVersion: v1
      kind: Service
      metadata:
        name: outside
      spec:
        ports:
        - port: 443
      EOF
      advance 1m
      """
    When I run "kubectl describe service web"
    Then the output is:
      """
      Name:                     web
      Namespace:                default
      Labels:                   app=web
      Annotations:              <none>
      Selector:                 app=web
      Type:                     ClusterIP
      IP Family Policy:         SingleStack
      IP Families:              IPv4
      IP:                       *
      IPs:                      *
      Port:                     http  80/TCP
      TargetPort:               8080/TCP
      Endpoints:                *:8080
      Session Affinity:         None
      Internal Traffic Policy:  Cluster
      Events:                   <none>
      """
    When I run "kubectl get endpointslices"
    Then the output is:
      """
      NAME         ADDRESSTYPE   PORTS   ENDPOINTS   AGE
      kubernetes   IPv4          6443    *           *
      web-*        IPv4          8080    *           *
      """
    # The API server's own slice: its address is the cluster's (the
    # twin's, or a kind control-plane node's), the rest is the same.
    When I run "kubectl get endpointslice kubernetes -o jsonpath='{.metadata.labels} {.addressType} {.ports[0].name} {.ports[0].protocol} {.ports[0].port} {.endpoints[0].conditions.ready}'"
    Then the output is:
      """
      {"kubernetes.io/service-name":"kubernetes"} IPv4 https TCP 6443 true
      """
    When I run "kubectl describe service outside"
    Then the output contains:
      """
      Selector:                 <none>
      """
    And the output contains:
      """
      Port:                     <unset>  443/TCP
      TargetPort:               443/TCP
      Endpoints:                <none>
      """
    When I run:
      """
      kubectl scale deployment web --replicas=0
      advance 1m
      kubectl describe service web
      """
    Then the output contains:
      """
      TargetPort:               8080/TCP
      Endpoints:
      Session Affinity:         None
      """
