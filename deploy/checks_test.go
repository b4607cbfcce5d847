package deploy_test

import (
	"bufio"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// checkConfig runs the real bridge with -check-config on the config the
// container reads, with the container's environment.
func checkConfig(t *testing.T, path string, env []string) {
	t.Helper()
	cmd := exec.Command(bridgeBin, "-config", path, "-check-config")
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "configuration is valid" {
		t.Errorf("bridge -check-config on the shipped config: %v\n%s", err, out)
	}
}

// checkProbes: liveness on /-/healthy and readiness on /-/ready, on the
// HTTP listener's port, and the real bridge answers both with 200.
func checkProbes(t *testing.T, w workload, c corev1.Container, ports map[string]corev1.ContainerPort, cfgPath string, env []string) {
	t.Helper()
	want := map[string]*corev1.Probe{"/-/healthy": c.LivenessProbe, "/-/ready": c.ReadinessProbe}
	for path, p := range want {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("%s %s: no HTTP probe for %s", w.kind, w.name, path)
			continue
		}
		if p.HTTPGet.Path != path {
			t.Errorf("probe path %s, want %s", p.HTTPGet.Path, path)
		}
		port := p.HTTPGet.Port
		if port.String() != "http" && port.IntVal != ports["http"].ContainerPort {
			t.Errorf("probe %s targets port %s, not the HTTP listener", path, port.String())
		}
	}
	httpAddr := startBridge(t, cfgPath, env)
	for path := range want {
		resp, err := http.Get("http://" + httpAddr + path)
		if err != nil {
			t.Errorf("GET %s: %v", path, err)
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s answered %d", path, resp.StatusCode)
		}
	}
}

var devHTTP = regexp.MustCompile(`OTLP/HTTP endpoint:\s+http://(\S+)`)

// startBridge starts the real bridge on the shipped config (none: the
// defaults) in -dev mode
// (an embedded test server stands in for GreptimeDB) with both listeners on
// free loopback ports, and returns its HTTP address, read from what -dev
// prints. Cleanup stops it.
func startBridge(t *testing.T, cfgPath string, env []string) string {
	t.Helper()
	args := []string{"-dev"}
	if cfgPath != "" {
		args = append(args, "-config", cfgPath)
	}
	cmd := exec.Command(bridgeBin, args...)
	cmd.Env = slices.Concat(env, []string{"GREPTIME_BRIDGE_LISTEN_HTTP=127.0.0.1:0", "GREPTIME_BRIDGE_LISTEN_GRPC=127.0.0.1:0"})
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	addr := make(chan string, 1)
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := devHTTP.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
		_ = cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	select {
	case a := <-addr:
		return a
	case <-done:
		t.Fatalf("the bridge exited before listening:\n%s", stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("the bridge did not print its addresses within 30s:\n%s", stderr.String())
	}
	return ""
}

// checkSecurity: non-root as the image's user, read-only root file system,
// no privilege escalation, the queue directory mounted.
func checkSecurity(t *testing.T, w workload, c corev1.Container) {
	t.Helper()
	ps := w.pod.Spec.SecurityContext
	if ps == nil || ps.RunAsNonRoot == nil || !*ps.RunAsNonRoot || ps.RunAsUser == nil || *ps.RunAsUser != imageUser {
		t.Errorf("pod securityContext %+v: want runAsNonRoot and runAsUser %d", ps, imageUser)
	}
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("container securityContext %+v: want a read-only root file system and no privilege escalation", sc)
	}
	mounted := false
	for _, m := range c.VolumeMounts {
		mounted = mounted || m.MountPath == imageQueueDir
	}
	if !mounted {
		t.Errorf("nothing is mounted at the image's queue volume %s", imageQueueDir)
	}
}

// checkServices: each Service selects the pods, targets named container
// ports, exposes the container's port numbers and says its protocol; a
// StatefulSet's serviceName is a headless Service of the set; Ingresses
// and ServiceMonitors point at a Service port.
func checkServices(t *testing.T, o *objects, w workload, ports map[string]corev1.ContainerPort) {
	t.Helper()
	if len(o.services) == 0 {
		t.Fatal("no Service")
	}
	svcPorts := map[string]map[string]bool{}
	for _, s := range o.services {
		if !mapSubset(s.Spec.Selector, w.pod.Labels) {
			t.Errorf("Service %s: selector %v does not match the pod labels %v", s.Name, s.Spec.Selector, w.pod.Labels)
		}
		svcPorts[s.Name] = map[string]bool{}
		for _, p := range s.Spec.Ports {
			svcPorts[s.Name][p.Name] = true
			cp, ok := ports[p.TargetPort.String()]
			if !ok {
				t.Errorf("Service %s port %s targets %s, not a named container port", s.Name, p.Name, p.TargetPort.String())
			}
			if p.Port != cp.ContainerPort {
				t.Errorf("Service %s port %s is %d, the container's is %d", s.Name, p.Name, p.Port, cp.ContainerPort)
			}
			if p.AppProtocol == nil || *p.AppProtocol == "" {
				t.Errorf("Service %s port %s: no appProtocol", s.Name, p.Name)
			}
		}
	}
	for _, ss := range o.statefulSets {
		var found bool
		for _, s := range o.services {
			found = found || (s.Name == ss.Spec.ServiceName && s.Spec.ClusterIP == corev1.ClusterIPNone)
		}
		if !found {
			t.Errorf("StatefulSet %s: serviceName %q is not a headless Service of the set", ss.Name, ss.Spec.ServiceName)
		}
		claimed := false
		for _, c := range ss.Spec.VolumeClaimTemplates {
			claimed = claimed || c.Name == "queue"
		}
		if !claimed {
			t.Errorf("StatefulSet %s: no volumeClaimTemplate for the queue", ss.Name)
		}
	}
	for _, in := range o.ingresses {
		for _, r := range in.Spec.Rules {
			for _, p := range r.HTTP.Paths {
				b := p.Backend.Service
				if b == nil || !svcPorts[b.Name][b.Port.Name] {
					t.Errorf("Ingress %s: backend %+v is not a Service port of the set", in.Name, b)
				}
			}
		}
	}
	for _, m := range o.monitors {
		matched := false
		for _, s := range o.services {
			if mapSubset(m.Spec.Selector.MatchLabels, s.Labels) {
				matched = true
				for _, e := range m.Spec.Endpoints {
					if !svcPorts[s.Name][e.Port] || e.Path != "/metrics" {
						t.Errorf("ServiceMonitor %s: endpoint %+v is not the Service's /metrics port", m.Name, e)
					}
				}
			}
		}
		if !matched {
			t.Errorf("ServiceMonitor %s selects no Service of the set", m.Name)
		}
	}
}

// checkScaling: the HorizontalPodAutoscaler targets the workload on CPU
// and alone sets its replicas; the PodDisruptionBudget selects its pods.
func checkScaling(t *testing.T, o *objects, w workload) {
	t.Helper()
	for _, h := range o.hpas {
		ref := h.Spec.ScaleTargetRef
		if ref.Kind != w.kind || ref.Name != w.name || ref.APIVersion != "apps/v1" {
			t.Errorf("HorizontalPodAutoscaler %s targets %+v, not %s %s", h.Name, ref, w.kind, w.name)
		}
		if w.replicas != nil {
			t.Errorf("%s %s sets replicas beside HorizontalPodAutoscaler %s: every apply would reset the count", w.kind, w.name, h.Name)
		}
		if len(h.Spec.Metrics) == 0 || h.Spec.Metrics[0].Resource == nil || h.Spec.Metrics[0].Resource.Name != corev1.ResourceCPU {
			t.Errorf("HorizontalPodAutoscaler %s does not scale on CPU", h.Name)
		}
	}
	for _, p := range o.pdbs {
		if !selects(p.Spec.Selector, w.pod.Labels) {
			t.Errorf("PodDisruptionBudget %s does not select the pods", p.Name)
		}
	}
}
