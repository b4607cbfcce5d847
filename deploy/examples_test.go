package deploy_test

import (
	"path/filepath"
	"testing"
)

// TestExampleConfigs runs bridge -check-config on every config under
// examples/configs and on the image's default config.
func TestExampleConfigs(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "examples", "configs", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no example configs")
	}
	files = append(files, filepath.Join("container", "bridge.yaml"))
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			checkConfig(t, f, nil)
		})
	}
}
