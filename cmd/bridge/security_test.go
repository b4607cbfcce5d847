package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
)

// Secrets of the security tests: none may appear in any log, answer,
// metric, status page or configuration check.
const (
	alicePW  = "alice-pw-S3cret"
	ciToken  = "ci-token-S3cret"
	dbPW     = "db-pw-S3cret"
	wrongPW  = "wrong-pw-S3cret"
	dupToken = "dup-token-S3cret"
)

var secrets = []string{alicePW, ciToken, dbPW, wrongPW, dupToken}

// securityConfig has one basic user and one token, each allowed one
// database, and a tenant header that maps to either database.
func securityConfig(dbAddr string) string {
	return fmt.Sprintf(`greptimedb:
  endpoints: [%q]
  username: bridge
  password: %s
pipeline:
  flush_interval: 1ms
auth:
  users:
    alice: {password: %s, databases: [team_a]}
  bearer_tokens:
    - {name: ci, token: %s, databases: [team_b]}
tenant:
  header: X-Scope-OrgID
  databases: {a: team_a, b: team_b}
`, dbAddr, dbPW, alicePW, ciToken)
}

// rw1Body is a snappy remote-write 1.0 request of one sample of metric
// name, with extra labels.
func rw1Body(name string, extra ...[2]string) []byte {
	labels := append([][2]string{{"__name__", name}}, extra...)
	var ts []byte
	for _, l := range labels {
		var lb []byte
		lb = protowire.AppendTag(lb, 1, protowire.BytesType)
		lb = protowire.AppendString(lb, l[0])
		lb = protowire.AppendTag(lb, 2, protowire.BytesType)
		lb = protowire.AppendString(lb, l[1])
		ts = protowire.AppendTag(ts, 1, protowire.BytesType)
		ts = protowire.AppendBytes(ts, lb)
	}
	ts = protowire.AppendTag(ts, 2, protowire.BytesType)
	ts = protowire.AppendBytes(ts, sample())
	var req []byte
	req = protowire.AppendTag(req, 1, protowire.BytesType)
	req = protowire.AppendBytes(req, ts)
	return snappy.Encode(nil, req)
}

// rw2Body is the same in remote write 2.0 (symbols = 4, timeseries = 5,
// TimeSeries labels_refs = 1, samples = 2).
func rw2Body(name string, extra ...[2]string) []byte {
	syms := []string{"", "__name__", name}
	refs := []uint64{1, 2}
	for _, l := range extra {
		syms = append(syms, l[0], l[1])
		refs = append(refs, uint64(len(syms)-2), uint64(len(syms)-1))
	}
	var req []byte
	for _, s := range syms {
		req = protowire.AppendTag(req, 4, protowire.BytesType)
		req = protowire.AppendString(req, s)
	}
	var packed []byte
	for _, r := range refs {
		packed = protowire.AppendVarint(packed, r)
	}
	var ts []byte
	ts = protowire.AppendTag(ts, 1, protowire.BytesType)
	ts = protowire.AppendBytes(ts, packed)
	ts = protowire.AppendTag(ts, 2, protowire.BytesType)
	ts = protowire.AppendBytes(ts, sample())
	req = protowire.AppendTag(req, 5, protowire.BytesType)
	req = protowire.AppendBytes(req, ts)
	return snappy.Encode(nil, req)
}

func sample() []byte {
	var sb []byte
	sb = protowire.AppendTag(sb, 1, protowire.Fixed64Type)
	sb = protowire.AppendFixed64(sb, math.Float64bits(1))
	sb = protowire.AppendTag(sb, 2, protowire.VarintType)
	return protowire.AppendVarint(sb, 1000)
}

// gauge is an OTLP request of one gauge point named name.
func gauge(name string) pmetricotlp.ExportRequest {
	md := pmetric.NewMetrics()
	m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName(name)
	dp := m.SetEmptyGauge().DataPoints().AppendEmpty()
	dp.SetTimestamp(pcommon.Timestamp(time.Second))
	dp.SetDoubleValue(1)
	return pmetricotlp.NewExportRequestFromMetrics(md)
}

type route struct {
	name    string
	headers map[string]string // x-greptime-db-name, tenant header
	query   string            // ?db=
	labels  [][2]string       // remote write special labels
	allowed bool
}

// routes to the credential's own database (own, tenant own) and every way
// of naming the other one.
func routes(own, other, ownTenant, otherTenant string) []route {
	return []route{
		{name: "header own", headers: map[string]string{"x-greptime-db-name": own}, allowed: true},
		{name: "tenant own", headers: map[string]string{"X-Scope-OrgID": ownTenant}, allowed: true},
		{name: "long form own", headers: map[string]string{"x-greptime-db-name": "greptime-" + own}, allowed: true},
		{name: "header other", headers: map[string]string{"x-greptime-db-name": other}},
		{name: "query other", query: other},
		{name: "tenant other", headers: map[string]string{"X-Scope-OrgID": otherTenant}},
		{name: "default database", headers: map[string]string{}},
		{name: "__database__ label", headers: map[string]string{"x-greptime-db-name": own}, labels: [][2]string{{"__database__", other}}},
		{name: "x_greptime_database label", headers: map[string]string{"x-greptime-db-name": own}, labels: [][2]string{{"x_greptime_database", other}}},
	}
}

// TestCredentialsTiedToDatabases sends, as a basic-auth user and as a
// bearer token, over remote write 1.0 and 2.0 and OTLP over HTTP and gRPC,
// a request naming its own database and one naming another database by
// every route; own → 2xx and one row there, other → 403 /
// PermissionDenied, counted, and no row anywhere.
func TestCredentialsTiedToDatabases(t *testing.T) {
	srv := greptimetest.StartT(t, greptimetest.Options{Users: map[string]string{"bridge": dbPW}, Databases: []string{"team_a", "team_b"}})
	b := startBridge(t, securityConfig(srv.Addr()))
	conn, err := grpc.NewClient(b.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	creds := []struct {
		who, authz, own, other, ownTenant, otherTenant, metric string
	}{
		{"alice", "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:"+alicePW)), "team_a", "team_b", "a", "b", "user alice"},
		{"ci", "Bearer " + ciToken, "team_b", "team_a", "b", "a", "token ci"},
	}
	var bodies bytes.Buffer
	n := 0
	wantRows := map[string]int{}
	for _, c := range creds {
		forbidden := 0
		for _, proto := range []string{"rw1", "rw2", "otlp-http", "otlp-grpc"} {
			for _, r := range routes(c.own, c.other, c.ownTenant, c.otherTenant) {
				if r.labels != nil && strings.HasPrefix(proto, "otlp") {
					continue // OTLP has no database-selecting attribute
				}
				if r.query != "" && proto == "otlp-grpc" {
					continue // no query string over gRPC
				}
				n++
				metric := fmt.Sprintf("m%d", n)
				got, body := send(t, b, conn, proto, metric, c.authz, r)
				bodies.WriteString(body)
				want := "ok"
				if !r.allowed {
					want = "forbidden"
					forbidden++
				}
				if got != want {
					t.Errorf("%s %s %s: %s (%s), want %s", c.who, proto, r.name, got, body, want)
				}
				if r.allowed {
					wantRows[c.own+"/"+metric] = 1
				}
			}
			// A wrong secret for the same name is 401 / Unauthenticated.
			wrong := strings.Replace(strings.Replace(c.authz, ciToken, wrongPW, 1),
				base64.StdEncoding.EncodeToString([]byte("alice:"+alicePW)), base64.StdEncoding.EncodeToString([]byte("alice:"+wrongPW)), 1)
			n++
			if got, body := send(t, b, conn, proto, fmt.Sprintf("m%d", n), wrong, route{headers: map[string]string{"x-greptime-db-name": c.own}}); got != "unauthenticated" {
				t.Errorf("%s %s wrong secret: %s (%s)", c.who, proto, got, body)
			}
		}
		if got := metricValue(t, b, fmt.Sprintf(`bridge_auth_forbidden_total{credential=%q}`, c.metric)); got != forbidden {
			t.Errorf("forbidden counter for %s = %d, want %d", c.metric, got, forbidden)
		}
	}
	// Every acknowledged write landed in its own database, one row each,
	// and nothing else was written anywhere.
	for _, db := range []string{"public", "team_a", "team_b"} {
		for _, tbl := range srv.Tables(db) {
			if tbl == "greptime_physical_table" {
				continue
			}
			if wantRows[db+"/"+tbl] != 1 || srv.RowCount(db, tbl) != 1 {
				t.Errorf("table %s.%s holds %d rows, want %d", db, tbl, srv.RowCount(db, tbl), wantRows[db+"/"+tbl])
			}
			delete(wantRows, db+"/"+tbl)
		}
	}
	if len(wantRows) != 0 {
		t.Errorf("acknowledged but not written: %v", wantRows)
	}
	if got := metricValue(t, b, "bridge_auth_unauthenticated_total"); got != 8 {
		t.Errorf("unauthenticated counter = %d, want 8", got)
	}
	if !strings.Contains(b.logs.String(), `credential="user alice" database="\"team_b\""`) {
		t.Errorf("no refusal line naming the credential and database:\n%s", b.logs.String())
	}
	assertNoSecrets(t, b, bodies.String())
}

// send posts one single-sample request of metric over proto along r and
// reports ok, forbidden, unauthenticated or the unexpected answer.
func send(t *testing.T, b *bridge, conn *grpc.ClientConn, proto, metric, authz string, r route) (string, string) {
	t.Helper()
	if proto == "otlp-grpc" {
		md := metadata.Pairs("authorization", authz)
		for k, v := range r.headers {
			md.Append(strings.ToLower(k), v)
		}
		ctx, cancel := context.WithTimeout(metadata.NewOutgoingContext(context.Background(), md), 10*time.Second)
		defer cancel()
		_, err := pmetricotlp.NewGRPCClient(conn).Export(ctx, gauge(metric))
		switch status.Code(err) {
		case codes.OK:
			return "ok", ""
		case codes.PermissionDenied:
			return "forbidden", status.Convert(err).Message()
		case codes.Unauthenticated:
			return "unauthenticated", status.Convert(err).Message()
		}
		return err.Error(), ""
	}
	url := "http://" + b.httpAddr
	var body []byte
	ct := "application/x-protobuf"
	switch proto {
	case "rw1":
		url += "/api/v1/write"
		body = rw1Body(metric, r.labels...)
	case "rw2":
		url += "/api/v1/write"
		body = rw2Body(metric, r.labels...)
		ct += ";proto=io.prometheus.write.v2.Request"
	case "otlp-http":
		url += "/v1/metrics"
		body, _ = gauge(metric).MarshalProto()
	}
	if r.query != "" {
		url += "?db=" + r.query
	}
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	if strings.HasPrefix(proto, "rw") {
		req.Header.Set("Content-Encoding", "snappy")
	}
	req.Header.Set("Authorization", authz)
	for k, v := range r.headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	switch resp.StatusCode {
	case http.StatusOK, http.StatusNoContent:
		return "ok", string(rb)
	case http.StatusForbidden:
		return "forbidden", string(rb)
	case http.StatusUnauthorized:
		return "unauthenticated", string(rb)
	}
	return fmt.Sprintf("status %d", resp.StatusCode), string(rb)
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// metricValue reads one integer series from /metrics.
func metricValue(t *testing.T, b *bridge, series string) int {
	t.Helper()
	for _, line := range strings.Split(httpGet(t, "http://"+b.httpAddr+"/metrics"), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			var n int
			fmt.Sscan(v, &n)
			return n
		}
	}
	return 0
}

// assertNoSecrets checks the answers given, the logs, /metrics, /status and
// -check-config's output for every secret of the test.
func assertNoSecrets(t *testing.T, b *bridge, answers string) {
	t.Helper()
	var check syncBuffer
	if code := run(context.Background(), []string{"-check-config", "-config", b.configPath}, nil, &check, &check); code != 0 {
		t.Errorf("-check-config: exit %d: %s", code, check.String())
	}
	places := map[string]string{
		"answers": answers, "logs": b.logs.String(), "stdout": b.stdout.String(), "-check-config": check.String(),
		"/metrics": httpGet(t, "http://"+b.httpAddr+"/metrics"), "/status": httpGet(t, "http://"+b.httpAddr+"/status"),
	}
	for where, text := range places {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s shows secret %q", where, s)
			}
		}
	}
}

// TestInvalidAuthConfigShowsNoSecret: -check-config's list of problems
// names the duplicate token's position, not the token.
func TestInvalidAuthConfigShowsNoSecret(t *testing.T) {
	cfg := fmt.Sprintf("auth:\n  bearer_tokens: [%s, %s]\n  users:\n    bob: {password: %s}\n", dupToken, dupToken, alicePW)
	path := t.TempDir() + "/bad.yaml"
	if err := writeFile(path, cfg); err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	if code := run(context.Background(), []string{"-check-config", "-config", path}, nil, &out, &out); code != 1 {
		t.Fatalf("exit %d: %s", code, out.String())
	}
	for _, want := range []string{"auth.bearer_tokens[1].token: same token as auth.bearer_tokens[0]", "auth.users.bob.databases: required"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("missing %q in:\n%s", want, out.String())
		}
	}
	for _, s := range secrets {
		if strings.Contains(out.String(), s) {
			t.Errorf("shows secret %q:\n%s", s, out.String())
		}
	}
}

// TestGRPCRefusesBeforeReading: an OTLP/gRPC call without a valid
// credential is refused when its headers arrive, before its message is
// read: a message over the size limit is answered Unauthenticated, where
// the same message with a credential is answered ResourceExhausted (read,
// and refused for its size).
func TestGRPCRefusesBeforeReading(t *testing.T) {
	srv := greptimetest.StartT(t, greptimetest.Options{})
	b := startBridge(t, fmt.Sprintf(`greptimedb: {endpoints: [%q]}
limits: {max_request_bytes: 4096}
auth:
  bearer_tokens: [{name: ci, token: %s, databases: ["*"]}]
`, srv.Addr(), ciToken))
	conn, err := grpc.NewClient(b.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	big := gauge("big")
	big.Metrics().ResourceMetrics().At(0).Resource().Attributes().PutStr("pad", strings.Repeat("x", 16<<10))
	call := func(authz string) codes.Code {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if authz != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", authz)
		}
		_, err := pmetricotlp.NewGRPCClient(conn).Export(ctx, big)
		return status.Code(err)
	}
	if got := call(""); got != codes.Unauthenticated {
		t.Errorf("no credential: %v, want Unauthenticated", got)
	}
	if got := call("Bearer " + wrongPW); got != codes.Unauthenticated {
		t.Errorf("wrong token: %v, want Unauthenticated", got)
	}
	if got := call("Bearer " + ciToken); got != codes.ResourceExhausted {
		t.Errorf("valid token, oversized message: %v, want ResourceExhausted", got)
	}
	if got := metricValue(t, b, "bridge_auth_unauthenticated_total"); got != 2 {
		t.Errorf("unauthenticated counter = %d, want 2", got)
	}
}

// TestLogsAndTracesTiedToDatabases: OTLP logs and traces, over HTTP and
// gRPC, take the same check as metrics.
func TestLogsAndTracesTiedToDatabases(t *testing.T) {
	srv := greptimetest.StartT(t, greptimetest.Options{Users: map[string]string{"bridge": dbPW}, Databases: []string{"team_a", "team_b"}})
	b := startBridge(t, securityConfig(srv.Addr()))
	conn, err := grpc.NewClient(b.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ld := plog.NewLogs()
	lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.Timestamp(time.Second))
	lr.Body().SetStr("hello")
	td := ptrace.NewTraces()
	sp := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	sp.SetName("op")
	sp.SetTraceID(pcommon.TraceID{1})
	sp.SetSpanID(pcommon.SpanID{1})
	sp.SetStartTimestamp(pcommon.Timestamp(time.Second))
	sp.SetEndTimestamp(pcommon.Timestamp(2 * time.Second))
	logsPB, _ := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	tracesPB, _ := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	authz := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:"+alicePW))
	for _, db := range []string{"team_b", "team_a"} {
		want := map[string]int{"team_b": http.StatusForbidden, "team_a": http.StatusOK}[db]
		for path, body := range map[string][]byte{"/v1/logs": logsPB, "/v1/traces": tracesPB} {
			req, _ := http.NewRequest(http.MethodPost, "http://"+b.httpAddr+path, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/x-protobuf")
			req.Header.Set("Authorization", authz)
			req.Header.Set("x-greptime-db-name", db)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("%s into %s over HTTP: %d, want %d", path, db, resp.StatusCode, want)
			}
		}
		ctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(context.Background(),
			"authorization", authz, "x-greptime-db-name", db), 10*time.Second)
		_, lerr := plogotlp.NewGRPCClient(conn).Export(ctx, plogotlp.NewExportRequestFromLogs(ld))
		_, terr := ptraceotlp.NewGRPCClient(conn).Export(ctx, ptraceotlp.NewExportRequestFromTraces(td))
		cancel()
		wantCode := map[string]codes.Code{"team_b": codes.PermissionDenied, "team_a": codes.OK}[db]
		if status.Code(lerr) != wantCode || status.Code(terr) != wantCode {
			t.Errorf("logs, traces into %s over gRPC: %v, %v; want %v", db, lerr, terr, wantCode)
		}
	}
	if tables := srv.Tables("team_b"); len(tables) != 0 {
		t.Errorf("tables written into the forbidden database: %v", tables)
	}
	// The allowed requests landed: one log row twice (HTTP, gRPC), one span
	// twice; GreptimeDB's log and trace tables are append-only.
	if n := srv.RowCount("team_a", "opentelemetry_logs"); n != 2 {
		t.Errorf("%d log rows, want 2", n)
	}
	if n := srv.RowCount("team_a", "opentelemetry_traces"); n != 2 {
		t.Errorf("%d span rows, want 2", n)
	}
	if got := metricValue(t, b, `bridge_auth_forbidden_total{credential="user alice"}`); got != 4 {
		t.Errorf("forbidden counter = %d, want 4", got)
	}
}
