package deploy_test

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"sigs.k8s.io/yaml"

	"github.com/greptime-bridge/greptime-bridge/config"
)

const composeDir = "compose"

// TestCompose loads deploy/compose/docker-compose.yaml with compose-go
// (the compose specification's schema rejects unknown fields), checks that
// every bind-mounted file exists, that ports and URLs agree with the
// bridge's config, that the bridge's config passes -check-config, and that
// the Prometheus and Collector configs load with the real programs.
func TestCompose(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	abs, err := filepath.Abs(composeDir)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := cli.NewProjectOptions([]string{filepath.Join(abs, "docker-compose.yaml")},
		cli.WithWorkingDirectory(abs), cli.WithEnv(nil), cli.WithResolvedPaths(true))
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(ctx)
	if err != nil {
		t.Fatalf("compose file: %v", err)
	}
	for _, name := range []string{"greptimedb", "bridge", "prometheus", "otel-collector"} {
		if _, err := p.GetService(name); err != nil {
			t.Errorf("service %s: %v", name, err)
		}
	}
	mounts := map[string]string{} // target → source of bind mounts
	for _, s := range p.Services {
		for _, v := range s.Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			if _, err := os.Stat(v.Source); err != nil {
				t.Errorf("service %s mounts %s: %v", s.Name, v.Source, err)
			}
			mounts[s.Name+":"+v.Target] = v.Source
		}
	}

	bridge, _ := p.GetService("bridge")
	if bridge.Build == nil || filepath.Clean(bridge.Build.Context) != filepath.Clean(filepath.Join(abs, "..", "..")) {
		t.Errorf("the bridge is not built from the repository root: %+v", bridge.Build)
	}
	cfgPath := mounts["bridge:"+imageConfigDir+"/"+imageConfigFile]
	if cfgPath == "" {
		t.Fatalf("no config is mounted where the image reads it (%s/%s)", imageConfigDir, imageConfigFile)
	}
	checkConfig(t, cfgPath, nil)
	cfg, err := config.Load(cfgPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The compose file keeps the bridge's default ports, the ones senders'
	// documentation names.
	if def := config.Default().Listen; cfg.Listen.HTTP != def.HTTP || cfg.Listen.GRPC != def.GRPC {
		t.Errorf("the compose bridge listens on %s and %s, not the defaults %s and %s", cfg.Listen.HTTP, cfg.Listen.GRPC, def.HTTP, def.GRPC)
	}
	// Published ports are the container's listen ports.
	published := map[uint32]bool{}
	for _, port := range bridge.Ports {
		published[port.Target] = true
		if port.HostIP != "127.0.0.1" {
			t.Errorf("bridge port %d is published on %q, not 127.0.0.1", port.Target, port.HostIP)
		}
	}
	for _, l := range []string{cfg.Listen.HTTP, cfg.Listen.GRPC} {
		if !published[uint32(portOf(t, l))] {
			t.Errorf("the bridge listens on %s but compose does not publish it", l)
		}
	}
	// The bridge's endpoint is the greptimedb service's gRPC port.
	gdb, _ := p.GetService("greptimedb")
	if len(cfg.GreptimeDB.Endpoints) != 1 || cfg.GreptimeDB.Endpoints[0] != "greptimedb:4001" ||
		!strings.Contains(strings.Join(gdb.Command, " "), "--rpc-bind-addr=0.0.0.0:4001") {
		t.Errorf("bridge endpoints %v do not reach the greptimedb service (%v)", cfg.GreptimeDB.Endpoints, gdb.Command)
	}
	bridgeHTTP := "bridge:" + strings.TrimPrefix(cfg.Listen.HTTP, ":")

	checkPrometheus(t, mounts["prometheus:/etc/prometheus/prometheus.yml"], bridgeHTTP)
	checkCollector(t, mounts["otel-collector:/etc/otelcol/config.yaml"], bridgeHTTP)
}

// checkPrometheus: remote_write goes to the bridge's remote-write path, and
// the real promtool accepts the file.
func checkPrometheus(t *testing.T, path, bridgeHTTP string) {
	t.Helper()
	if path == "" {
		t.Fatal("no Prometheus config is mounted")
	}
	var pc struct {
		RemoteWrite []struct {
			URL string `json:"url"`
		} `json:"remote_write"`
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &pc); err != nil {
		t.Fatal(err)
	}
	if len(pc.RemoteWrite) != 1 || pc.RemoteWrite[0].URL != "http://"+bridgeHTTP+"/api/v1/write" {
		t.Errorf("Prometheus remote_write %+v, want http://%s/api/v1/write", pc.RemoteWrite, bridgeHTTP)
	}
	promtool := tool(t, "promtool", "PROMTOOL")
	if out, err := exec.Command(promtool, "check", "config", path).CombinedOutput(); err != nil {
		t.Errorf("promtool check config: %v\n%s", err, out)
	}
}

// checkCollector: every otlp_http exporter targets the bridge, and the
// ocb-built Collector validates the file.
func checkCollector(t *testing.T, path, bridgeHTTP string) {
	t.Helper()
	if path == "" {
		t.Fatal("no Collector config is mounted")
	}
	var cc struct {
		Exporters map[string]struct {
			Endpoint string `json:"endpoint"`
		} `json:"exporters"`
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &cc); err != nil {
		t.Fatal(err)
	}
	n := 0
	for name, e := range cc.Exporters {
		if strings.HasPrefix(name, "otlp_http") {
			n++
			if u, err := url.Parse(e.Endpoint); err != nil || u.Host != bridgeHTTP {
				t.Errorf("exporter %s endpoint %q is not the bridge (%s)", name, e.Endpoint, bridgeHTTP)
			}
		}
	}
	if n == 0 {
		t.Error("no otlp_http exporter to the bridge")
	}
	otelcol := tool(t, "otelcol-e2e", "OTELCOL", filepath.Join(e2eCache(), "otelcol"))
	if out, err := exec.Command(otelcol, "validate", "--config", path).CombinedOutput(); err != nil {
		t.Errorf("otelcol validate: %v\n%s", err, out)
	}
}
