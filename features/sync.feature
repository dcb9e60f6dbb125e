Feature: Sync between the instance and its clusters, and homing clusters
  "Sync from cluster" copies a cluster's namespaces and injection labels to
  the instance; "sync to clusters" copies the instance's to the clusters
  each namespace belongs to (its homing clusters). Neither ever deletes.

  Rule: ASM 1.22 with two clusters

    Background:
      Given the commands:
        """
        mesh create --version 1.22.2.35
        cluster create c1 --kubernetes-version 1.30 --region cn-beijing --zone i
        cluster create c2 --kubernetes-version 1.30 --region cn-hangzhou --zone k
        mesh add-cluster c1
        mesh add-cluster c2
        """

    @B22 @B25
    Scenario: A dry run shows the plan of a sync from a cluster and changes nothing
      Given the commands:
        """
        kubectl --context c1 create namespace shop
        kubectl --context c1 label namespace shop istio-injection=enabled team=payments
        advance 10s
        """
      When I run "asm sync from-cluster c1 --dry-run"
      Then the output is:
        """
        (dry run) asm: create namespace shop (istio-injection=enabled)
        (dry run) asm: set homing of namespace shop to c1
        """
      And nothing changed

    @B22
    Scenario: Sync from a cluster creates the namespaces the instance lacks, with the injection labels only
      Given the commands:
        """
        kubectl --context c1 create namespace shop
        kubectl --context c1 label namespace shop istio-injection=enabled team=payments
        """
      When I run "asm sync from-cluster c1"
      Then the output is:
        """
        asm: create namespace shop (istio-injection=enabled)
        asm: set homing of namespace shop to c1
        """
      When I run "kubectl --context asm get namespace shop --show-labels"
      Then the "LABELS" column for "shop" is "istio-injection=enabled,kubernetes.io/metadata.name=shop"

    @B22
    Scenario: Sync from a cluster copies istio-injection and istio.io/rev onto existing instance namespaces
      Given the commands:
        """
        kubectl --context c1 create namespace shop
        kubectl --context c1 label namespace shop istio-injection=enabled
        kubectl --context c1 create namespace blue
        kubectl --context c1 label namespace blue istio.io/rev=canary
        asm namespace create shop --label istio-injection=disabled
        asm namespace create blue
        """
      When I run "asm sync from-cluster c1"
      Then it succeeds
      When I run "kubectl --context asm get namespace shop blue --show-labels"
      Then the "LABELS" column for "shop" is "istio-injection=enabled,kubernetes.io/metadata.name=shop"
      And the "LABELS" column for "blue" is "istio.io/rev=canary,kubernetes.io/metadata.name=blue"

    @B22
    Scenario: A label the cluster lacks leaves the instance's value alone; other labels are never copied
      Given the commands:
        """
        kubectl --context c1 create namespace shop
        kubectl --context c1 label namespace shop istio-injection=enabled team=payments
        asm namespace create shop --label istio.io/rev=canary --label env=prod
        """
      When I run "asm sync from-cluster c1"
      Then it succeeds
      When I run "kubectl --context asm get namespace shop --show-labels"
      Then the "LABELS" column for "shop" is "env=prod,istio-injection=enabled,istio.io/rev=canary,kubernetes.io/metadata.name=shop"

    @B23
    Scenario: Sync to the clusters creates missing namespaces with the injection labels and provider=asm
      Given the commands:
        """
        asm namespace create shop --label istio-injection=enabled --label team=payments
        advance 10s
        """
      When I run "asm sync to-clusters --dry-run"
      Then the output contains:
        """
        (dry run) cluster c1: create namespace shop (istio-injection=enabled, provider=asm)
        (dry run) cluster c2: create namespace shop (istio-injection=enabled, provider=asm)
        """
      And nothing changed
      When I run "asm sync to-clusters"
      Then it succeeds
      When I run "kubectl --context c1 get namespace shop --show-labels"
      Then the "LABELS" column for "shop" is "istio-injection=enabled,kubernetes.io/metadata.name=shop,provider=asm"
      When I run "kubectl --context c2 get namespace shop --show-labels"
      Then the "LABELS" column for "shop" is "istio-injection=enabled,kubernetes.io/metadata.name=shop,provider=asm"

    @B23
    Scenario: Sync to the clusters relabels existing namespaces and leaves their other labels
      Given the commands:
        """
        kubectl --context c1 create namespace shop
        kubectl --context c1 label namespace shop istio-injection=disabled team=payments
        asm namespace create shop --label istio-injection=enabled --label env=prod
        """
      When I run "asm sync to-clusters"
      Then it succeeds
      When I run "kubectl --context c1 get namespace shop --show-labels"
      Then the "LABELS" column for "shop" is "istio-injection=enabled,kubernetes.io/metadata.name=shop,provider=asm,team=payments"

    @B23 @B28
    Scenario: Sync to the clusters never removes a label the instance lacks, so no sidecar is lost
      Given the commands:
        """
        kubectl --context c1 create namespace shop
        kubectl --context c1 label namespace shop istio-injection=enabled
        asm namespace create shop
        """
      When I run "asm sync to-clusters --dry-run"
      Then the output is:
        """
        (dry run) cluster c2: create namespace shop (provider=asm)
        """
      When I run "asm sync to-clusters"
      Then it succeeds
      When I run "kubectl --context c1 get namespace shop --show-labels"
      Then the "LABELS" column for "shop" is "istio-injection=enabled,kubernetes.io/metadata.name=shop"
      When I run:
        """
        kubectl --context c1 run web -n shop --image nginx
        advance 1m
        kubectl --context c1 get pod web -n shop
        """
      Then the "READY" column for "web" is "2/2"

    @B24 @B26
    Scenario: A namespace homed on one cluster is synced to that cluster only
      Given the commands:
        """
        asm namespace create shop --label istio-injection=enabled
        """
      When I run "asm namespace set-homing shop --clusters c1"
      Then it succeeds
      When I run "asm sync to-clusters"
      Then it succeeds
      When I run "kubectl --context c1 get namespace shop --show-labels"
      Then the "LABELS" column for "shop" is "istio-injection=enabled,kubernetes.io/metadata.name=shop,provider=asm"
      When I run "kubectl --context c2 get namespace shop"
      Then it fails with "Error from server (NotFound): namespaces "shop" not found"

    @B24 @B06
    Scenario: Enabling injection pushes only to the namespace's homing clusters
      Given the commands:
        """
        kubectl --context c1 create namespace shop
        kubectl --context c2 create namespace shop
        asm namespace create shop
        asm namespace set-homing shop --clusters c2
        """
      When I run "asm namespace enable-injection shop"
      Then it succeeds
      When I run "kubectl --context c2 get namespace shop --show-labels"
      Then the "LABELS" column for "shop" is "istio-injection=enabled,kubernetes.io/metadata.name=shop,provider=asm"
      When I run "kubectl --context c1 get namespace shop --show-labels"
      Then the "LABELS" column for "shop" is "kubernetes.io/metadata.name=shop"

    @B24
    Scenario: A namespace without homing belongs to every cluster of the mesh
      Given the commands:
        """
        asm namespace create shop --label istio-injection=enabled
        """
      When I run "asm namespace list"
      Then the output contains:
        """
        shop   *   enabled   <all>   Disable Automatic Sidecar Injection
        """
      When I run "asm sync to-clusters"
      Then the output contains:
        """
        cluster c1: create namespace shop (istio-injection=enabled, provider=asm)
        cluster c2: create namespace shop (istio-injection=enabled, provider=asm)
        """

    @B25
    Scenario: Sync from a cluster adds it to the homing clusters of every namespace it has
      Given the commands:
        """
        kubectl --context c1 create namespace shop
        asm namespace create shop
        asm namespace set-homing shop --clusters c2
        """
      When I run "asm sync from-cluster c1"
      Then the output contains "asm: set homing of namespace shop to c1,c2"
      When I run "asm namespace list"
      Then the output contains:
        """
        shop   *   -   c1,c2   Enable Automatic Sidecar Injection
        """

    @B26
    Scenario: Homing clusters are edited by hand, one or more at a time
      Given the commands:
        """
        asm namespace create shop
        """
      When I run "asm namespace set-homing shop --clusters c1,c2"
      Then it succeeds
      When I run "asm namespace list"
      Then the output contains:
        """
        shop   *   -   c1,c2   Enable Automatic Sidecar Injection
        """
      When I run "asm namespace set-homing shop --clusters c2"
      Then it succeeds
      When I run "asm namespace list"
      Then the output contains:
        """
        shop   *   -   c2   Enable Automatic Sidecar Injection
        """

    @B26 @validation
    Scenario: Homing on a cluster outside the mesh is rejected
      Given the commands:
        """
        cluster create c3 --kubernetes-version 1.30 --region cn-beijing --zone i
        asm namespace create shop
        advance 10s
        """
      When I run "asm namespace set-homing shop --clusters c1,c3"
      Then it fails with "cluster "c3" is not part of the mesh (members: c1, c2)"
      And nothing changed

    @B27
    Scenario: Deleting an instance namespace deletes nothing in the clusters, nor does a later sync
      Given the commands:
        """
        asm namespace create shop --label istio-injection=enabled
        asm sync to-clusters
        """
      When I run:
        """
        asm namespace delete shop
        advance 1m
        asm sync to-clusters
        """
      Then it succeeds
      When I run "kubectl --context c1 get namespace shop --show-labels"
      Then the "LABELS" column for "shop" is "istio-injection=enabled,kubernetes.io/metadata.name=shop,provider=asm"
      When I run "kubectl --context c2 get namespace shop"
      Then the "STATUS" column for "shop" is "Active"
      When I run "kubectl --context asm get namespace shop"
      Then it fails with "Error from server (NotFound): namespaces "shop" not found"

    @B27
    Scenario: A sync to the clusters after a delete plans no deletion
      Given the commands:
        """
        asm namespace create shop --label istio-injection=enabled
        asm sync to-clusters
        asm namespace delete shop
        advance 1m
        """
      When I run "asm sync to-clusters --dry-run"
      Then the output is:
        """
        (dry run) no changes
        """
      And nothing changed

    @B28
    Scenario: Sync from a cluster and back to the clusters reaches a fixpoint
      Given the commands:
        """
        kubectl --context c1 create namespace shop
        kubectl --context c1 label namespace shop istio-injection=enabled team=payments
        kubectl --context c2 create namespace blue
        kubectl --context c2 label namespace blue istio.io/rev=canary
        asm namespace create legacy --label istio-injection=disabled --label env=old
        advance 10s
        """
      When I run:
        """
        asm sync from-cluster c1
        asm sync to-clusters
        """
      Then it succeeds
      When I run "asm sync from-cluster c1"
      Then the output is:
        """
        no changes
        """
      And nothing changed
      When I run "asm sync to-clusters"
      Then the output is:
        """
        no changes
        """
      And nothing changed
      When I run "kubectl --context c1 get namespace shop --show-labels"
      Then the "LABELS" column for "shop" is "istio-injection=enabled,kubernetes.io/metadata.name=shop,team=payments"
      When I run "kubectl --context c2 get namespace blue --show-labels"
      Then the "LABELS" column for "blue" is "istio.io/rev=canary,kubernetes.io/metadata.name=blue"

    @B28
    Scenario: Syncs are idempotent in both directions
      Given the commands:
        """
        kubectl --context c1 create namespace shop
        kubectl --context c1 label namespace shop istio-injection=enabled
        asm namespace create blue --label istio.io/rev=canary
        asm sync from-cluster c1
        advance 10s
        """
      When I run "asm sync from-cluster c1"
      Then the output is:
        """
        no changes
        """
      And nothing changed
      Given the commands:
        """
        asm sync to-clusters
        """
      When I run "asm sync to-clusters"
      Then the output is:
        """
        no changes
        """
      And nothing changed

  Rule: Homing clusters need ASM 1.17.2.37 or later

    @B24 @validation
    Scenario: Editing homing on ASM 1.17.2.36 is rejected with the version in the error
      Given the commands:
        """
        mesh create --version 1.17.2.36
        cluster create c1 --kubernetes-version 1.30 --region cn-beijing --zone i
        mesh add-cluster c1
        asm namespace create shop
        advance 10s
        """
      When I run "asm namespace set-homing shop --clusters c1"
      Then it fails with "homing clusters need ASM 1.17.2.37 or later; this instance is 1.17.2.36"
      And nothing changed

    @B24
    Scenario: Editing homing works from ASM 1.17.2.37
      Given the commands:
        """
        mesh create --version 1.17.2.37
        cluster create c1 --kubernetes-version 1.30 --region cn-beijing --zone i
        mesh add-cluster c1
        asm namespace create shop
        """
      When I run "asm namespace set-homing shop --clusters c1"
      Then it succeeds
      When I run "asm namespace list"
      Then the output contains:
        """
        shop   *   -   c1   Enable Automatic Sidecar Injection
        """

    @B24 @B25
    Scenario: Before 1.17.2.37 sync from a cluster does not touch homing
      Given the commands:
        """
        mesh create --version 1.17.2.36
        cluster create c1 --kubernetes-version 1.30 --region cn-beijing --zone i
        mesh add-cluster c1
        kubectl create namespace shop
        """
      When I run "asm sync from-cluster c1 --dry-run"
      Then the output contains "(dry run) asm: create namespace shop"
      And the output does not contain "homing"

    @B01 @B06 @B22
    Scenario: A namespace that a sync from a cluster only created in the instance is not pushed to the other clusters
      Before 1.17.2.37 a namespace has no homing, so it belongs to every
      cluster; creating it in the instance still reaches none of them.
      Given the commands:
        """
        mesh create --version 1.17.2.36
        cluster create c1 --kubernetes-version 1.30 --region cn-beijing --zone i
        cluster create c2 --kubernetes-version 1.30 --region cn-hangzhou --zone k
        mesh add-cluster c1
        mesh add-cluster c2
        kubectl --context c1 create namespace shop
        kubectl --context c1 label namespace shop istio-injection=enabled
        kubectl --context c2 create namespace shop
        kubectl --context c2 label namespace shop istio-injection=disabled
        """
      When I run "asm sync from-cluster c1"
      Then the output is:
        """
        asm: create namespace shop (istio-injection=enabled)
        """
      When I run "kubectl --context c2 get namespace shop --show-labels"
      Then the "LABELS" column for "shop" is "istio-injection=disabled,kubernetes.io/metadata.name=shop"
