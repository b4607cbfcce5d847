package deploy_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

const chartDir = "helm/greptime-bridge"

// helmCases are the values the chart is linted and rendered with: the
// defaults and each optional feature switched on.
var helmCases = []struct {
	name   string
	values string
	check  func(t *testing.T, o *objects)
}{
	{"defaults", ``, func(t *testing.T, o *objects) {
		want(t, "Deployment", len(o.deployments), 1)
		want(t, "HorizontalPodAutoscaler", len(o.hpas), 1)
		want(t, "PodDisruptionBudget", len(o.pdbs), 1)
		want(t, "Secret", len(o.secrets), 1)
		want(t, "Ingress", len(o.ingresses), 0)
		want(t, "ServiceMonitor", len(o.monitors), 0)
	}},
	{"persistence", "persistence: {enabled: true, storageClassName: fast, size: 20Gi}\n", func(t *testing.T, o *objects) {
		want(t, "StatefulSet", len(o.statefulSets), 1)
		want(t, "Deployment", len(o.deployments), 0)
		if c := o.statefulSets[0].Spec.VolumeClaimTemplates[0]; *c.Spec.StorageClassName != "fast" || c.Spec.Resources.Requests.Storage().String() != "20Gi" {
			t.Errorf("claim template %+v", c.Spec)
		}
	}},
	{"servicemonitor", "serviceMonitor: {enabled: true, labels: {release: prom}}\n", func(t *testing.T, o *objects) {
		want(t, "ServiceMonitor", len(o.monitors), 1)
	}},
	{"ingress", "ingress: {enabled: true, className: nginx, tls: [{hosts: [bridge.example.com], secretName: bridge-tls}]}\n", func(t *testing.T, o *objects) {
		want(t, "Ingress", len(o.ingresses), 1)
	}},
	{"fixed replicas", "autoscaling: {enabled: false}\nreplicaCount: 3\npodDisruptionBudget: {enabled: false}\n", func(t *testing.T, o *objects) {
		want(t, "HorizontalPodAutoscaler", len(o.hpas), 0)
		want(t, "PodDisruptionBudget", len(o.pdbs), 0)
		if r := o.deployments[0].Spec.Replicas; r == nil || *r != 3 {
			t.Errorf("replicas %v, want 3", r)
		}
	}},
	{"existing secret", "greptimedb: {existingSecret: greptimedb-credentials, usernameKey: user, passwordKey: pass}\n", func(t *testing.T, o *objects) {
		want(t, "Secret", len(o.secrets), 0)
		env := o.deployments[0].Spec.Template.Spec.Containers[0].Env
		if ref := env[1].ValueFrom.SecretKeyRef; ref.Name != "greptimedb-credentials" || ref.Key != "pass" {
			t.Errorf("password from %+v", ref)
		}
	}},
	{"everything", `persistence: {enabled: true}
serviceMonitor: {enabled: true}
ingress: {enabled: true}
greptimedb: {username: bridge, password: s3cret}
config:
  listen: {http: ":9090", grpc: "0.0.0.0:9091"}
  pipeline: {shutdown_timeout: 20s}
extraEnv:
  - {name: GREPTIME_BRIDGE_LOG_LEVEL, value: debug}
nodeSelector: {kubernetes.io/os: linux}
tolerations: [{key: dedicated, operator: Equal, value: telemetry, effect: NoSchedule}]
affinity:
  podAntiAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      - topologyKey: kubernetes.io/hostname
        labelSelector: {matchLabels: {app.kubernetes.io/name: greptime-bridge}}
podAnnotations: {example.com/team: telemetry}
`, func(t *testing.T, o *objects) {
		want(t, "StatefulSet", len(o.statefulSets), 1)
		want(t, "Ingress", len(o.ingresses), 1)
		want(t, "ServiceMonitor", len(o.monitors), 1)
		spec := o.statefulSets[0].Spec.Template.Spec
		if spec.NodeSelector["kubernetes.io/os"] != "linux" || len(spec.Tolerations) != 1 ||
			len(spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution) != 1 {
			t.Errorf("nodeSelector, tolerations or affinity not applied: %+v", spec)
		}
	}},
}

func want(t *testing.T, what string, got, n int) {
	t.Helper()
	if got != n {
		t.Errorf("%d %s, want %d", got, what, n)
	}
}

// TestHelmChart lints the chart with --strict and renders it with each set
// of values, then decodes and checks what it renders as the plain
// manifests are checked.
func TestHelmChart(t *testing.T) {
	helm := tool(t, "helm", "HELM")
	// helm keeps its cache and config under HOME; keep them out of the
	// user's.
	home := t.TempDir()
	for _, c := range helmCases {
		t.Run(c.name, func(t *testing.T) {
			values := filepath.Join(t.TempDir(), "values.yaml")
			if err := os.WriteFile(values, []byte(c.values), 0o600); err != nil {
				t.Fatal(err)
			}
			runHelm(t, home, helm, "lint", "--strict", chartDir, "-f", values)
			out := runHelm(t, home, helm, "template", "greptime-bridge", chartDir, "--namespace", "telemetry", "-f", values)
			o := &objects{}
			if err := o.decodeInto("helm template", out); err != nil {
				t.Fatal(err)
			}
			checkWiring(t, o)
			c.check(t, o)
		})
	}
}

func runHelm(t *testing.T, home, helm string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(helm, args...)
	cmd.Env = append(os.Environ(), "HOME="+home, "HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"), "HELM_DATA_HOME="+filepath.Join(home, "data"))
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			stderr = ee.Stderr
		}
		t.Fatalf("helm %v: %v\n%s\n%s", args, err, out, stderr)
	}
	return out
}
