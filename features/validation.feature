@validation
Feature: Bad input is rejected with a clear error and changes nothing
  Every rejected command says what was wrong, in the words of the tool the
  user typed, and leaves the whole state as it was.

  Rule: With a mesh and one cluster

    Background:
      Given the commands:
        """
        mesh create --version 1.22.2.35
        cluster create c1 --kubernetes-version 1.30 --region cn-beijing --zone i
        mesh add-cluster c1
        """

    @B02
    Scenario Outline: The console rejects a namespace name that breaks the RFC 1123 rule, naming the character and position
      When I run "asm namespace create <name>"
      Then it fails with "invalid namespace name "<name>""
      And it fails with "<problem>"
      And it fails with "RFC 1123"
      And nothing changed

      Examples:
        | name      | problem                                                     |
        | Demo      | character "D" at position 1 is not allowed                 |
        | my_ns     | character "_" at position 3 is not allowed                  |
        | demo.shop | character "." at position 5 is not allowed                  |
        | demo-     | character "-" at position 5 is not allowed at the end       |
        | abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghi | it is 64 characters long, more than 63 |

    @B02
    Scenario: A name starting with a hyphen is rejected once it is passed after --
      When I run "asm namespace create -- -demo"
      Then it fails with "invalid namespace name "-demo": character "-" at position 1 is not allowed at the start"
      And nothing changed

    @B02
    Scenario: kubectl on the control plane rejects an upper-case name as the API server does
      When I run "kubectl --context asm create namespace Demo"
      Then it fails with "The Namespace "Demo" is invalid: metadata.name: Invalid value: "Demo": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
      And nothing changed

    @B02
    Scenario: kubectl on a cluster rejects an invalid name too
      When I run "kubectl create namespace my_ns"
      Then it fails with "The Namespace "my_ns" is invalid: metadata.name: Invalid value: "my_ns": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
      And nothing changed

    @B02
    Scenario: A duplicate namespace is rejected by kubectl on the control plane
      Given the commands:
        """
        kubectl --context asm create namespace demo
        advance 10s
        """
      When I run "kubectl --context asm create namespace demo"
      Then it fails with "Error from server (AlreadyExists): namespaces "demo" already exists"
      And nothing changed

    @B02
    Scenario: A duplicate namespace is rejected by the console
      Given the commands:
        """
        asm namespace create demo --label team=payments
        advance 10s
        """
      When I run "asm namespace create demo --label team=other"
      Then it fails with "namespaces "demo" already exists"
      And nothing changed

    @B03
    Scenario Outline: The console rejects invalid labels and creates nothing
      When I run "asm namespace create demo --label '<label>'"
      Then it fails with "<message>"
      And nothing changed
      When I run "kubectl --context asm get namespace demo"
      Then it fails with "Error from server (NotFound): namespaces "demo" not found"

      Examples:
        | label                    | message                               |
        | bad key=x                | invalid label key "bad key"           |
        | app.kubernetes.io/=x     | invalid label key "app.kubernetes.io/" |
        | team=-payments           | invalid value "-payments" for label "team" |
        | team=a/b                 | invalid value "a/b" for label "team"  |
        | Team_=x                  | invalid label key "Team_"             |

    @B03
    Scenario: Every invalid label is reported at once, sorted by key
      When I run "asm namespace create demo --label zeta=-bad --label 'bad key=x' --label ok=fine"
      Then it fails with "invalid label key "bad key""
      And it fails with "invalid value "-bad" for label "zeta""
      And nothing changed

    @B03
    Scenario: A label without a value is not KEY=VALUE
      When I run "asm namespace create demo --label team"
      Then it fails with "--label "team": want KEY=VALUE"
      And nothing changed

    @B03 @B10
    Scenario: kubectl label rejects an invalid value
      Given the commands:
        """
        kubectl create namespace demo
        advance 10s
        """
      When I run "kubectl label namespace demo team=-payments"
      Then it fails with "error: invalid label value: "team=-payments": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
      And nothing changed

    @B05
    Scenario: Enabling injection for a namespace the instance lacks fails
      When I run "asm namespace enable-injection ghost"
      Then it fails with "namespaces "ghost" not found"
      And nothing changed

    @B04
    Scenario: Deleting a namespace the instance lacks fails
      When I run "asm namespace delete ghost"
      Then it fails with "namespaces "ghost" not found"
      And nothing changed

    @B04
    Scenario: The default namespace cannot be deleted
      When I run "kubectl --context asm delete namespace default"
      Then it fails with "Forbidden"
      And nothing changed

    @B26
    Scenario: Homing needs at least one cluster
      Given the commands:
        """
        asm namespace create shop
        advance 10s
        """
      When I run "asm namespace set-homing shop"
      Then it fails with "--clusters is required"
      And nothing changed

    Scenario: A cluster that does not exist cannot join the mesh
      When I run "mesh add-cluster c9"
      Then it fails with "cluster "c9" not found (known: c1)"
      And nothing changed

    Scenario: kubectl rejects an unknown context
      When I run "kubectl --context c9 get pods"
      Then it fails with "error: context was not found for specified context: c9"
      And nothing changed

    @B22
    Scenario: Sync from a cluster outside the mesh is rejected
      Given the commands:
        """
        cluster create c2 --kubernetes-version 1.30 --region cn-beijing --zone i
        kubectl --context c2 create namespace shop
        advance 10s
        """
      When I run "asm sync from-cluster c2"
      Then it fails with "cluster "c2" is not part of the mesh (members: c1)"
      And nothing changed

    Scenario: A second mesh cannot be created
      When I run "mesh create --version 1.22.2.35"
      Then it fails with "a mesh already exists (version 1.22.2.35)"
      And nothing changed

    Scenario: A cluster name cannot be reused
      When I run "cluster create c1 --kubernetes-version 1.30"
      Then it fails with "cluster "c1" already exists"
      And nothing changed

    Scenario: Malformed YAML is rejected by kubectl apply
      When I run:
        """
        kubectl apply -f - <<EOF
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
      Then it fails with "error parsing"
      And nothing changed

    @B29 @apiserver-before-1.35
    Scenario: The API server rejects restartPolicy on a regular container; only init containers may be sidecars
      When I run:
        """
        kubectl apply -f - <<EOF
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          containers:
          - name: web
            image: nginx
            restartPolicy: Always
        EOF
        """
      Then it fails with "spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers"
      And nothing changed

    Scenario: A manifest without a kind is rejected by kubectl apply
      When I run:
        """
        kubectl apply -f - <<EOF
        apiVersion: v1
        metadata:
          name: web
        EOF
        """
      Then it fails with "error: error validating "STDIN": error validating data: kind not set"
      And nothing changed

    Scenario: A typo in a command name suggests the right one
      When I run "kubeclt get pods"
      Then it fails with "unknown command "kubeclt" (did you mean "kubectl"?)"
      And nothing changed

    Scenario: Time only moves forward
      When I run "advance -5m"
      Then it fails with "the clock only moves forward"
      And nothing changed

    @B31
    Scenario: A patch of the mesh config with a bad value is rejected
      When I run "kubectl --context asm patch asmmeshconfig default --type=merge --patch='{"spec":{"enableNativeSidecar":"maybe"}}'"
      Then it fails with "The ASMMeshConfig "default" is invalid: spec.enableNativeSidecar"
      And nothing changed

  Rule: Before the mesh exists

    Scenario Outline: Invalid ASM versions are rejected, naming the expected form
      When I run "mesh create --version <version>"
      Then it fails with "invalid ASM version "<version>""
      And it fails with "1.22.2.35"
      And nothing changed

      Examples:
        | version     |
        | 1.22        |
        | 1.22.2.x    |
        | v1.22.2.35  |
        | 1.22.2.35.1 |
        | 1..2.35     |

    @B30
    Scenario: The istio profile takes Istio's own release numbers
      When I run "mesh create --profile istio --version 1.28.0"
      Then the output contains "mesh created: Istio 1.28.0 (profile istio)"

    @B30
    Scenario Outline: Istio versions that are not Istio's release numbers are rejected, naming the expected form
      When I run "mesh create --profile istio --version <version>"
      Then it fails with "invalid Istio version "<version>": <why>"
      And nothing changed

      Examples:
        | version       | why                                                                                                  |
        | 1.28.0.0      | want three dot-separated numbers like 1.28.0 (four numbers are an ASM release; drop --profile istio to model ASM) |
        | 1.28          | want three dot-separated numbers like 1.28.0                                                          |
        | v1.28.0       | major part "v1" is not a non-negative number                                                          |
        | 1.28.0-beta.1 | want three dot-separated numbers like 1.28.0                                                          |

    Scenario Outline: Invalid Kubernetes versions are rejected
      When I run "cluster create c1 --kubernetes-version <version>"
      Then it fails with "invalid Kubernetes version "<version>""
      And nothing changed

      Examples:
        | version  |
        | one.30   |
        | 1        |
        | 1.30.2.1 |

    Scenario: Every problem of a cluster is reported at once
      When I run "cluster create c1 --kubernetes-version 1 --region '' --zone ''"
      Then it fails with "invalid Kubernetes version "1""
      And it fails with "--region: must not be empty"
      And it fails with "--zone: must not be empty"
      And nothing changed

    Scenario: Console namespace commands need a mesh
      When I run "asm namespace create demo"
      Then it fails with "no mesh exists yet"
      And nothing changed
