package kubectl

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

func (k *kubectlRun) describeNamespace(cs kubernetes.Interface, ns *corev1.Namespace) string {
	w := newDescribeWriter()
	w.write(0, "Name:\t%s\n", ns.Name)
	w.labelsBlock("Labels", ns.Labels)
	w.annotationsBlock("Annotations", ns.Annotations)
	phase := ns.Status.Phase
	if phase == "" {
		phase = corev1.NamespaceActive
		if ns.DeletionTimestamp != nil {
			phase = corev1.NamespaceTerminating
		}
	}
	w.write(0, "Status:\t%s\n", phase)
	if quotas, err := cs.CoreV1().ResourceQuotas(ns.Name).List(k.ctx, metav1.ListOptions{}); err == nil {
		w.write(0, "\n")
		if len(quotas.Items) == 0 {
			w.write(0, "No resource quota.\n")
		} else {
			items := quotas.Items
			sort.Slice(items, func(i, j int) bool { return items[i].Name < items[j].Name })
			w.write(0, "Resource Quotas\n")
			for _, q := range items {
				w.write(1, "Name:\t%s\n", q.Name)
				w.write(1, "Resource\tUsed\tHard\n")
				w.write(1, "--------\t---\t---\n")
				for _, name := range kubeSortedKeys(q.Status.Hard) {
					hard := q.Status.Hard[corev1.ResourceName(name)]
					used := q.Status.Used[corev1.ResourceName(name)]
					w.write(1, "%s\t%s\t%s\n", name, used.String(), hard.String())
				}
			}
		}
	}
	if limits, err := cs.CoreV1().LimitRanges(ns.Name).List(k.ctx, metav1.ListOptions{}); err == nil {
		w.write(0, "\n")
		if len(limits.Items) == 0 {
			w.write(0, "No LimitRange resource.\n")
		} else {
			w.write(0, "Resource Limits\n Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n")
			w.write(0, " ----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n")
			for _, lr := range limits.Items {
				for _, item := range lr.Spec.Limits {
					names := map[string]bool{}
					for _, l := range []corev1.ResourceList{item.Max, item.Min, item.Default, item.DefaultRequest, item.MaxLimitRequestRatio} {
						for n := range l {
							names[string(n)] = true
						}
					}
					for _, n := range kubeSortedKeys(names) {
						cell := func(l corev1.ResourceList) string {
							if q, ok := l[corev1.ResourceName(n)]; ok {
								return q.String()
							}
							return "-"
						}
						w.write(0, " %s\t%v\t%v\t%v\t%v\t%v\t%v\n", item.Type, n, cell(item.Min), cell(item.Max), cell(item.DefaultRequest), cell(item.Default), cell(item.MaxLimitRequestRatio))
					}
				}
			}
		}
	}
	return w.String()
}
