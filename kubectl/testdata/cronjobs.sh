# CronJobs: fire on the virtual clock, history limits, create job --from.
mesh create
cluster create c1
mesh add-cluster c1
kubectl apply -f - <<EOF
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
spec:
  schedule: "@hourly"
  successfulJobsHistoryLimit: 1
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: report
            image: busybox
EOF
kubectl get cj
advance 1h
kubectl get cj -o wide
kubectl get jobs
advance 2h
kubectl get cronjob,jobs
kubectl describe cronjob report
kubectl describe job report-29453880
kubectl create job now --from=cronjob/report
kubectl create job now --from=cronjob/report
kubectl create job other --from=cronjob/report --image busybox
kubectl create job other --from=cronjob/report -- echo hi
kubectl get all
kubectl delete cj report
kubectl get jobs
