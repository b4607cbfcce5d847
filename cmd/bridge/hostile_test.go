package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"

	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
)

// zeros writes n zero bytes to w in 1 MiB writes.
func zeros(t *testing.T, w io.Writer, n int64) {
	t.Helper()
	chunk := make([]byte, 1<<20)
	for ; n > 0; n -= int64(len(chunk)) {
		if _, err := w.Write(chunk[:min(n, int64(len(chunk)))]); err != nil {
			t.Fatal(err)
		}
	}
}

func zstdBomb(t *testing.T, n int64, declare bool) []byte {
	var buf bytes.Buffer
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		t.Fatal(err)
	}
	size := int64(-1)
	if declare {
		size = n
	}
	enc.ResetContentSize(&buf, size)
	zeros(t, enc, n)
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipBomb(t *testing.T, n int64) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	zeros(t, zw, n)
	_ = zw.Close()
	// An empty member last: its size trailer, the one at the end of the
	// body, says 0.
	zw = gzip.NewWriter(&buf)
	_ = zw.Close()
	return buf.Bytes()
}

func deflateBomb(t *testing.T, n int64) []byte {
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, zlib.BestSpeed)
	zeros(t, zw, n)
	_ = zw.Close()
	return buf.Bytes()
}

// snappyClaim is a snappy block header claiming n bytes, followed by a few
// bytes of nothing.
func snappyClaim(n uint64) []byte {
	return append(binary.AppendUvarint(nil, n), 0, 0, 0, 0)
}

// TestDecompressionBombsStayWithinBudget sends the real bridge six of
// every kind of decompression bomb at once (issue #11: one 9.4 KiB zstd
// frame took RSS from 291 to 950 MiB, six gzip bombs to 2.6 GiB) and
// checks that every one is refused (413; 400 for a snappy header that
// lies past what snappy can expand to; 503 for one that waited too long
// for budget behind the others) and that the bridge's peak RSS grows by no
// more than the memory budget plus a slack of 64 MiB (decoder state,
// garbage the collector has not yet returned, goroutine stacks). With the
// decompressed-size limit at half the budget and no budget charged for
// decompression, the same 42 bombs could hold 42 × 32 MiB.
func TestDecompressionBombsStayWithinBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the bridge binary")
	}
	const budget, slack, limit = 64 << 20, 64 << 20, 32 << 20
	srv := greptimetest.StartT(t, greptimetest.Options{CountOnly: true})
	p := startBridge(t, srv.Addr(),
		fmt.Sprint("GREPTIME_BRIDGE_LIMITS_MEMORY_BUDGET_BYTES=", budget),
		fmt.Sprint("GREPTIME_BRIDGE_LIMITS_MAX_DECOMPRESSED_BYTES=", limit),
		"GREPTIME_BRIDGE_LIMITS_RETRY_AFTER=1s")
	base := "http://" + p.addr
	// One ordinary request first, so the baseline includes a request's
	// worth of pools and connections.
	if code := send(t, base+"/api/v1/write", "application/x-protobuf", "snappy", loadRequest(0)); code != 204 {
		t.Fatalf("ordinary request: %d", code)
	}
	before := peakRSS(t, p.pid)

	const big = 256 << 20
	type bomb struct {
		name, path, ct, enc string
		body                []byte
		want                map[int]bool
	}
	refused := map[int]bool{413: true, 503: true}
	rw, otlp := base+"/api/v1/write", base+"/v1/metrics"
	pb := "application/x-protobuf"
	bombs := []bomb{
		{"remote write zstd declaring 300 MiB", rw, pb, "zstd", zstdBomb(t, 300<<20, true), map[int]bool{413: true}},
		{"remote write zstd without content size", rw, pb, "zstd", zstdBomb(t, big, false), refused},
		{"remote write snappy claiming 1 GiB", rw, pb, "snappy", snappyClaim(1 << 30), map[int]bool{413: true}},
		{"remote write snappy claiming more than it can expand to", rw, pb, "snappy", snappyClaim(limit - 1), map[int]bool{400: true}},
		{"OTLP gzip zeros then an empty member", otlp, pb, "gzip", gzipBomb(t, big), refused},
		{"OTLP zstd without content size", otlp, pb, "zstd", zstdBomb(t, big, false), refused},
		{"OTLP deflate", otlp, pb, "deflate", deflateBomb(t, big), refused},
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[string]map[int]int{}
	for _, b := range bombs {
		got[b.name] = map[int]int{}
		for range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code := send(t, b.path, b.ct, b.enc, b.body)
				mu.Lock()
				got[b.name][code]++
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	for _, b := range bombs {
		for code, n := range got[b.name] {
			if !b.want[code] {
				t.Errorf("%s (%d bytes): %d answers %d", b.name, len(b.body), n, code)
			}
		}
		if b.want[413] && got[b.name][413] == 0 && !b.want[400] {
			t.Errorf("%s: no 413 among %v", b.name, got[b.name])
		}
	}
	after := peakRSS(t, p.pid)
	t.Logf("peak RSS %.1f MiB before the bombs, %.1f MiB after (growth %.1f MiB; budget %d MiB + slack %d MiB); answers %v",
		float64(before)/(1<<20), float64(after)/(1<<20), float64(after-before)/(1<<20), budget>>20, slack>>20, got)
	if after-before > budget+slack {
		t.Errorf("peak RSS grew by %.1f MiB, over the %d MiB budget plus %d MiB slack", float64(after-before)/(1<<20), budget>>20, slack>>20)
	}
	// The bridge still takes ordinary requests.
	if code := send(t, rw, pb, "snappy", loadRequest(1)); code != 204 {
		t.Fatalf("ordinary request after the bombs: %d", code)
	}
}

// send posts body and returns the status.
func send(t *testing.T, url, ct, enc string, body []byte) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Error(err)
		return 0
	}
	req.Header.Set("Content-Type", ct)
	if enc != "" {
		req.Header.Set("Content-Encoding", enc)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}
