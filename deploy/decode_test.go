package deploy_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// serviceMonitor is the part of the Prometheus Operator's ServiceMonitor
// (monitoring.coreos.com/v1) the manifests use; decoding is strict, so a
// field outside it fails until it is added here.
type serviceMonitor struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		Selector  metav1.LabelSelector `json:"selector"`
		Endpoints []struct {
			Port     string `json:"port"`
			Path     string `json:"path"`
			Interval string `json:"interval"`
		} `json:"endpoints"`
	} `json:"spec"`
}

// objects is one installable set of decoded manifests.
type objects struct {
	configMaps   []*corev1.ConfigMap
	secrets      []*corev1.Secret
	services     []*corev1.Service
	deployments  []*appsv1.Deployment
	statefulSets []*appsv1.StatefulSet
	pdbs         []*policyv1.PodDisruptionBudget
	hpas         []*autoscalingv2.HorizontalPodAutoscaler
	ingresses    []*networkingv1.Ingress
	monitors     []*serviceMonitor
}

var docSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// decodeInto splits a YAML stream into documents and decodes each one
// strictly (unknown or duplicate fields fail) into the API type its
// apiVersion and kind name; an unknown kind fails too.
func (o *objects) decodeInto(name string, data []byte) error {
	for i, doc := range docSeparator.Split(string(data), -1) {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
			return fmt.Errorf("%s document %d: %w", name, i, err)
		}
		var target any
		switch tm.APIVersion + " " + tm.Kind {
		case "v1 ConfigMap":
			v := &corev1.ConfigMap{}
			o.configMaps, target = append(o.configMaps, v), v
		case "v1 Secret":
			v := &corev1.Secret{}
			o.secrets, target = append(o.secrets, v), v
		case "v1 Service":
			v := &corev1.Service{}
			o.services, target = append(o.services, v), v
		case "apps/v1 Deployment":
			v := &appsv1.Deployment{}
			o.deployments, target = append(o.deployments, v), v
		case "apps/v1 StatefulSet":
			v := &appsv1.StatefulSet{}
			o.statefulSets, target = append(o.statefulSets, v), v
		case "policy/v1 PodDisruptionBudget":
			v := &policyv1.PodDisruptionBudget{}
			o.pdbs, target = append(o.pdbs, v), v
		case "autoscaling/v2 HorizontalPodAutoscaler":
			v := &autoscalingv2.HorizontalPodAutoscaler{}
			o.hpas, target = append(o.hpas, v), v
		case "networking.k8s.io/v1 Ingress":
			v := &networkingv1.Ingress{}
			o.ingresses, target = append(o.ingresses, v), v
		case "monitoring.coreos.com/v1 ServiceMonitor":
			v := &serviceMonitor{}
			o.monitors, target = append(o.monitors, v), v
		default:
			return fmt.Errorf("%s document %d: unexpected apiVersion %q kind %q", name, i, tm.APIVersion, tm.Kind)
		}
		if err := yaml.UnmarshalStrict([]byte(doc), target); err != nil {
			return fmt.Errorf("%s document %d (%s): %w", name, i, tm.Kind, err)
		}
	}
	return nil
}

func stripComments(doc string) string {
	var b bytes.Buffer
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// workload is what the checks need from a Deployment or a StatefulSet.
type workload struct {
	kind, name string
	replicas   *int32
	selector   *metav1.LabelSelector
	pod        corev1.PodTemplateSpec
}

func (o *objects) workloads() []workload {
	var w []workload
	for _, d := range o.deployments {
		w = append(w, workload{"Deployment", d.Name, d.Spec.Replicas, d.Spec.Selector, d.Spec.Template})
	}
	for _, s := range o.statefulSets {
		w = append(w, workload{"StatefulSet", s.Name, s.Spec.Replicas, s.Spec.Selector, s.Spec.Template})
	}
	return w
}
