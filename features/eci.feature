Feature: Meshed pods on ECI virtual nodes
  Two independent labels: istio-injection=enabled on the namespace decides
  injection; alibabacloud.com/eci=true on the pod or the namespace decides
  scheduling onto an ECI-backed virtual node.

  Rule: ASM 1.22 and a cluster with ack-virtual-node

    Background:
      Given the commands:
        """
        mesh create --version 1.22.2.35
        cluster create c1 --kubernetes-version 1.30 --region cn-beijing --zone i --virtual-node
        mesh add-cluster c1
        """

    @B17 @B18 @B20
    Scenario: A pod label schedules one meshed pod onto the virtual node (seed 003)
      Given the commands:
        """
        kubectl label namespace default istio-injection=enabled --overwrite
        """
      When I run "kubectl get ns default --show-labels"
      Then the output is:
        """
        NAME      STATUS   AGE   LABELS
        default   Active   *     istio-injection=enabled,kubernetes.io/metadata.name=default
        """
      When I run "kubectl run nginx -n default --image nginx -l alibabacloud.com/eci=true"
      Then the output is:
        """
        pod/nginx created
        """
      When the clock advances by 10m
      And I run "kubectl get pod -n default -o wide | grep virtual-kubelet"
      Then the output is:
        """
        nginx   2/2   Running   0   *   192.168.*   virtual-kubelet-cn-beijing-i   <none>   <none>
        """

    @B18 @B37
    Scenario: Pods whose requests, their sidecar's included, fit no regular node stay Pending rather than go to the virtual node
      Each pod asks for half of what a regular node offers, read through
      kubectl (4 CPUs on the twin's ACK nodes, the host's on kind's): with
      its sidecar's 100m, one pod fits a node and a second does not.
      Given the commands:
        """
        kubectl label namespace default istio-injection=enabled --overwrite
        """
      And "NODE_CPU" is what "kubectl get node cn-beijing.192.168.0.1 -o jsonpath='{.status.allocatable.cpu}'" prints
      When I run:
        """
        kubectl apply -f - <<EOF
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          replicas: 8
          selector:
            matchLabels:
              app: web
          template:
            metadata:
              labels:
                app: web
            spec:
              containers:
              - name: web
                image: nginx
                resources:
                  requests:
                    cpu: "${NODE_CPU/2}"
        EOF
        advance 1m
        kubectl get pods --no-headers | grep -c Running
        kubectl get pods --no-headers | grep -c Pending
        """
      Then the output is:
        """
        deployment.apps/web created
        2
        6
        """
      When I run "kubectl get events --field-selector reason=FailedScheduling"
      # The taint's words are the cluster's scheduler's: "{key: value}" up to
      # 1.34, "taint(s)" from 1.35 (the local plane runs 1.37); the rest is
      # the same in both.
      Then the output contains "0/3 nodes are available: 1 node(s) had untolerated taint"
      And the output contains ", 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."
      When I run "explain deployment web"
      Then the output contains "would stay Pending: no node fits the pod, so it stays Pending: 0/3 nodes are available: 1 node(s) had untolerated taint"
      And the output contains ", 2 Insufficient cpu."
      When I run "kubectl scale deployment web --replicas 2"
      And I run:
        """
        advance 1m
        kubectl get pods --no-headers | grep -c Running
        kubectl get pods --no-headers | grep -c Pending
        """
      Then the output is:
        """
        2
        0
        """

    @B20 @B06
    Scenario: Namespaces enabled in the console carry provider=asm in the cluster (seed 003)
      Given the commands:
        """
        kubectl create namespace vk
        asm namespace create vk
        """
      When I run:
        """
        asm namespace enable-injection default
        asm namespace enable-injection vk
        """
      Then it succeeds
      When I run "kubectl get ns vk --show-labels"
      Then the output is:
        """
        NAME   STATUS   AGE   LABELS
        vk     Active   *     istio-injection=enabled,kubernetes.io/metadata.name=vk,provider=asm
        """
      When I run "kubectl get ns default --show-labels"
      Then the "LABELS" column for "default" is "istio-injection=enabled,kubernetes.io/metadata.name=default,provider=asm"

    @B17
    Scenario: The ECI label alone runs the pod on the virtual node without a sidecar
      Given the commands:
        """
        kubectl create namespace plain
        """
      When I run:
        """
        kubectl run nginx -n plain --image nginx -l alibabacloud.com/eci=true
        advance 10m
        kubectl get pod nginx -n plain -o wide
        """
      Then the "READY" column for "nginx" is "1/1"
      And the "NODE" column for "nginx" is "virtual-kubelet-cn-beijing-i"

    @B17
    Scenario: The injection label alone meshes the pod on a regular node
      Given the commands:
        """
        kubectl create namespace meshed
        kubectl label namespace meshed istio-injection=enabled
        """
      When I run:
        """
        kubectl run nginx -n meshed --image nginx
        advance 10m
        kubectl get pod nginx -n meshed -o wide
        """
      Then the "READY" column for "nginx" is "2/2"
      And the "STATUS" column for "nginx" is "Running"
      And the output does not contain "virtual-kubelet"

    @B18
    Scenario: Only the labelled pod runs on ECI; its neighbours stay on regular nodes
      Given the commands:
        """
        kubectl label namespace default istio-injection=enabled --overwrite
        """
      When I run:
        """
        kubectl run nginx --image nginx -l alibabacloud.com/eci=true
        kubectl run web --image nginx
        advance 10m
        kubectl get pod -o wide
        """
      Then the "NODE" column for "nginx" is "virtual-kubelet-cn-beijing-i"
      And the "READY" column for "web" is "2/2"
      When I run "kubectl get pod web -o wide"
      Then the output does not contain "virtual-kubelet"

    @B19 @B20
    Scenario: A namespace label runs every new pod of the namespace on ECI (seed 003)
      Given the commands:
        """
        kubectl create namespace vk
        kubectl label namespace vk istio-injection=enabled
        """
      When I run "kubectl label namespace vk alibabacloud.com/eci=true"
      Then the output is:
        """
        namespace/vk labeled
        """
      When I run "kubectl -n vk run nginx --image nginx"
      Then the output is:
        """
        pod/nginx created
        """
      When the clock advances by 10m
      And I run "kubectl -n vk get pod -o wide | grep virtual-kubelet"
      Then the output is:
        """
        nginx   2/2   Running   0   *   192.168.*   virtual-kubelet-cn-beijing-i   <none>   <none>
        """

    @B19
    Scenario: Pods that existed before the namespace label stay where they are
      Given the commands:
        """
        kubectl create namespace vk
        kubectl -n vk run old --image nginx
        advance 10m
        """
      When I run:
        """
        kubectl label namespace vk alibabacloud.com/eci=true
        kubectl -n vk run new --image nginx
        advance 10m
        kubectl -n vk get pod -o wide
        """
      Then the "NODE" column for "new" is "virtual-kubelet-cn-beijing-i"
      And the "STATUS" column for "old" is "Running"
      When I run "kubectl -n vk get pod old -o wide"
      Then the output does not contain "virtual-kubelet"

    @B20
    Scenario: The virtual node is named after the cluster's region and zone
      Given the commands:
        """
        cluster create c2 --kubernetes-version 1.30 --region cn-hangzhou --zone k --virtual-node
        mesh add-cluster c2
        """
      When I run "kubectl --context c2 get nodes"
      Then the output contains "virtual-kubelet-cn-hangzhou-k"
      When I run "kubectl --context c1 get nodes"
      Then the output contains "virtual-kubelet-cn-beijing-i"

    @B21
    Scenario: Without ack-virtual-node the ECI label is inert: the pod runs on a regular node, and explain and analyze say so
      Given the commands:
        """
        cluster create c2 --kubernetes-version 1.30 --region cn-beijing --zone i
        mesh add-cluster c2
        """
      When I run:
        """
        kubectl --context c2 run nginx --image nginx -l alibabacloud.com/eci=true
        advance 10m
        kubectl --context c2 get pods -o wide
        """
      Then the "STATUS" column for "nginx" is "Running"
      And the "NODE" column for "nginx" is one of "cn-beijing.192.168.0.1, cn-beijing.192.168.0.2"
      When I run "kubectl --context c2 describe pod nginx"
      Then the output does not contain "FailedScheduling"
      When I run "explain pod nginx --context c2"
      Then the output contains "The alibabacloud.com/eci label has no effect (the pod has label alibabacloud.com/eci=true): cluster c2 does not run the ack-virtual-node component, whose webhook acts on it."
      When I run "analyze --context c2"
      Then the output contains "Info [ASM0003] (Pod default/nginx (cluster c2)) Label alibabacloud.com/eci=true has no effect: cluster c2 does not run the ack-virtual-node component, so its pods run on regular nodes."

  Rule: ECI pods are meshed only from ASM 1.7.5.41

    @B21
    Scenario: With ASM older than 1.7.5.41 an ECI pod runs on the virtual node but is not meshed
      Given the commands:
        """
        mesh create --version 1.7.5.40
        cluster create c1 --kubernetes-version 1.30 --region cn-beijing --zone i --virtual-node
        mesh add-cluster c1
        kubectl label namespace default istio-injection=enabled --overwrite
        """
      When I run:
        """
        kubectl run nginx --image nginx -l alibabacloud.com/eci=true
        kubectl run web --image nginx
        advance 10m
        kubectl get pod -o wide
        """
      Then the "NODE" column for "nginx" is "virtual-kubelet-cn-beijing-i"
      And the "READY" column for "nginx" is "1/1"
      And the "READY" column for "web" is "2/2"
      When I run "explain pod nginx"
      Then the output contains "1.7.5.40"
      And the output contains "1.7.5.41"

    @B21
    Scenario: From ASM 1.7.5.41 an ECI pod is meshed
      Given the commands:
        """
        mesh create --version 1.7.5.41
        cluster create c1 --kubernetes-version 1.30 --region cn-beijing --zone i --virtual-node
        mesh add-cluster c1
        kubectl label namespace default istio-injection=enabled --overwrite
        """
      When I run:
        """
        kubectl run nginx --image nginx -l alibabacloud.com/eci=true
        advance 10m
        kubectl get pod nginx -o wide
        """
      Then the "NODE" column for "nginx" is "virtual-kubelet-cn-beijing-i"
      And the "READY" column for "nginx" is "2/2"
