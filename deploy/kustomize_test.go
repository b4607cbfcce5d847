package deploy_test

import (
	"io/fs"
	"os"
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
	root := filepath.Join("kubernetes")
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
