package promrw_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/receivers/dbselect"
	"github.com/greptime-bridge/greptime-bridge/receivers/promrw"
	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/translate/prom"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// fuzzSink is the handler's next stage in the fuzz target: it checks what
// the handler passes on and answers as the selector byte says, as the
// pipeline answers when GreptimeDB stores, throttles or refuses the rows.
type fuzzSink struct {
	t      *testing.T
	answer error
	called bool
	rows   int
}

func (s *fuzzSink) Consume(_ context.Context, out *translate.Output) error {
	s.called = true
	for _, b := range out.Batches {
		if err := b.Validate(); err != nil {
			s.t.Fatalf("handler passed on an invalid batch %q: %v", b.Table, err)
		}
		s.rows += b.Rows()
	}
	return s.answer
}

// Limits small enough that the fuzzer reaches them: a body over 64 KiB is
// 413, one decompressing past 256 KiB is 413, and the budget (1 MiB) is
// smaller than the largest request's estimate.
const (
	fuzzMaxBody   = 64 << 10
	fuzzMaxDecomp = 256 << 10
	fuzzBudget    = 1 << 20
)

// rwFraming picks the headers and framing of one fuzzed request from sel.
func rwFraming(sel uint8) (ct, version, ce string) {
	switch sel & 3 {
	case 0:
		ct, version = "application/x-protobuf", "0.1.0"
	case 1:
		ct, version = "application/x-protobuf;proto=io.prometheus.write.v2.Request", "2.0.0"
	case 2:
		ct = "" // vmagent and old senders: no version header, 1.0 assumed
	case 3:
		ct, version = "application/x-protobuf;proto=prometheus.WriteRequest", "0.1.0"
	}
	ce = [...]string{"snappy", "zstd", "", "gzip"}[sel>>2&3]
	return ct, version, ce
}

// encodeRW compresses raw as ce says; raw selects sending the fuzzer's
// bytes as the body unchanged, which explores the framing decoders.
func encodeRW(t *testing.T, raw []byte, ce string, asIs bool) []byte {
	if asIs {
		return raw
	}
	switch ce {
	case "zstd":
		return fuzzZstd.EncodeAll(raw, nil)
	case "gzip":
		return raw
	}
	return snappy.Encode(nil, raw)
}

// fuzzZstd is one encoder for every fuzzed body: a new one per input
// cost more than the handler it feeds.
var fuzzZstd, _ = zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))

// FuzzRemoteWriteHandler sends arbitrary bodies, framed by every header
// combination a sender may use, through the whole remote-write handler. It
// must never panic; it answers only 204, 400, 413, 415 or 503 (a 503 always
// with Retry-After, since Prometheus drops data on anything without a
// retry, and a 5xx other than 503 would be a bug); 204 only when the next
// stage stored every row; the next stage's refusal as 400 and its
// throttling as 503; rows linear in the decompressed limit; and the memory
// budget entirely released afterwards. Seeds under testdata/fuzz hold
// Prometheus 2.42's captured requests and client_golang 2.0 requests.
func FuzzRemoteWriteHandler(f *testing.F) {
	f.Add(rw1(upSeries("a", 3)), uint8(0), uint8(0))
	f.Add(rw1(upSeries("a", 3)), uint8(4), uint8(0x10))
	f.Add(rw1(upSeries("a", 3)), uint8(8), uint8(0x20))
	f.Add([]byte("\xff\x06\x00\x00sNaPpY"), uint8(0), uint8(0x80))
	f.Add([]byte("\x28\xb5\x2f\xfd\x00\x58\x00\x00"), uint8(4), uint8(0x80))
	budget := pipeline.NewBudget(fuzzBudget, time.Second)
	sink := &fuzzSink{}
	opts := prom.DefaultOptions()
	// Shape limits small enough that the fuzzer reaches each of them.
	opts.Limits = translate.Limits{
		MaxLabelsPerSeries: 8, MaxLabelNameLength: 32, MaxLabelValueLength: 64, MaxSeriesPerRequest: 64,
	}
	h := promrw.New(promrw.Config{
		MaxRequestBytes: fuzzMaxBody, MaxDecompressedBytes: fuzzMaxDecomp, RetryAfter: 3 * time.Second,
		Translate: opts, InflightWait: time.Millisecond,
	}, sink, budget, &dbselect.Selector{Default: "public"}, nil, nil, nil)
	mux := http.NewServeMux()
	h.Register(mux)
	f.Fuzz(func(t *testing.T, raw []byte, sel, mode uint8) {
		*sink = fuzzSink{t: t}
		switch mode >> 4 & 3 {
		case 1:
			sink.answer = errs.NewThrottle(errors.New("greptimedb is busy"), 2*time.Second)
		case 2:
			sink.answer = errs.NewPermanent(errors.New("invalid column type"))
		}
		ct, version, ce := rwFraming(sel)
		body := encodeRW(t, raw, ce, mode&0x80 != 0)
		path := promrw.PathPrometheus
		if mode&1 != 0 {
			path = promrw.PathGreptimeDB + "?db=fuzz&physical_table=p"
		}
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		if mode&2 != 0 {
			req.ContentLength = -1 // chunked: no declared size to reserve from
		}
		for k, v := range map[string]string{"Content-Type": ct, "Content-Encoding": ce, "X-Prometheus-Remote-Write-Version": version} {
			if v != "" {
				req.Header.Set(k, v)
			}
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		code := rec.Code
		switch code {
		case http.StatusNoContent, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusServiceUnavailable:
		default:
			t.Fatalf("status %d: %s", code, rec.Body)
		}
		if code == http.StatusServiceUnavailable && rec.Header().Get("Retry-After") == "" {
			t.Fatalf("503 without Retry-After: %s", rec.Body)
		}
		if code == http.StatusNoContent && sink.called && sink.answer != nil {
			t.Fatalf("204 though the next stage answered %v", sink.answer)
		}
		if sink.called && sink.answer != nil {
			want := http.StatusServiceUnavailable
			if errs.IsPermanent(sink.answer) {
				want = http.StatusBadRequest
			}
			if code != want {
				t.Fatalf("next stage answered %v, handler answered %d, want %d", sink.answer, code, want)
			}
		}
		if code != http.StatusNoContent && code != http.StatusServiceUnavailable && !strings.HasSuffix(rec.Body.String(), "\n") {
			t.Fatalf("%d without a message: %q", code, rec.Body)
		}
		if sink.rows > 2*fuzzMaxDecomp {
			t.Fatalf("%d rows from at most %d decompressed bytes", sink.rows, fuzzMaxDecomp)
		}
		if used := budget.Used(); used != 0 {
			t.Fatalf("%d budget bytes still held after the answer", used)
		}
	})
}
