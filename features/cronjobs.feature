Feature: CronJobs fire on the virtual clock
  `advance` stops the clock at each scheduled time; the CronJob
  controller then creates the Job <cronjob>-<scheduled minutes since the
  epoch>, whose pod passes the same admission chain as any other.

  Background:
    Given the commands:
      """
      mesh create --version 1.22.2.35
      cluster create c1 --kubernetes-version 1.30
      mesh add-cluster c1
      kubectl label namespace default istio-injection=enabled
      """

  @B37 @virtual-clock
  Scenario: a CronJob creates a Job at each scheduled time, keeps three successful ones, and its pods are injected
    When I run:
      """
      kubectl apply -f - <<EOF
      apiVersion: batch/v1
      kind: CronJob
      metadata:
        name: report
      spec:
        schedule: "*/5 * * * *"
        jobTemplate:
          spec:
            template:
              spec:
                restartPolicy: Never
                containers:
                - name: report
                  image: busybox
      EOF
      advance 5m
      kubectl get cronjobs,jobs,pods
      """
    Then the output is:
      """
      cronjob.batch/report created
      NAME                   SCHEDULE      TIMEZONE   SUSPEND   ACTIVE   LAST SCHEDULE   AGE
      cronjob.batch/report   */5 * * * *   <none>     False     1        0s              5m

      NAME                        STATUS    COMPLETIONS   DURATION   AGE
      job.batch/report-29453765   Running   0/1           0s         0s

      NAME                        READY   STATUS     RESTARTS   AGE
      pod/report-29453765-*       0/2     Init:0/2   0          0s
      """
    When the clock advances by 25m
    And I run "kubectl get cronjob report -o jsonpath='{.status.lastScheduleTime}'"
    Then the output is:
      """
      2026-01-01T00:30:00Z
      """
    When I run "kubectl get events --field-selector reason=SuccessfulDelete"
    Then the output contains:
      """
      *   Normal   SuccessfulDelete   cronjob/report   Deleted job report-29453765
      *   Normal   SuccessfulDelete   cronjob/report   Deleted job report-29453770
      """

  @B37 @virtual-clock
  Scenario: with a traditional sidecar a CronJob's Job never completes, and concurrencyPolicy Forbid skips every later run
    When I run:
      """
      kubectl apply -f - <<EOF
      apiVersion: batch/v1
      kind: CronJob
      metadata:
        name: backup
      spec:
        schedule: "@hourly"
        concurrencyPolicy: Forbid
        jobTemplate:
          spec:
            template:
              metadata:
                annotations:
                  sidecar.istio.io/nativeSidecar: "false"
              spec:
                restartPolicy: Never
                containers:
                - name: backup
                  image: busybox
      EOF
      advance 3h
      kubectl get jobs
      """
    Then the output is:
      """
      cronjob.batch/backup created
      NAME                STATUS    COMPLETIONS   DURATION   AGE
      backup-29453820   Running   0/1           120m       120m
      """
    When I run "kubectl get events --field-selector reason=JobAlreadyActive"
    Then the output contains "Not starting job because prior execution is running and concurrency policy is Forbid"

  @B37
  Scenario: kubectl create job --from=cronjob runs a CronJob now, as kubectl builds it
    Given the commands:
      """
      kubectl apply -f - <<EOF
      apiVersion: batch/v1
      kind: CronJob
      metadata:
        name: report
      spec:
        schedule: "0 3 * * *"
        jobTemplate:
          spec:
            template:
              spec:
                restartPolicy: Never
                containers:
                - name: report
                  image: busybox
      EOF
      """
    When I run:
      """
      kubectl create job report-now --from=cronjob/report
      kubectl get job report-now -o jsonpath='{.metadata.annotations.cronjob\.kubernetes\.io/instantiate} {.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}{"\n"}'
      """
    Then the output is:
      """
      job.batch/report-now created
      manual CronJob/report
      """
    # kubectl deletes in the background: the garbage collector then
    # deletes the Job the CronJob owns.
    When I run "kubectl delete cronjob report"
    And the clock advances by 10s
    And I run "kubectl get jobs"
    Then the output is:
      """
      """

  @B37
  Scenario: a bad schedule and a missing CronJob are refused, and nothing changes
    When I run:
      """
      kubectl apply -f - <<EOF
      apiVersion: batch/v1
      kind: CronJob
      metadata:
        name: bad
      spec:
        schedule: "every five minutes"
        jobTemplate:
          spec:
            template:
              spec:
                restartPolicy: Never
                containers:
                - name: c
                  image: busybox
      EOF
      """
    Then it fails with "The CronJob "bad" is invalid: spec.schedule: Invalid value: "every five minutes": expected exactly 5 fields, found 3: [every five minutes]"
    And nothing changed
    When I run "kubectl create job x --from=cronjob/none"
    Then it fails with "Error from server (NotFound): cronjobs.batch "none" not found"
    And nothing changed
