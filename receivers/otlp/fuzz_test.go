package otlp

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/receivers/dbselect"
	"github.com/greptime-bridge/greptime-bridge/translate"
	totlp "github.com/greptime-bridge/greptime-bridge/translate/otlp"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// fuzzSink is the receiver's next stage in the fuzz targets: it checks what
// the receiver passes on and answers as the fuzzer's mode byte says, as the
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
			s.t.Fatalf("receiver passed on an invalid batch %q: %v", b.Table, err)
		}
		s.rows += b.Rows()
	}
	return s.answer
}

// reset prepares the sink for one input; mode bits 4-5 choose its answer.
func (s *fuzzSink) reset(t *testing.T, mode uint8) {
	*s = fuzzSink{t: t}
	switch mode >> 4 & 3 {
	case 1:
		s.answer = errs.NewThrottle(errors.New("greptimedb is busy"), 2*time.Second)
	case 2:
		s.answer = errs.NewPermanent(errors.New("invalid column type"))
	}
}

// Limits small enough that the fuzzer reaches them: a body over 64 KiB or
// one decompressing past 256 KiB is refused with 413, and the budget
// (4 MiB) is below the decoding estimate of the largest request.
const (
	fuzzMaxBody   = 64 << 10
	fuzzMaxDecomp = 256 << 10
	fuzzBudget    = 4 << 20
)

// newFuzzReceiver builds a receiver with the fuzz limits writing to sink.
func newFuzzReceiver(sink *fuzzSink) (*Receiver, *pipeline.Budget) {
	budget := pipeline.NewBudget(fuzzBudget, time.Second)
	r := New(Config{
		MaxRequestBytes: fuzzMaxBody, MaxDecompressedBytes: fuzzMaxDecomp, RetryAfter: 3 * time.Second,
		BudgetWait: time.Millisecond, InflightWait: time.Millisecond,
		// Shape limits small enough that the fuzzer reaches each of them.
		Defaults: totlp.RequestOptions{Limits: translate.Limits{MaxAttributesPerItem: 8, MaxAttributeValueBytes: 64}},
	}, sink, budget, &dbselect.Selector{Default: "public"}, nil, nil, nil)
	return r, budget
}

// compressOTLP frames raw as enc says, unless the mode asks for the
// fuzzer's bytes to be sent as they are (which explores the decompressors).
func compressOTLP(t *testing.T, raw []byte, enc string, asIs bool) []byte {
	if asIs {
		return raw
	}
	switch enc {
	case "gzip":
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		if _, err := zw.Write(raw); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	case "zstd":
		return fuzzZstd.EncodeAll(raw, nil)
	}
	return raw
}

// fuzzZstd is one encoder for every fuzzed body: a new one per input
// cost more than the receiver it feeds.
var fuzzZstd, _ = zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))

// FuzzOTLPHTTPHandler sends arbitrary bodies through the whole OTLP/HTTP
// receiver: sel picks the signal (bits 0-1), JSON or protobuf (bit 2) and
// the encoding (bits 3-4: none, gzip, zstd, identity); mode picks the path
// alias (bit 0), a chunked body (bit 1), the next stage's answer (bits
// 4-5) and sending the bytes uncompressed as they are (bit 7). The
// receiver must never panic; it answers only 200, 400, 413, 415 or 503
// (503 with Retry-After; no other 5xx); every answer is a message of the
// request's encoding (an Export*ServiceResponse for 200, a google.rpc.Status
// otherwise, OTLP/HTTP spec "Failures"); 200 only when the next stage
// stored every row; rows linear in the decompressed limit; and the memory
// budget entirely released afterwards. Committed seeds under testdata/fuzz
// hold telemetrygen's captured requests and the hand-written JSON
// fixtures of translate/otlp, as sent and compressed.
func FuzzOTLPHTTPHandler(f *testing.F) {
	f.Add([]byte(`{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m","gauge":{"dataPoints":[{"asDouble":1,"timeUnixNano":"1000000000"}]}}]}]}]}`), uint8(4), uint8(0))
	f.Add([]byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"hi"},"timeUnixNano":"1"}]}]}]}`), uint8(1|4|8), uint8(0x10))
	f.Add([]byte(`{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"arrayValue":{"values":[{"arrayValue":{}}]}}}]}}]}`), uint8(2|4|16), uint8(0x20))
	sink := &fuzzSink{}
	r, budget := newFuzzReceiver(sink)
	mux := http.NewServeMux()
	r.Register(mux)
	f.Fuzz(func(t *testing.T, raw []byte, sel, mode uint8) {
		sink.reset(t, mode)
		signal := [...]string{sigMetrics, sigLogs, sigTraces, sigMetrics}[sel&3]
		ct := ctProto
		if sel&4 != 0 {
			ct = ctJSON
		}
		enc := [...]string{"", "gzip", "zstd", "identity"}[sel>>3&3]
		path := "/v1/" + signal
		if mode&1 != 0 {
			path = "/v1/otlp" + path
		}
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(compressOTLP(t, raw, enc, mode&0x80 != 0)))
		if mode&2 != 0 {
			req.ContentLength = -1
		}
		req.Header.Set("Content-Type", ct)
		if enc != "" {
			req.Header.Set("Content-Encoding", enc)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		code := rec.Code
		switch code {
		case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusServiceUnavailable:
		default:
			t.Fatalf("status %d: %q", code, rec.Body)
		}
		if code == http.StatusServiceUnavailable && rec.Header().Get("Retry-After") == "" {
			t.Fatalf("503 without Retry-After: %q", rec.Body)
		}
		if got := rec.Header().Get("Content-Type"); got != ct {
			t.Fatalf("answer of type %q to a %s request", got, ct)
		}
		checkAnswerBody(t, signal, ct, code, rec.Body.Bytes())
		checkSinkAnswer(t, sink, code == http.StatusOK, code == http.StatusBadRequest, code == http.StatusServiceUnavailable)
		if used := budget.Used(); used != 0 {
			t.Fatalf("%d budget bytes still held after the answer", used)
		}
	})
}

// checkSinkAnswer holds the receiver's answer to what the next stage said.
func checkSinkAnswer(t *testing.T, sink *fuzzSink, ok, bad, unavailable bool) {
	t.Helper()
	if sink.called && sink.answer != nil {
		if ok {
			t.Fatalf("success though the next stage answered %v", sink.answer)
		}
		if errs.IsPermanent(sink.answer) != bad || errs.IsPermanent(sink.answer) == unavailable {
			t.Fatalf("next stage answered %v; receiver: bad data %v, unavailable %v", sink.answer, bad, unavailable)
		}
	}
	if sink.rows > 2*fuzzMaxDecomp {
		t.Fatalf("%d rows from at most %d decompressed bytes", sink.rows, fuzzMaxDecomp)
	}
}

// checkAnswerBody decodes an OTLP/HTTP answer as the spec says it is
// encoded: the signal's response on success, a Status otherwise.
func checkAnswerBody(t *testing.T, signal, ct string, code int, body []byte) {
	t.Helper()
	if code != http.StatusOK {
		var st spb.Status
		var err error
		if ct == ctJSON {
			err = protojson.Unmarshal(body, &st)
		} else {
			err = proto.Unmarshal(body, &st)
		}
		if err != nil || st.Message == "" {
			t.Fatalf("%d answer is not a Status with a message (%v): %q", code, err, body)
		}
		return
	}
	type unmarshaler interface {
		UnmarshalProto([]byte) error
		UnmarshalJSON([]byte) error
	}
	var u unmarshaler
	switch signal {
	case sigMetrics:
		m := pmetricotlp.NewExportResponse()
		u = &m
	case sigLogs:
		l := plogotlp.NewExportResponse()
		u = &l
	default:
		tr := ptraceotlp.NewExportResponse()
		u = &tr
	}
	if err := unmarshal(u, body, ct == ctJSON); err != nil {
		t.Fatalf("200 answer does not decode as the %s response: %v", signal, err)
	}
}
