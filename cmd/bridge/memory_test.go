package main

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
)

// loadRequest encodes a 2,000-series remote-write 1.0 request with 8 labels
// and 10 samples per series (20,000 samples), snappy-compressed.
func loadRequest(offset int) []byte {
	var req []byte
	for i := 0; i < 2000; i++ {
		var ts []byte
		labels := [][2]string{
			{"__name__", "load"},
			{"a", "aaaaaaaaaa"},
			{"b", "bbbbbbbbbb"},
			{"c", "cccccccccc"},
			{"d", "dddddddddd"},
			{"e", "eeeeeeeeee"},
			{"f", "ffffffffff"},
			{"series", strconv.Itoa(i)},
		}
		for _, l := range labels {
			var lb []byte
			lb = protowire.AppendTag(lb, 1, protowire.BytesType)
			lb = protowire.AppendString(lb, l[0])
			lb = protowire.AppendTag(lb, 2, protowire.BytesType)
			lb = protowire.AppendString(lb, l[1])
			ts = protowire.AppendTag(ts, 1, protowire.BytesType)
			ts = protowire.AppendBytes(ts, lb)
		}
		for j := 0; j < 10; j++ {
			var sb []byte
			sb = protowire.AppendTag(sb, 1, protowire.Fixed64Type)
			sb = protowire.AppendFixed64(sb, math.Float64bits(float64(j)))
			sb = protowire.AppendTag(sb, 2, protowire.VarintType)
			sb = protowire.AppendVarint(sb, uint64(offset*100+j))
			ts = protowire.AppendTag(ts, 2, protowire.BytesType)
			ts = protowire.AppendBytes(ts, sb)
		}
		req = protowire.AppendTag(req, 1, protowire.BytesType)
		req = protowire.AppendBytes(req, ts)
	}
	return snappy.Encode(nil, req)
}

var heapRe = regexp.MustCompile(`(?m)^go_memstats_heap_alloc_bytes ([0-9.e+]+)$`)

// TestMemoryBudgetBoundsHeap runs the real bridge binary in front of a test
// server slowed to 150 ms per call and offers it far more than it can take:
// 48 senders, each sending 20,000-sample requests. With a 64 MiB memory
// budget the bridge's Go heap must stay under the budget plus a stated slack
// of 160 MiB (the writer's pooled conversion arenas and gRPC buffers kept
// between writes, garbage not yet collected at GOGC=50, compressed bodies of
// requests waiting for admission), and senders that do not fit must get 503
// with Retry-After rather than the bridge growing. Measured here: a peak of
// 145 to 175 MiB; with the budget raised out of the way the same load
// drives the heap to about 310 MiB with no 503 at all.
func TestMemoryBudgetBoundsHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("memory load test")
	}
	const budget, slack = 64 << 20, 160 << 20
	srv := greptimetest.StartT(t, greptimetest.Options{CountOnly: true})
	srv.SetLatency(150 * time.Millisecond)

	p := startBridgeProc(t, srv.Addr(), "GOGC=50",
		fmt.Sprint("GREPTIME_BRIDGE_LIMITS_MEMORY_BUDGET_BYTES=", budget),
		fmt.Sprint("GREPTIME_BRIDGE_LIMITS_MAX_DECOMPRESSED_BYTES=", 32<<20),
		"GREPTIME_BRIDGE_LIMITS_RETRY_AFTER=1s",
		"GREPTIME_BRIDGE_PIPELINE_MODE=rows")
	addr := p.addr

	stop := make(chan struct{})
	var peak atomic.Uint64
	var samplerDone sync.WaitGroup
	samplerDone.Add(1)
	go func() {
		defer samplerDone.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			resp, err := http.Get("http://" + addr + "/metrics")
			if err != nil {
				continue
			}
			var buf bytes.Buffer
			_, _ = buf.ReadFrom(resp.Body)
			resp.Body.Close()
			if m := heapRe.FindStringSubmatch(buf.String()); m != nil {
				v, _ := strconv.ParseFloat(m[1], 64)
				if uint64(v) > peak.Load() {
					peak.Store(uint64(v))
				}
			}
		}
	}()
	var wg sync.WaitGroup
	var n503, n204, badRetry atomic.Int64
	for g := 0; g < 48; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := loadRequest(g)
			for i := 0; i < 3; i++ {
				req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/write", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/x-protobuf")
				req.Header.Set("Content-Encoding", "snappy")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				switch resp.StatusCode {
				case 503:
					n503.Add(1)
					if resp.Header.Get("Retry-After") == "" {
						badRetry.Add(1)
					}
				case 204:
					n204.Add(1)
				default:
					t.Errorf("status %d", resp.StatusCode)
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	samplerDone.Wait()
	t.Logf("peak bridge heap %.1f MiB; %d requests answered 204, %d answered 503", float64(peak.Load())/(1<<20), n204.Load(), n503.Load())
	if n503.Load() == 0 || n204.Load() == 0 {
		t.Errorf("want both written and refused requests, got %d and %d", n204.Load(), n503.Load())
	}
	if badRetry.Load() > 0 {
		t.Errorf("%d 503 answers without Retry-After", badRetry.Load())
	}
	if peak.Load() > budget+slack {
		t.Errorf("bridge heap reached %.1f MiB, over the %d MiB budget plus %d MiB slack", float64(peak.Load())/(1<<20), budget>>20, slack>>20)
	}
	if !strings.Contains(addr, "127.0.0.1") {
		t.Fatal("not loopback")
	}
}
