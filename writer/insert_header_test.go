package writer_test

import (
	"context"
	"sync"
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
)

// headerRecorder captures what the client puts on the wire for Handle.
type headerRecorder struct {
	mu  sync.Mutex
	req *gpb.GreptimeRequest
	md  metadata.MD
}

func (h *headerRecorder) intercept(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	h.mu.Lock()
	h.req = writer.RequestOf(req)
	h.md, _ = metadata.FromOutgoingContext(ctx)
	h.mu.Unlock()
	return invoker(ctx, method, req, reply, cc, opts...)
}

// TestHandleHeaderCarriesDatabaseAuthAndTimezone checks §7.9: on Handle,
// GreptimeDB reads database, basic auth and timezone from RequestHeader,
// not from metadata, so that is where the client must put them.
func TestHandleHeaderCarriesDatabaseAuthAndTimezone(t *testing.T) {
	rec := &headerRecorder{}
	s := greptimetest.StartT(t, greptimetest.Options{Users: map[string]string{"u": "p4ss"}, Databases: []string{"metrics"}})
	cfg := writer.DefaultConfig(s.Addr())
	cfg.Username, cfg.Password = "u", "p4ss"
	cfg.Database, cfg.Timezone = "metrics", "Asia/Shanghai"
	cfg.DialOptions = []grpc.DialOption{grpc.WithChainUnaryInterceptor(rec.intercept)}
	c := newClient(t, cfg)
	ctx := ctxT(t)

	if _, err := c.Write(ctx, cpuBatch(t, "cpu", 1, 0)); err != nil {
		t.Fatal(err)
	}
	h := rec.req.GetHeader()
	if h.GetDbname() != "metrics" || h.GetTimezone() != "Asia/Shanghai" {
		t.Errorf("header dbname %q timezone %q", h.GetDbname(), h.GetTimezone())
	}
	if b := h.GetAuthorization().GetBasic(); b.GetUsername() != "u" || b.GetPassword() != "p4ss" {
		t.Errorf("header auth %v", h.GetAuthorization())
	}
	for _, k := range []string{"x-greptime-db-name", "x-greptime-auth", "authorization", "x-greptime-timezone"} {
		if v := rec.md.Get(k); len(v) > 0 {
			t.Errorf("metadata %s = %q: Handle ignores it, credentials must not travel there", k, v)
		}
	}
	if s.RowCount("metrics", "cpu") != 1 {
		t.Error("row not in the configured database")
	}

	if _, err := c.ExecSQL(ctx, "CREATE TABLE IF NOT EXISTS x (ts TIMESTAMP TIME INDEX)", writer.WithDatabase("public"), writer.WithTimezone("UTC")); err != nil {
		t.Fatal(err)
	}
	h = rec.req.GetHeader()
	if h.GetDbname() != "public" || h.GetTimezone() != "UTC" || rec.req.GetQuery().GetSql() == "" {
		t.Errorf("per-call options not applied: %v", rec.req)
	}
}
