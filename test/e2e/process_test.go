package e2e

import (
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// startPeer starts a long-running peer program; cleanup kills it (SIGKILL:
// peers' shutdown behaviour is not under test) and waits for it. Its
// output is logged when the test fails.
func startPeer(t *testing.T, name string, args ...string) *lockedBuffer {
	t.Helper()
	p := startPeerProc(t, name, args...)
	return p.out
}

// peerProc is a running peer program.
type peerProc struct {
	name string
	out  *lockedBuffer
	cmd  *exec.Cmd
	done chan struct{}
}

// startPeerProc is startPeer for tests that also stop the peer themselves.
func startPeerProc(t *testing.T, name string, args ...string) *peerProc {
	t.Helper()
	p := &peerProc{name: name, out: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(name, args...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			t.Errorf("%s did not exit after SIGKILL", name)
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", name, tail(p.out.String(), 6000))
		}
	})
	return p
}

// stop asks the peer to shut down (SIGTERM) and waits until it has exited:
// a Collector flushes its batch processor and exporter queues first, so
// once stop returns, everything it accepted has been answered downstream.
func (p *peerProc) stop(t *testing.T, within time.Duration) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(within):
		t.Fatalf("%s did not exit within %v of SIGTERM\n%s", p.name, within, tail(p.out.String(), 4000))
	}
}

// runPeer runs a peer program to completion and fails the test with its
// output when it does not exit 0 within the timeout.
func runPeer(t *testing.T, timeout time.Duration, name string, args ...string) string {
	t.Helper()
	out, err := runPeerErr(t, timeout, name, args...)
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, tail(out, 6000))
	}
	return out
}

// runPeerErr runs a peer program to completion and returns its output and
// exit error; it fails the test only when the program hangs.
func runPeerErr(t *testing.T, timeout time.Duration, name string, args ...string) (string, error) {
	t.Helper()
	out := &lockedBuffer{}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.String(), err
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("%s %v did not finish within %v\n%s", name, args, timeout, tail(out.String(), 6000))
	}
	return "", nil
}
