package deploy_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/config"
)

// TestDockerfileAgrees checks the runtime stage of the Dockerfile against
// what the manifests assume and the bridge's defaults: the numeric user,
// every default port exposed, the queue volume, and an entrypoint that
// reads the config file the manifests mount. .ci/image checks the built
// image itself.
func TestDockerfileAgrees(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	// The instructions after the last FROM: the runtime stage.
	var runtime []string
	var stage string
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "FROM ") {
			stage, runtime = line, nil
			continue
		}
		if line != "" && !strings.HasPrefix(line, "#") {
			runtime = append(runtime, line)
		}
	}
	if stage != "FROM scratch AS runtime" {
		t.Fatalf("the last stage is %q, want FROM scratch AS runtime", stage)
	}
	arg := func(instr string) string {
		for _, l := range runtime {
			if rest, ok := strings.CutPrefix(l, instr+" "); ok {
				return rest
			}
		}
		t.Errorf("the runtime stage has no %s", instr)
		return ""
	}
	if got, want := arg("USER"), strconv.Itoa(imageUser)+":"+strconv.Itoa(imageUser); got != want {
		t.Errorf("USER %s, want %s", got, want)
	}
	exposed := strings.Fields(arg("EXPOSE"))
	def := config.Default().Listen
	for _, l := range []string{def.HTTP, def.GRPC} {
		if p := strconv.Itoa(int(portOf(t, l))); !slices.Contains(exposed, p) {
			t.Errorf("default port %s is not exposed (EXPOSE %v)", p, exposed)
		}
	}
	var volumes, entrypoint []string
	if err := json.Unmarshal([]byte(arg("VOLUME")), &volumes); err != nil || !slices.Equal(volumes, []string{imageQueueDir}) {
		t.Errorf("VOLUME %v (%v), want [%s]", volumes, err, imageQueueDir)
	}
	if err := json.Unmarshal([]byte(arg("ENTRYPOINT")), &entrypoint); err != nil {
		t.Fatalf("ENTRYPOINT is not in exec form: %v", err)
	}
	if want := []string{"-config", imageConfigDir + "/" + imageConfigFile}; len(entrypoint) != 3 || !slices.Equal(entrypoint[1:], want) {
		t.Errorf("ENTRYPOINT %v, want the binary then %v", entrypoint, want)
	}
}
