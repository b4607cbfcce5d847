package otlp_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

// TestGRPCFramingAnsweredAsGRPCGo: client streams whose framing is broken
// are answered as grpc-go answers them for a unary method (rpc_util.go
// recvMsg and checkRecvPayload, stream.go serverStream.RecvMsg), Internal,
// which OTLP exporters do not retry, and nothing of them is written: a
// second message on the unary Export, no message, a prefix or a message
// cut short, an unknown Compressed-Flag, the flag set on a stream without
// an encoding.
func TestGRPCFramingAnsweredAsGRPCGo(t *testing.T) {
	e := setup(t, nil)
	req := plogotlp.NewExportRequestFromLogs(logs(2))
	msg, err := req.MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	frame := func(flag byte, m []byte) []byte {
		return append(binary.BigEndian.AppendUint32([]byte{flag}, uint32(len(m))), m...)
	}
	for _, tc := range []struct {
		name   string
		stream []byte
	}{
		{"two messages", append(frame(0, msg), frame(0, msg)...)},
		{"no message", nil},
		{"prefix cut short", frame(0, msg)[:3]},
		{"message cut short", frame(0, msg)[:len(msg)]},
		{"unknown flag", frame(2, msg)},
		{"compressed flag without an encoding", frame(1, msg)},
	} {
		if got := rawCall(t, e, tc.stream); got != "13" { // Internal
			t.Errorf("%s: grpc-status %q, want 13 (Internal)", tc.name, got)
		}
	}
	if n := e.srv.RowCount("public", "opentelemetry_logs"); n != 0 {
		t.Errorf("%d rows written from broken streams, want 0", n)
	}
	// The same message, framed once, is written.
	if got := rawCall(t, e, frame(0, msg)); got != "0" {
		t.Fatalf("one framed message: grpc-status %q, want 0", got)
	}
	if n := e.srv.RowCount("public", "opentelemetry_logs"); n != 2 {
		t.Errorf("%d rows, want 2", n)
	}
}

// rawCall sends stream as the whole client side of a logs Export call and
// returns the call's grpc-status.
func rawCall(t *testing.T, e *env, stream []byte) string {
	t.Helper()
	addr := strings.TrimPrefix(e.conn.Target(), "passthrough:///")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/opentelemetry.proto.collector.logs.v1.LogsService/Export", bytes.NewReader(stream))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/grpc")
	req.Header.Set("TE", "trailers")
	resp, err := h2cClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var sink bytes.Buffer
	if _, err := sink.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	if code := resp.Header.Get("Grpc-Status"); code != "" {
		return code
	}
	return resp.Trailer.Get("Grpc-Status")
}
