package e2e

import (
	"bytes"
	"context"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"google.golang.org/protobuf/encoding/protowire"
)

// wireLog records what crosses a recording proxy between a sender and the
// bridge: the bridge itself does not report the encoding it received.
type wireLog struct {
	mu         sync.Mutex
	encodings  map[string]int // Content-Encoding of POSTs
	rwVersions map[string]int // X-Prometheus-Remote-Write-Version of POSTs
	vmVersions map[string]int // X-VictoriaMetrics-Remote-Write-Version of POSTs
	statuses   map[int]int    // answers to POSTs
	// contentTypes are the Content-Type of POSTs.
	contentTypes map[string]int
	// decodeRW decodes zstd bodies as remote write 1.0 (default true).
	decodeRW  bool
	closed    bool           // answer 503 without forwarding
	inflight  sync.WaitGroup // forwarded requests not yet answered
	samples   int            // samples in forwarded zstd bodies answered 204
	acked     []rw1Series    // the series of those bodies
	badBodies []string       // bodies that did not decode
}

// close stops forwarding (later writes get 503, which vmagent retries)
// and waits for the forwarded ones to be answered.
func (w *wireLog) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.inflight.Wait()
}

func (w *wireLog) snapshot() (enc, ver, vmVer map[string]int, st map[int]int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	enc, ver, vmVer, st = map[string]int{}, map[string]int{}, map[string]int{}, map[int]int{}
	for k, v := range w.vmVersions {
		vmVer[k] = v
	}
	for k, v := range w.encodings {
		enc[k] = v
	}
	for k, v := range w.rwVersions {
		ver[k] = v
	}
	for k, v := range w.statuses {
		st[k] = v
	}
	return enc, ver, vmVer, st
}

// recordingProxy forwards to the bridge's HTTP listener and records each
// request's headers and answer. It returns the proxy's address.
func recordingProxy(t *testing.T, b *bridge) (string, *wireLog) {
	t.Helper()
	target, err := url.Parse("http://" + b.HTTP)
	if err != nil {
		t.Fatal(err)
	}
	log := &wireLog{
		encodings: map[string]int{}, rwVersions: map[string]int{}, vmVersions: map[string]int{}, statuses: map[int]int{},
		contentTypes: map[string]int{}, decodeRW: true,
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.Method == http.MethodPost {
			log.mu.Lock()
			log.statuses[resp.StatusCode]++
			if resp.StatusCode == http.StatusNoContent {
				series, _ := resp.Request.Context().Value(seriesKeyCtx{}).([]rw1Series)
				for _, s := range series {
					log.samples += len(s.samples)
				}
				log.acked = append(log.acked, series...)
			}
			log.mu.Unlock()
		}
		return nil
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			rp.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		log.mu.Lock()
		if log.closed {
			log.mu.Unlock()
			http.Error(w, "the test stopped forwarding", http.StatusServiceUnavailable)
			return
		}
		log.inflight.Add(1)
		defer log.inflight.Done()
		enc := r.Header.Get("Content-Encoding")
		log.encodings[enc]++
		log.rwVersions[r.Header.Get("X-Prometheus-Remote-Write-Version")]++
		log.vmVersions[r.Header.Get("X-VictoriaMetrics-Remote-Write-Version")]++
		log.contentTypes[r.Header.Get("Content-Type")]++
		var series []rw1Series
		if enc == "zstd" && log.decodeRW {
			if series, err = decodeZstdRW1(body); err != nil {
				log.badBodies = append(log.badBodies, err.Error())
			}
		}
		log.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), seriesKeyCtx{}, series)))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String(), log
}

type seriesKeyCtx struct{}

// decodeZstdRW1 decodes a zstd remote-write 1.0 body: WriteRequest
// timeseries=1; TimeSeries labels=1, samples=2; Label name=1, value=2;
// Sample value=1 (double), timestamp=2 (int64).
func decodeZstdRW1(body []byte) ([]rw1Series, error) {
	dec, err := zstd.NewReader(nil)
	if err != nil {
		return nil, err
	}
	defer dec.Close()
	raw, err := dec.DecodeAll(body, nil)
	if err != nil {
		return nil, err
	}
	var out []rw1Series
	err = eachField(raw, func(num protowire.Number, ts []byte) error {
		if num != 1 {
			return nil
		}
		var s rw1Series
		err := eachField(ts, func(num protowire.Number, v []byte) error {
			switch num {
			case 1:
				var l [2]string
				err := eachField(v, func(num protowire.Number, f []byte) error {
					if num == 1 || num == 2 {
						l[num-1] = string(f)
					}
					return nil
				})
				s.labels = append(s.labels, l)
				return err
			case 2:
				smp, err := decodeSampleMsg(v)
				s.samples = append(s.samples, smp)
				return err
			}
			return nil
		})
		out = append(out, s)
		return err
	})
	return out, err
}

// decodeSampleMsg reads a Sample message into (value, timestamp).
func decodeSampleMsg(b []byte) ([2]float64, error) {
	var out [2]float64
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return out, protowire.ParseError(n)
		}
		b = b[n:]
		switch {
		case num == 1 && typ == protowire.Fixed64Type:
			v, m := protowire.ConsumeFixed64(b)
			if m < 0 {
				return out, protowire.ParseError(m)
			}
			out[0] = math.Float64frombits(v)
			b = b[m:]
		case num == 2 && typ == protowire.VarintType:
			v, m := protowire.ConsumeVarint(b)
			if m < 0 {
				return out, protowire.ParseError(m)
			}
			out[1] = float64(int64(v))
			b = b[m:]
		default:
			m := protowire.ConsumeFieldValue(num, typ, b)
			if m < 0 {
				return out, protowire.ParseError(m)
			}
			b = b[m:]
		}
	}
	return out, nil
}

// eachField calls fn with every length-delimited field of a protobuf
// message and skips the others.
func eachField(b []byte, fn func(protowire.Number, []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if typ == protowire.BytesType {
			v, m := protowire.ConsumeBytes(b)
			if m < 0 {
				return protowire.ParseError(m)
			}
			if err := fn(num, v); err != nil {
				return err
			}
			b = b[m:]
			continue
		}
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			return protowire.ParseError(m)
		}
		b = b[m:]
	}
	return nil
}
