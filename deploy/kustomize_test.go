package deploy_test

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// kustomization is the part of kustomize's Kustomization and Component the
// layout uses; decoding is strict.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
	Components []string `json:"components"`
}

// resolveKustomization collects the manifest files a kustomization
// directory includes, as kustomize would: resources (files, or directories
// with their own kustomization.yaml) then components. seen records every
// file reached.
func resolveKustomization(t *testing.T, dir string, seen map[string]bool) []string {
	t.Helper()
	path := filepath.Join(dir, "kustomization.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	seen[path] = true
	var k kustomization
	if err := yaml.UnmarshalStrict(data, &k); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	switch k.APIVersion + " " + k.Kind {
	case "kustomize.config.k8s.io/v1beta1 Kustomization", "kustomize.config.k8s.io/v1alpha1 Component":
	default:
		t.Fatalf("%s: unexpected apiVersion %q kind %q", path, k.APIVersion, k.Kind)
	}
	var files []string
	for _, r := range append(k.Resources, k.Components...) {
		p := filepath.Join(dir, r)
		st, err := os.Stat(p)
		if err != nil {
			t.Fatalf("%s: resource %s: %v", path, r, err)
		}
		if st.IsDir() {
			files = append(files, resolveKustomization(t, p, seen)...)
			continue
		}
		seen[p] = true
		files = append(files, p)
	}
	return files
}

func decodeFiles(t *testing.T, files []string) *objects {
	t.Helper()
	o := &objects{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := o.decodeInto(f, data); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

// TestKubernetesManifests decodes every variant of deploy/kubernetes
// strictly into the API types and checks its wiring against the bridge.
func TestKubernetesManifests(t *testing.T) {
	root := "kubernetes"
	seen := map[string]bool{}
	variants := map[string][]string{
		"default (deployment)": resolveKustomization(t, root, seen),
		"statefulset":          resolveKustomization(t, filepath.Join(root, "statefulset"), seen),
		"deployment with servicemonitor": append(resolveKustomization(t, filepath.Join(root, "deployment"), seen),
			resolveKustomization(t, filepath.Join(root, "servicemonitor"), seen)...),
	}
	for name, files := range variants {
		t.Run(name, func(t *testing.T) {
			o := decodeFiles(t, files)
			checkWiring(t, o)
			if strings.Contains(name, "servicemonitor") && len(o.monitors) != 1 {
				t.Errorf("want one ServiceMonitor, got %d", len(o.monitors))
			}
		})
	}
	// Every file under deploy/kubernetes is part of some variant.
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !seen[p] {
			t.Errorf("%s is in no kustomization", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestKustomizeBuild builds each variant with the real kustomize and
// checks what it prints like the files themselves.
func TestKustomizeBuild(t *testing.T) {
	kustomize := tool(t, "kustomize", "KUSTOMIZE")
	abs, err := filepath.Abs("kubernetes")
	if err != nil {
		t.Fatal(err)
	}
	// The ServiceMonitor component is added the way the README says, from
	// a kustomization of the user's own.
	// kustomize takes relative paths only.
	overlay := t.TempDir()
	rel := func(dir string) string {
		r, err := filepath.Rel(overlay, filepath.Join(abs, dir))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	k := "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [" + rel("deployment") +
		"]\ncomponents: [" + rel("servicemonitor") + "]\n"
	if err := os.WriteFile(filepath.Join(overlay, "kustomization.yaml"), []byte(k), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, dir := range map[string]string{"default": abs, "statefulset": filepath.Join(abs, "statefulset"), "servicemonitor": overlay} {
		t.Run(name, func(t *testing.T) {
			out, err := exec.Command(kustomize, "build", dir).Output()
			if err != nil {
				var stderr []byte
				if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
					stderr = ee.Stderr
				}
				t.Fatalf("kustomize build %s: %v\n%s", dir, err, stderr)
			}
			o := &objects{}
			if err := o.decodeInto("kustomize build "+name, out); err != nil {
				t.Fatal(err)
			}
			checkWiring(t, o)
			if name == "servicemonitor" && len(o.monitors) != 1 {
				t.Errorf("want one ServiceMonitor, got %d", len(o.monitors))
			}
		})
	}
}
