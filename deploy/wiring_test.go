package deploy_test

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/greptime-bridge/greptime-bridge/config"
)

// The image's facts the manifests must agree with (the Dockerfile; the
// image test in .ci/image checks the image has them).
const (
	imageUser       = 65532
	imageConfigDir  = "/etc/greptime-bridge"
	imageConfigFile = "bridge.yaml"
	imageQueueDir   = "/var/lib/greptime-bridge/queue"
)

// checkWiring checks that one installable set of objects fits together and
// fits the bridge.
func checkWiring(t *testing.T, o *objects) {
	t.Helper()
	ws := o.workloads()
	if len(ws) != 1 {
		t.Fatalf("want one Deployment or StatefulSet, got %d", len(ws))
	}
	w := ws[0]
	podLabels := w.pod.Labels
	if !selects(w.selector, podLabels) {
		t.Errorf("%s %s: selector %v does not match its pod labels %v", w.kind, w.name, w.selector, podLabels)
	}
	if len(w.pod.Spec.Containers) != 1 {
		t.Fatalf("%s %s: want one container, got %d", w.kind, w.name, len(w.pod.Spec.Containers))
	}
	c := w.pod.Spec.Containers[0]

	cfgPath, env := configOf(t, o, w, c)
	cfg, err := config.Load(cfgPath, env)
	if err != nil {
		t.Fatalf("loading the ConfigMap's config: %v", err)
	}
	checkConfig(t, cfgPath, env)

	ports := map[string]corev1.ContainerPort{}
	for _, p := range c.Ports {
		ports[p.Name] = p
	}
	for name, listen := range map[string]string{"http": cfg.Listen.HTTP, "grpc": cfg.Listen.GRPC} {
		if got, want := ports[name].ContainerPort, portOf(t, listen); got != want {
			t.Errorf("container port %q is %d, the config listens on %s", name, got, listen)
		}
	}
	checkProbes(t, w, c, ports, cfgPath, env)
	checkSecurity(t, w, c)
	checkResources(t, c, cfg)
	if got, least := w.pod.Spec.TerminationGracePeriodSeconds, cfg.Pipeline.ShutdownTimeout+preStopSleep(c); got == nil || time.Duration(*got)*time.Second <= least {
		t.Errorf("terminationGracePeriodSeconds %v is not longer than the shutdown timeout plus the preStop sleep (%v)", got, least)
	}
	if a := w.pod.Spec.Affinity; a == nil || a.PodAntiAffinity == nil {
		t.Errorf("%s %s: no pod anti-affinity", w.kind, w.name)
	}
	checkServices(t, o, w, ports)
	checkScaling(t, o, w)
	checkQueue(t, w, c, cfg)
}

// checkQueue: a StatefulSet exists for its disk queue, so it acknowledges
// on queue, and a queue is only ever written to a mounted volume.
func checkQueue(t *testing.T, w workload, c corev1.Container, cfg config.Config) {
	t.Helper()
	if w.kind == "StatefulSet" && cfg.Queue.Ack != config.AckOnQueue {
		t.Errorf("StatefulSet %s: queue.ack is %q, want on_queue (the claim is for the disk queue)", w.name, cfg.Queue.Ack)
	}
	if w.kind == "Deployment" && cfg.Queue.Ack == config.AckOnQueue {
		t.Errorf("Deployment %s: ack on_queue without a persistent claim loses the queue with the pod", w.name)
	}
	mounted := false
	for _, m := range c.VolumeMounts {
		mounted = mounted || m.MountPath == cfg.Queue.Dir
	}
	if cfg.Queue.Ack == config.AckOnQueue && !mounted {
		t.Errorf("%s %s: queue.dir %s is not a mounted volume", w.kind, w.name, cfg.Queue.Dir)
	}
}

// configOf finds the config file the container reads (the ConfigMap mounted
// where the image's entrypoint looks), writes it to a temporary file, and
// returns it with the container's GREPTIME_BRIDGE_* environment, secret
// values resolved from the set's Secret.
func configOf(t *testing.T, o *objects, w workload, c corev1.Container) (string, []string) {
	t.Helper()
	var cmName string
	for _, m := range c.VolumeMounts {
		if m.MountPath != imageConfigDir {
			continue
		}
		for _, v := range w.pod.Spec.Volumes {
			if v.Name == m.Name && v.ConfigMap != nil {
				cmName = v.ConfigMap.Name
			}
		}
	}
	if cmName == "" {
		t.Fatalf("no ConfigMap is mounted at %s, where the image reads its config", imageConfigDir)
	}
	var data string
	for _, cm := range o.configMaps {
		if cm.Name == cmName {
			var ok bool
			if data, ok = cm.Data[imageConfigFile]; !ok {
				t.Fatalf("ConfigMap %s has no key %s", cmName, imageConfigFile)
			}
		}
	}
	if data == "" {
		t.Fatalf("ConfigMap %s is not in the set", cmName)
	}
	path := filepath.Join(t.TempDir(), imageConfigFile)
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, envOf(t, o, c)
}

// envOf resolves the container's environment and checks the Secret's keys:
// every secretKeyRef names a key of the Secret, every key is used, and every
// variable fed from it is one the config knows.
func envOf(t *testing.T, o *objects, c corev1.Container) []string {
	t.Helper()
	var env []string
	used := map[string]map[string]bool{}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			if used[ref.Name] == nil {
				used[ref.Name] = map[string]bool{}
			}
			used[ref.Name][ref.Key] = true
			if !strings.HasPrefix(e.Name, config.EnvPrefix) {
				t.Errorf("secret %s/%s feeds %s, which is not a %s* config variable", ref.Name, ref.Key, e.Name, config.EnvPrefix)
			}
			value := "from-an-existing-secret"
			if s := secretNamed(o, ref.Name); s != nil {
				v, ok := secretValue(s, ref.Key)
				if !ok {
					t.Errorf("env %s: Secret %s has no key %q", e.Name, ref.Name, ref.Key)
				}
				value = v
			}
			env = append(env, e.Name+"="+value)
		case e.ValueFrom == nil && strings.HasPrefix(e.Name, config.EnvPrefix):
			env = append(env, e.Name+"="+e.Value)
		}
	}
	for _, s := range o.secrets {
		for k := range keysOf(s) {
			if !used[s.Name][k] {
				t.Errorf("Secret %s: key %q is not used by the container", s.Name, k)
			}
		}
	}
	// Every variable must name a config field.
	cfg := config.Default()
	if err := config.ApplyEnv(&cfg, env); err != nil {
		t.Errorf("the container's environment: %v", err)
	}
	return env
}

func secretNamed(o *objects, name string) *corev1.Secret {
	for _, s := range o.secrets {
		if s.Name == name {
			return s
		}
	}
	return nil
}

func keysOf(s *corev1.Secret) map[string]bool {
	k := map[string]bool{}
	for n := range s.Data {
		k[n] = true
	}
	for n := range s.StringData {
		k[n] = true
	}
	return k
}

func secretValue(s *corev1.Secret, key string) (string, bool) {
	if v, ok := s.StringData[key]; ok {
		return v, true
	}
	v, ok := s.Data[key] // decoded from base64 by the API type
	return string(v), ok
}

func selects(sel *metav1.LabelSelector, labels map[string]string) bool {
	if sel == nil || len(sel.MatchExpressions) > 0 || len(sel.MatchLabels) == 0 {
		return false
	}
	return mapSubset(sel.MatchLabels, labels)
}

func mapSubset(sub, labels map[string]string) bool {
	if len(sub) == 0 {
		return false
	}
	for k, v := range sub {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func portOf(t *testing.T, addr string) int32 {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("listen address %q: %v", addr, err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatalf("listen address %q: %v", addr, err)
	}
	return int32(n)
}

func preStopSleep(c corev1.Container) time.Duration {
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Sleep != nil {
		return time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
	}
	return 0
}

// checkResources: requests and limits are set, memory is guaranteed
// (request = limit) and leaves room above the memory budget.
func checkResources(t *testing.T, c corev1.Container, cfg config.Config) {
	t.Helper()
	lim, req := c.Resources.Limits.Memory(), c.Resources.Requests.Memory()
	if lim.IsZero() || req.IsZero() || c.Resources.Requests.Cpu().IsZero() {
		t.Fatalf("container resources incomplete: %v", c.Resources)
	}
	if lim.Cmp(*req) != 0 {
		t.Errorf("memory request %v differs from the limit %v", req, lim)
	}
	// The README's memory test: the heap peaks about 100 MiB above the
	// budget; ask for at least half the budget again.
	if need := resource.NewQuantity(cfg.Limits.MemoryBudgetBytes*3/2, resource.BinarySI); lim.Cmp(*need) < 0 {
		t.Errorf("memory limit %v is below 1.5 × the memory budget (%v)", lim, need)
	}
	// The bridge derives its soft memory limit from the budget (cmd/bridge
	// memlimit.go); GOMEMLIMIT would replace it with a figure that does
	// not follow the budget (900MiB was above the derived 768 MiB).
	for _, e := range c.Env {
		if e.Name == "GOMEMLIMIT" {
			t.Errorf("the manifest sets GOMEMLIMIT=%s, replacing the limit the bridge derives from its budget", e.Value)
		}
	}
}
