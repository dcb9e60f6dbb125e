Feature: Native and traditional sidecars
  A native sidecar is istio-proxy in initContainers with restartPolicy:
  Always; a traditional one is istio-proxy in containers. ASM 1.22 on
  Kubernetes 1.30 uses native sidecars unless the mesh config says
  otherwise.

  Rule: ASM 1.22.2.35 on Kubernetes 1.30

    Background:
      Given the commands:
        """
        mesh create --version 1.22.2.35
        cluster create c1 --kubernetes-version 1.30 --region cn-beijing --zone i
        mesh add-cluster c1
        kubectl label namespace default istio-injection=enabled --overwrite
        """

    @B29 @B30
    Scenario: By default the proxy is a native sidecar in initContainers
      When I run "kubectl run sleep --image registry.cn-hangzhou.aliyuncs.com/acs/curl:8.1.2 -- sleep infinity"
      Then the output is:
        """
        pod/sleep created
        """
      When I run "kubectl get pod sleep -o jsonpath='{.spec.initContainers[*].name}'"
      Then the output is:
        """
        istio-init istio-proxy
        """
      When I run "kubectl get pod sleep -o jsonpath='{.spec.initContainers[1].restartPolicy} {.spec.initContainers[1].ports[0].containerPort} {.spec.initContainers[1].ports[0].name}'"
      Then the output is:
        """
        Always 15090 http-envoy-prom
        """
      When I run "kubectl get pod sleep -o jsonpath='{.spec.containers[*].name}'"
      Then the output is:
        """
        sleep
        """

    @B29
    Scenario: The pod's YAML shows the native sidecar as in seed 004
      Given the commands:
        """
        kubectl run sleep --image registry.cn-hangzhou.aliyuncs.com/acs/curl:8.1.2 -- sleep infinity
        """
      When I run "kubectl get pod sleep -o yaml"
      Then the output contains:
        """
        initContainers:
        image: registry-cn-hangzhou-vpc.ack.aliyuncs.com/acs/proxyv2:v1.22.2.35-ge64ec8af-aliyun
        name: istio-proxy
        ports:
        - containerPort: 15090
          name: http-envoy-prom
          protocol: TCP
        restartPolicy: Always
        """

    @B29 @B31
    Scenario: After switching the mesh config off, new pods get a traditional sidecar in containers (seed 004)
      When I run "kubectl --context asm patch asmmeshconfig default --type=merge --patch='{"spec":{"enableNativeSidecar":false}}'"
      Then the output is:
        """
        asmmeshconfig.istio.alibabacloud.com/default patched
        """
      When I run "kubectl run sleep --image registry.cn-hangzhou.aliyuncs.com/acs/curl:8.1.2 -- sleep infinity"
      Then it succeeds
      When I run "kubectl get pod sleep -o jsonpath='{.spec.containers[*].name}|{.spec.initContainers[*].name}'"
      Then the output is:
        """
        sleep istio-proxy|istio-init
        """
      When I run "kubectl get pod sleep -o yaml"
      Then the output contains:
        """
        containers:
        image: registry-cn-hangzhou-vpc.ack.aliyuncs.com/acs/proxyv2:v1.22.2.35-ge64ec8af-aliyun
        name: istio-proxy
        ports:
        - containerPort: 15090
          name: http-envoy-prom
          protocol: TCP
        initContainers:
        """

    @B31
    Scenario: Pods that existed before the patch keep their native sidecar until restarted
      Given the commands:
        """
        kubectl create deployment sleep --image registry.cn-hangzhou.aliyuncs.com/acs/curl:8.1.2 -- sleep infinity
        advance 1m
        """
      When I run "kubectl --context asm patch asmmeshconfig default --type=merge --patch='{"spec":{"enableNativeSidecar":false}}'"
      And the clock advances by 1m
      And I run "kubectl get pods -l app=sleep -o jsonpath='{.items[*].spec.initContainers[*].name}'"
      Then the output is:
        """
        istio-init istio-proxy
        """
      When I run "kubectl rollout restart deployment sleep"
      And the clock advances by 5m
      And I run "kubectl get pods -l app=sleep -o jsonpath='{.items[*].spec.containers[*].name}'"
      Then the output is:
        """
        curl istio-proxy
        """

    @B31 @B12
    Scenario: Replacing a native pod after the patch re-injects it with a traditional sidecar
      Given the commands:
        """
        kubectl run sleep --image registry.cn-hangzhou.aliyuncs.com/acs/curl:8.1.2 -- sleep infinity
        advance 1m
        """
      When I run "kubectl get pod sleep -o jsonpath='{.spec.initContainers[*].name}|{.spec.containers[*].name}'"
      Then the output is:
        """
        istio-init istio-proxy|sleep
        """
      When I run "kubectl --context asm patch asmmeshconfig default --type=merge --patch='{"spec":{"enableNativeSidecar":false}}'"
      Then it succeeds
      When I run "kubectl get pod sleep -o yaml | kubectl replace --force -f -"
      Then it succeeds
      And the output contains "pod/sleep replaced"
      When I run "kubectl get pod sleep -o jsonpath='{.spec.initContainers[*].name}|{.spec.containers[*].name}'"
      Then the output is:
        """
        istio-init|sleep istio-proxy
        """
      When the clock advances by 30s
      And I run "kubectl get pods"
      Then the output is:
        """
        NAME    READY   STATUS    RESTARTS   AGE
        sleep   2/2     Running   0          *
        """
      When I run "explain pod sleep"
      Then the output contains "Mode: the sidecar is traditional"

    @B31
    Scenario: The patched mesh config is visible on the control plane
      Given the commands:
        """
        kubectl --context asm patch asmmeshconfig default --type=merge --patch='{"spec":{"enableNativeSidecar":false}}'
        """
      When I run "kubectl --context asm get asmmeshconfig default -o jsonpath='{.spec.enableNativeSidecar}'"
      Then the output is:
        """
        false
        """

    @B31
    Scenario: describe asmmeshconfig prints the custom resource as kubectl's generic describer does
      When I run "kubectl --context asm describe asmmeshconfig default"
      Then the output is:
        """
        Name:         default
        Namespace:
        Labels:       <none>
        Annotations:  <none>
        API Version:  istio.alibabacloud.com/v1beta1
        Kind:         ASMMeshConfig
        Metadata:
          Creation Timestamp:  *
          Generation:          1
          Resource Version:    *
          UID:                 *
        Spec:
        Events:  <none>
        """
      When I run:
        """
        kubectl --context asm patch asmmeshconfig default --type=merge --patch='{"spec":{"enableNativeSidecar":false}}'
        kubectl --context asm describe asmmeshconfig
        """
      Then the output is:
        """
        asmmeshconfig.istio.alibabacloud.com/default patched
        Name:         default
        Namespace:
        Labels:       <none>
        Annotations:  <none>
        API Version:  istio.alibabacloud.com/v1beta1
        Kind:         ASMMeshConfig
        Metadata:
          Creation Timestamp:  *
          Generation:          2
          Resource Version:    *
          UID:                 *
        Spec:
          Enable Native Sidecar:  false
        Events:                   <none>
        """

    @B30
    Scenario: The pod annotation beats the mesh config
      Given the commands:
        """
        kubectl --context asm patch asmmeshconfig default --type=merge --patch='{"spec":{"enableNativeSidecar":false}}'
        """
      When I run:
        """
        kubectl run native --image nginx --annotations sidecar.istio.io/nativeSidecar=true
        kubectl run plain --image nginx
        """
      And I run "kubectl get pod native -o jsonpath='{.spec.initContainers[*].name}'"
      Then the output is:
        """
        istio-init istio-proxy
        """
      When I run "kubectl get pod plain -o jsonpath='{.spec.initContainers[*].name}'"
      Then the output is:
        """
        istio-init
        """

    @B30
    Scenario: The pod annotation can ask for a traditional sidecar
      When I run "kubectl run plain --image nginx --annotations sidecar.istio.io/nativeSidecar=false"
      And I run "kubectl get pod plain -o jsonpath='{.spec.containers[*].name}'"
      Then the output is:
        """
        plain istio-proxy
        """

    @B30 @B36
    Scenario: explain names the rule that chose the mode
      Given the commands:
        """
        kubectl run sleep --image nginx
        """
      When I run "explain pod sleep"
      Then the output contains "Mode: the sidecar is native"
      And the output contains "ASM 1.22.2.35 on Kubernetes 1.30"

    @B32 @kubelet @kind-smoke
    Scenario: A Job completes when its sidecar is native
      When I run "kubectl create job pi --image perl -- sleep 5"
      Then the output is:
        """
        job.batch/pi created
        """
      When the clock advances by 30s
      And I run "kubectl get jobs"
      Then the "STATUS" column for "pi" is "Complete"
      And the "COMPLETIONS" column for "pi" is "1/1"
      When I run "kubectl get pods -l job-name=pi"
      Then the "STATUS" column for "pi-*" is "Completed"
      And the "READY" column for "pi-*" is "0/2"

    @B32 @kubelet @kind-smoke
    Scenario: A Job never completes when its sidecar is traditional
      Given the commands:
        """
        kubectl --context asm patch asmmeshconfig default --type=merge --patch='{"spec":{"enableNativeSidecar":false}}'
        """
      When I run "kubectl create job pi --image perl -- sleep 5"
      Then the output is:
        """
        job.batch/pi created
        """
      When the clock advances by 30s
      And I run "kubectl get jobs"
      Then the "STATUS" column for "pi" is "Running"
      And the "COMPLETIONS" column for "pi" is "0/1"
      When I run "kubectl get pods -l job-name=pi"
      Then the "STATUS" column for "pi-*" is "NotReady"
      And the "READY" column for "pi-*" is "1/2"
      When the clock advances by 1h
      And I run "kubectl get jobs"
      Then the "STATUS" column for "pi" is "Running"

    @B32 @kubelet
    Scenario: A traditional sidecar leaves the app without network until the proxy is ready
      Given the commands:
        """
        kubectl --context asm patch asmmeshconfig default --type=merge --patch='{"spec":{"enableNativeSidecar":false}}'
        kubectl run web --image nginx
        advance 1m
        """
      When I run "kubectl get events --field-selector involvedObject.name=web"
      Then the output contains "Warning   NoNetwork   pod/web"
      And the output contains "container "web" starts at 5s but istio-proxy is ready only at 8s, so it has no network for 3s"
      When I run "kubectl describe pod web"
      Then the output contains "NoNetwork"

    @B39 @kubelet
    Scenario: The twin's insights are never reported as kubelet's events
      Given the commands:
        """
        kubectl --context asm patch asmmeshconfig default --type=merge --patch='{"spec":{"enableNativeSidecar":false}}'
        kubectl run web --image nginx
        advance 1m
        """
      When I run "kubectl get events --field-selector reason=NoNetwork -o wide"
      Then the output contains "meshtwin-insight"
      And the output does not contain "kubelet"
      When I run "kubectl describe pod web"
      Then the output contains "meshtwin-insight"

    @B32 @kubelet
    Scenario: A native sidecar is ready before the app starts, so the app never lacks network
      Given the commands:
        """
        kubectl run web --image nginx
        advance 1m
        """
      When I run "kubectl get events --field-selector involvedObject.name=web,involvedObject.fieldPath=spec.containers{web},reason=Started -o jsonpath='{.items[*].source.component}'"
      Then the output is:
        """
        kubelet
        """
      When I run "kubectl describe pod web"
      Then the output does not contain "NoNetwork"

    @B32 @kubelet
    Scenario: Graceful startup holds a traditional app until the proxy is ready
      Given the commands:
        """
        kubectl --context asm patch asmmeshconfig default --type=merge --patch='{"spec":{"enableNativeSidecar":false}}'
        kubectl run web --image nginx --annotations 'proxy.istio.io/config={"holdApplicationUntilProxyStarts":true}'
        advance 1m
        """
      When I run "kubectl get events --field-selector involvedObject.name=web,involvedObject.fieldPath=spec.containers{web},reason=Started -o jsonpath='{.items[*].source.component}'"
      Then the output is:
        """
        kubelet
        """
      When I run "kubectl describe pod web"
      Then the output does not contain "NoNetwork"

    @B32 @kubelet
    Scenario: Init containers of a traditional pod have no network
      Given the commands:
        """
        kubectl --context asm patch asmmeshconfig default --type=merge --patch='{"spec":{"enableNativeSidecar":false}}'
        """
      When I run:
        """
        kubectl apply -f - <<EOF
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          initContainers:
          - name: fetch-config
            image: busybox
          containers:
          - name: web
            image: nginx
        EOF
        advance 1m
        """
      And I run "kubectl describe pod web"
      Then the output contains "init container "fetch-config" runs before istio-proxy starts"
      And the output contains "so it has no network"

    @B32 @kubelet
    Scenario: Init containers of a native pod start after the proxy and have network
      When I run:
        """
        kubectl apply -f - <<EOF
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          initContainers:
          - name: fetch-config
            image: busybox
          containers:
          - name: web
            image: nginx
        EOF
        advance 1m
        """
      And I run "kubectl get pod web -o jsonpath='{.spec.initContainers[*].name}'"
      Then the output is:
        """
        istio-init istio-proxy fetch-config
        """
      When I run "kubectl get events --field-selector involvedObject.name=web,involvedObject.fieldPath=spec.initContainers{fetch-config},reason=Started -o jsonpath='{.items[*].source.component}'"
      Then the output is:
        """
        kubelet
        """
      When I run "kubectl describe pod web"
      Then the output does not contain "NoNetwork"

    @B32 @kubelet
    Scenario: A traditional proxy stops before the app, cutting it off while it shuts down
      Given the commands:
        """
        kubectl --context asm patch asmmeshconfig default --type=merge --patch='{"spec":{"enableNativeSidecar":false}}'
        kubectl run web --image nginx
        advance 1m
        """
      When I run "kubectl delete pod web"
      Then the output is:
        """
        pod "web" deleted
        """
      When I run "kubectl get events --field-selector reason=ProxyStoppedFirst"
      Then the "TYPE" column for "*" is "Warning"
      And the output contains "pod/web"
      And the output contains "istio-proxy got SIGTERM together with container "web": it drains its inbound listeners at once and exits after the termination drain duration (5s by default)"

    @B32 @kubelet
    Scenario: Graceful shutdown keeps a traditional proxy until the app is done
      Given the commands:
        """
        kubectl --context asm patch asmmeshconfig default --type=merge --patch='{"spec":{"enableNativeSidecar":false}}'
        kubectl run web --image nginx --annotations 'proxy.istio.io/config={"proxyMetadata":{"EXIT_ON_ZERO_ACTIVE_CONNECTIONS":"true"}}'
        advance 1m
        kubectl delete pod web
        """
      When I run "kubectl get events --field-selector involvedObject.name=web"
      Then the output contains "Killing"
      And the output does not contain "ProxyStoppedFirst"

    @B32 @kubelet
    Scenario: A native sidecar stops after the app, so deleting the pod cuts nothing off
      Given the commands:
        """
        kubectl run web --image nginx
        advance 1m
        kubectl delete pod web
        """
      When I run "kubectl get events --field-selector involvedObject.name=web"
      Then the output contains "Killing"
      And the output does not contain "ProxyStoppedFirst"

    @B32 @kubelet
    Scenario: Lifecycle settings for a native sidecar are ignored
      Given the commands:
        """
        kubectl run web --image nginx --annotations 'proxy.istio.io/config={"holdApplicationUntilProxyStarts":true}'
        advance 1m
        """
      When I run "kubectl describe pod web"
      Then the output contains "LifecycleSettingIgnored"
      And the output contains "holdApplicationUntilProxyStarts has no effect on a native sidecar"

    @B33 @kind-smoke
    Scenario: A legacy third-party webhook drops the native sidecar's restartPolicy and pod creation fails (seed 004)
      Given the commands:
        """
        webhook install logsidecar-injector --cluster c1 --legacy
        """
      When I run "kubectl run sleep --image registry.cn-hangzhou.aliyuncs.com/acs/curl:8.1.2 -- sleep infinity"
      Then it fails with "The Pod "sleep" is invalid: "
      And it fails with "spec.initContainers[1].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always"
      And nothing changed

    @B33 @B31 @kind-smoke
    Scenario: Switching to traditional sidecars fixes pod creation behind a legacy webhook (seed 004)
      Given the commands:
        """
        webhook install logsidecar-injector --cluster c1 --legacy
        """
      When I run "kubectl --context asm patch asmmeshconfig default --type=merge --patch='{"spec":{"enableNativeSidecar":false}}'"
      Then the output is:
        """
        asmmeshconfig.istio.alibabacloud.com/default patched
        """
      When I run "kubectl run sleep --image registry.cn-hangzhou.aliyuncs.com/acs/curl:8.1.2 -- sleep infinity"
      Then the output is:
        """
        pod/sleep created
        """
      When the clock advances by 1m
      And I run "kubectl get pods"
      Then the output is:
        """
        NAME    READY   STATUS    RESTARTS   AGE
        sleep   2/2     Running   0          *
        """

    @B33
    Scenario: A Deployment behind a legacy webhook creates no pods until the mode is switched and it is restarted
      Given the commands:
        """
        webhook install logsidecar-injector --cluster c1 --legacy
        kubectl create deployment sleep --image registry.cn-hangzhou.aliyuncs.com/acs/curl:8.1.2 -- sleep infinity
        advance 1m
        """
      When I run "kubectl get deployment sleep"
      Then the "READY" column for "sleep" is "0/1"
      When I run:
        """
        kubectl --context asm patch asmmeshconfig default --type=merge --patch='{"spec":{"enableNativeSidecar":false}}'
        kubectl rollout restart deployment sleep
        advance 5m
        kubectl get pods
        """
      Then the "READY" column for "sleep-*" is "2/2"
      And the "STATUS" column for "sleep-*" is "Running"

    @B34 @kind-smoke
    Scenario: READY counts a native sidecar
      When I run "kubectl run sleep --image nginx"
      And the clock advances by 1m
      And I run "kubectl get pods"
      Then the output is:
        """
        NAME    READY   STATUS    RESTARTS   AGE
        sleep   2/2     Running   0          *
        """
      When I run "kubectl get pod sleep -o jsonpath='{.spec.containers[*].name}'"
      Then the output is:
        """
        sleep
        """

    @B34 @kubelet @virtual-clock
    Scenario: While the native sidecar starts, the pod is still initializing
      When I run:
        """
        kubectl run sleep --image nginx
        kubectl get pods
        """
      Then the "READY" column for "sleep" is "0/2"
      And the "STATUS" column for "sleep" is "Init:0/2"

    @B34 @kubelet @virtual-clock
    Scenario: READY counts the native sidecar as soon as it is ready, before the app is
      Given the commands:
        """
        kubectl run sleep --image nginx
        advance 8s
        """
      When I run "kubectl get pods"
      Then the "READY" column for "sleep" is "1/2"
      When I run "kubectl get pod sleep -o jsonpath='{.status.initContainerStatuses[1].name} {.status.initContainerStatuses[1].ready} {.status.containerStatuses[0].ready}'"
      Then the output is:
        """
        istio-proxy true false
        """
      When the clock advances by 1m
      And I run "kubectl get pods"
      Then the "READY" column for "sleep" is "2/2"
      And the "STATUS" column for "sleep" is "Running"

    @B34 @kubelet
    Scenario: A sidecar that has started but is not ready yet is not counted in READY
      A restartable init container without a startup probe counts as
      started as soon as it runs, and the app starts then; kubectl counts
      the sidecar in READY only once its readiness probe succeeds, not
      before the probe's initial delay.
      Given the commands:
        """
        kubectl create namespace plain
        kubectl apply -n plain -f - <<EOF
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          initContainers:
          - name: logshipper
            image: busybox
            command: ["sleep", "3600"]
            restartPolicy: Always
            readinessProbe:
              exec:
                command: ["sh", "-c", "true"]
              initialDelaySeconds: 30
          containers:
          - name: app
            image: nginx
        EOF
        advance 10s
        """
      When I run "kubectl get pod web -n plain -o jsonpath='{.status.initContainerStatuses[0].started} {.status.initContainerStatuses[0].ready} {.status.containerStatuses[0].ready}'"
      Then the output is:
        """
        true false true
        """
      When I run "kubectl get pods -n plain"
      Then the "READY" column for "web" is "1/2"
      And the "STATUS" column for "web" is "Running"
      When the clock advances by 1m
      And I run "kubectl get pods -n plain"
      Then the "READY" column for "web" is "2/2"

  Rule: Which Kubernetes and ASM versions get native sidecars

    @B30
    Scenario Outline: The sidecar mode follows the mesh version, the cluster's Kubernetes and the mesh config
      Given the commands:
        """
        mesh create --version <asm> <mesh flags>
        cluster create c1 --kubernetes-version <kubernetes> <cluster flags>
        mesh add-cluster c1
        kubectl label namespace default istio-injection=enabled --overwrite
        """
      When I run "kubectl run sleep --image nginx"
      And I run "kubectl get pod sleep -o jsonpath='{.spec.containers[*].name}|{.spec.initContainers[*].name}'"
      Then the output is:
        """
        <containers>
        """
      When I run "explain pod sleep"
      Then the output contains "Mode: the sidecar is <mode>"

      Examples: ASM's default: native from ASM 1.22 on Kubernetes 1.30
        | asm        | mesh flags | kubernetes | cluster flags | containers                          | mode        |
        | 1.22.2.35  |            | 1.30       |               | sleep\|istio-init istio-proxy       | native      |
        | 1.22.2.35  |            | 1.33       |               | sleep\|istio-init istio-proxy       | native      |
        | 1.22.2.35  |            | 1.29       |               | sleep istio-proxy\|istio-init       | traditional |
        | 1.21.6.97  |            | 1.30       |               | sleep istio-proxy\|istio-init       | traditional |

      Examples: the mesh config decides when set, within what Kubernetes supports
        | asm        | mesh flags                   | kubernetes | cluster flags                            | containers                    | mode        |
        | 1.21.6.97  | --enable-native-sidecar true | 1.29       |                                          | sleep\|istio-init istio-proxy | native      |
        | 1.22.2.35  | --enable-native-sidecar false| 1.30       |                                          | sleep istio-proxy\|istio-init | traditional |
        | 1.22.2.35  | --enable-native-sidecar true | 1.28       |                                          | sleep istio-proxy\|istio-init | traditional |
        | 1.22.2.35  | --enable-native-sidecar true | 1.28       | --feature-gates SidecarContainers=true   | sleep\|istio-init istio-proxy | native      |
        | 1.22.2.35  | --enable-native-sidecar true | 1.28       | --feature-gates SidecarContainers=false  | sleep istio-proxy\|istio-init | traditional |
        | 1.22.2.35  | --enable-native-sidecar true | 1.27       |                                          | sleep istio-proxy\|istio-init | traditional |
        | 1.22.2.35  | --enable-native-sidecar true | 1.30       | --feature-gates SidecarContainers=false  | sleep istio-proxy\|istio-init | traditional |

      Examples: the istio profile follows upstream Istio: native only from Kubernetes 1.33
        | asm        | mesh flags      | kubernetes | cluster flags | containers                    | mode        |
        | 1.27.0     | --profile istio | 1.30       |               | sleep istio-proxy\|istio-init | traditional |
        | 1.27.0     | --profile istio | 1.33       |               | sleep\|istio-init istio-proxy | native      |
        | 1.26.0     | --profile istio | 1.33       |               | sleep istio-proxy\|istio-init | traditional |

    @B32 @B30 @kubelet
    Scenario: Under upstream Istio's profile istio-init runs last, so the user's init containers keep their network
      Given the commands:
        """
        mesh create --profile istio
        cluster create c1 --kubernetes-version 1.30
        mesh add-cluster c1
        kubectl --context c1 label namespace default istio-injection=enabled
        """
      When I run:
        """
        kubectl --context c1 apply -f - <<EOF
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          initContainers:
          - name: fetch-config
            image: busybox
          containers:
          - name: web
            image: nginx
        EOF
        advance 1m
        """
      And I run "kubectl --context c1 get pod web -o jsonpath='{.spec.initContainers[*].name}|{.spec.containers[*].name}'"
      Then the output is:
        """
        fetch-config istio-init|web istio-proxy
        """
      When I run "kubectl --context c1 get events --field-selector involvedObject.name=web,involvedObject.fieldPath=spec.initContainers{fetch-config},reason=Started -o jsonpath='{.items[*].source.component}'"
      Then the output is:
        """
        kubelet
        """
      When I run "kubectl --context c1 describe pod web"
      Then the output does not contain "init container "fetch-config" runs before istio-proxy starts"
