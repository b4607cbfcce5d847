package writer_test

import (
	"errors"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
)

func TestBasicAuth(t *testing.T) {
	const password = "Tr0ub4dor-and-3"
	s := greptimetest.StartT(t, greptimetest.Options{Users: map[string]string{"ingest": password}})
	cfg := writer.DefaultConfig(s.Addr())
	cfg.Username, cfg.Password = "ingest", password
	good := newClient(t, cfg)
	if n, err := good.Write(ctxT(t), cpuBatch(t, "cpu", 3, 0)); err != nil || n != 3 {
		t.Fatalf("right password: %d %v", n, err)
	}
	if err := good.HealthCheck(ctxT(t)); err != nil {
		t.Fatalf("health check with auth: %v", err)
	}

	cfg.Password = "wrong-" + password
	bad := newClient(t, cfg)
	_, err := bad.Write(ctxT(t), cpuBatch(t, "cpu", 1, 100))
	var se *writer.ServerError
	if !errors.As(err, &se) || se.Code != codes.Unauthenticated || se.Status != writer.StatusUserPasswordMismatch {
		t.Fatalf("wrong password: got %v, want Unauthenticated / UserPasswordMismatch", err)
	}
	if writer.IsRetryable(err) {
		t.Error("auth failure reported retryable")
	}
	if strings.Contains(err.Error(), password) || strings.Contains(bad.Config().String(), password) {
		t.Errorf("password revealed: %v", err)
	}

	cfg.Username, cfg.Password = "", ""
	anon := newClient(t, cfg)
	_, err = anon.Write(ctxT(t), cpuBatch(t, "cpu", 1, 200))
	if !errors.As(err, &se) || se.Code != codes.Unauthenticated {
		t.Fatalf("no credentials: got %v, want Unauthenticated", err)
	}
	if got := s.RowCount("public", "cpu"); got != 3 {
		t.Errorf("stored %d rows, want only the 3 authenticated ones", got)
	}
}
