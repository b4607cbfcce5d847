package otlp_test

import (
	"bytes"
	"encoding/binary"
	"io"
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

// TestGRPCUncompressedMessageOnCompressedStream: grpc-encoding names a
// stream's algorithm, but each message's Compressed-Flag says whether it
// is compressed (grpc-go sends an empty message uncompressed whatever the
// stream's encoding). An uncompressed message on a gzip or zstd stream is
// written, not refused as a broken gzip or zstd body.
func TestGRPCUncompressedMessageOnCompressedStream(t *testing.T) {
	e := setupBudget(t, nil, nil)
	addr := strings.TrimPrefix(e.conn.Target(), "passthrough:///")
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	client := &http.Client{Transport: &http.Transport{Protocols: &protos}}
	want := 0
	for _, enc := range []string{"gzip", "zstd"} {
		for _, n := range []int{2, 0} {
			body, err := plogotlp.NewExportRequestFromLogs(logs(n)).MarshalProto()
			if err != nil {
				t.Fatal(err)
			}
			frame := make([]byte, 5, 5+len(body))
			binary.BigEndian.PutUint32(frame[1:], uint32(len(body))) // flag 0: not compressed
			frame = append(frame, body...)
			req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/opentelemetry.proto.collector.logs.v1.LogsService/Export", bytes.NewReader(frame))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/grpc")
			req.Header.Set("TE", "trailers")
			req.Header.Set("grpc-encoding", enc)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			code, msg := resp.Header.Get("Grpc-Status"), resp.Header.Get("Grpc-Message")
			if code == "" {
				code, msg = resp.Trailer.Get("Grpc-Status"), resp.Trailer.Get("Grpc-Message")
			}
			if code != "0" {
				t.Errorf("%d log records uncompressed on a %s stream: status %s %q, want OK", n, enc, code, msg)
			}
			want += n
		}
	}
	if got := e.srv.RowCount("public", "opentelemetry_logs"); got != want {
		t.Errorf("%d rows, want %d", got, want)
	}
}
