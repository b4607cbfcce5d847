package otlp

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/greptime-bridge/greptime-bridge/receivers/auth"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

const (
	ctProto = "application/x-protobuf"
	ctJSON  = "application/json"
)

// Register adds the OTLP/HTTP paths (and GreptimeDB's /v1/otlp/v1/...
// aliases, so switching from GreptimeDB's endpoint means changing only the
// address) to mux.
func (r *Receiver) Register(mux *http.ServeMux) {
	for _, prefix := range []string{"", "/v1/otlp"} {
		mux.HandleFunc(prefix+"/v1/metrics", func(w http.ResponseWriter, req *http.Request) { r.serveHTTP(w, req, sigMetrics) })
		mux.HandleFunc(prefix+"/v1/logs", func(w http.ResponseWriter, req *http.Request) { r.serveHTTP(w, req, sigLogs) })
		mux.HandleFunc(prefix+"/v1/traces", func(w http.ResponseWriter, req *http.Request) { r.serveHTTP(w, req, sigTraces) })
	}
}

func (r *Receiver) serveHTTP(w http.ResponseWriter, req *http.Request, signal string) {
	start := time.Now()
	code := r.handleHTTP(w, req, signal)
	r.metrics.observe(signal, "http", strconv.Itoa(code), time.Since(start))
}

func (r *Receiver) handleHTTP(w http.ResponseWriter, req *http.Request, signal string) int {
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return r.httpError(w, ctProto, http.StatusMethodNotAllowed, 0, errors.New("OTLP/HTTP takes POST requests"))
	}
	mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
	isJSON := mt == ctJSON
	if mt != ctProto && !isJSON {
		return r.httpError(w, ctProto, http.StatusUnsupportedMediaType, 0,
			fmt.Errorf("unsupported content type %q: want %s or %s", req.Header.Get("Content-Type"), ctProto, ctJSON))
	}
	respCT := ctProto
	if isJSON {
		respCT = ctJSON
	}
	principal, err := r.auth.Authenticate(req.Header.Get("Authorization"))
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Basic realm="greptime-bridge"`)
		return r.httpError(w, respCT, http.StatusUnauthorized, 0, err)
	}
	enc := strings.ToLower(strings.TrimSpace(req.Header.Get("Content-Encoding")))
	if enc != "" && enc != "identity" && enc != "gzip" && enc != "zstd" {
		return r.httpError(w, respCT, http.StatusUnsupportedMediaType, 0,
			fmt.Errorf("unsupported content encoding %q: want gzip, zstd or none", enc))
	}
	if req.ContentLength > r.cfg.MaxRequestBytes {
		return r.httpError(w, respCT, http.StatusRequestEntityTooLarge, 0,
			fmt.Errorf("%w: %d bytes declared, limit %d", errTooLarge, req.ContentLength, r.cfg.MaxRequestBytes))
	}
	opts, err := r.options(signal, req.Header.Get, req.URL.Query().Get("db"))
	if err != nil {
		code, ra := HTTPStatus(err, r.cfg.RetryAfter)
		return r.httpError(w, respCT, code, ra, err)
	}
	ctx := auth.NewContext(req.Context(), principal)
	if err := r.auth.AuthorizeDatabase(ctx, opts.Database); err != nil {
		return r.httpError(w, respCT, http.StatusForbidden, 0, err)
	}
	// A slot before the body is read, as remote write takes one.
	if err := r.inflight.Acquire(req.Context()); err != nil {
		code, ra := HTTPStatus(err, r.cfg.RetryAfter)
		return r.httpError(w, respCT, code, ra, fmt.Errorf("cannot take OTLP %s request: %w", signal, err))
	}
	defer r.inflight.Release()
	// Reserve memory for the body before reading it, then for the decoded
	// request before decompressing and decoding, so a refused request
	// costs almost nothing. Reservations are capped at the budget: a large
	// request waits for an empty budget instead of being refused for good.
	var reserved int64
	if r.budget != nil {
		first := req.ContentLength
		if first <= 0 {
			first = r.cfg.MaxRequestBytes
		}
		reserved = min(first, r.budget.Limit())
		if aerr := r.budget.Acquire(req.Context(), reserved, r.cfg.BudgetWait); aerr != nil {
			code, ra := HTTPStatus(aerr, r.cfg.RetryAfter)
			return r.httpError(w, respCT, code, ra, fmt.Errorf("cannot take OTLP %s request: %w", signal, aerr))
		}
		defer func() { r.budget.Release(reserved) }()
	}
	// The body buffer is pooled: nothing holds the body once the request
	// is answered (the wire decoder's views end with process).
	buf := bodyPool.Get().(*bytes.Buffer)
	defer putBody(buf)
	body, err := readLimited(buf, req.Body, req.ContentLength, r.cfg.MaxRequestBytes)
	if err == nil && r.budget != nil {
		want := int64(len(body)) + decodeFactor*decodedSize(body, enc, r.cfg.MaxDecompressedBytes)
		if aerr := r.budget.Resize(req.Context(), &reserved, want, r.cfg.BudgetWait); aerr != nil {
			code, ra := HTTPStatus(aerr, r.cfg.RetryAfter)
			return r.httpError(w, respCT, code, ra, fmt.Errorf("cannot take OTLP %s request: %w", signal, aerr))
		}
	}
	if err == nil {
		body, err = decompress(body, enc, r.cfg.MaxDecompressedBytes)
	}
	if err != nil {
		code := http.StatusBadRequest
		if errors.Is(err, errTooLarge) {
			code = http.StatusRequestEntityTooLarge
		}
		return r.httpError(w, respCT, code, 0, fmt.Errorf("cannot read OTLP %s body: %w", signal, err))
	}
	payload, err := decodeHTTP(signal, body, isJSON)
	if err != nil {
		return r.httpError(w, respCT, http.StatusBadRequest, 0, fmt.Errorf("cannot decode OTLP %s request of %d bytes: %w", signal, len(body), err))
	}
	rejected, msg, err := r.process(ctx, signal, payload, &opts, len(body), &reserved)
	if err != nil {
		code, ra := HTTPStatus(err, r.cfg.RetryAfter)
		if code >= 500 {
			r.log.Warn("OTLP request not written", "signal", signal, "status", code, "error", err)
		}
		return r.httpError(w, respCT, code, ra, fmt.Errorf("cannot write OTLP %s: %w", signal, err))
	}
	resp, err := encodeResponse(signal, rejected, msg, isJSON)
	if err != nil {
		return r.httpError(w, respCT, http.StatusInternalServerError, 0, err)
	}
	w.Header().Set("Content-Type", respCT)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(resp)
	return http.StatusOK
}

// httpError writes a google.rpc.Status body in the request's encoding, as
// the OTLP spec requires for 4xx/5xx answers.
func (r *Receiver) httpError(w http.ResponseWriter, ct string, code int, retryAfter time.Duration, err error) int {
	if retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((retryAfter+time.Second-1)/time.Second)))
	}
	// The message may quote the request's bytes; protobuf and protojson
	// refuse to marshal a string that is not UTF-8, which left the answer
	// without a body (found by FuzzOTLPHTTPHandler).
	st := &spb.Status{Code: int32(grpcCodeFor(code)), Message: strings.ToValidUTF8(err.Error(), "\uFFFD")}
	var body []byte
	if ct == ctJSON {
		body, _ = protojson.Marshal(st)
	} else {
		body, _ = proto.Marshal(st)
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(code)
	_, _ = w.Write(body)
	return code
}

func grpcCodeFor(httpCode int) int {
	switch httpCode {
	case http.StatusBadRequest, http.StatusUnsupportedMediaType, http.StatusMethodNotAllowed:
		return 3 // InvalidArgument
	case http.StatusRequestEntityTooLarge:
		return 8 // ResourceExhausted
	case http.StatusUnauthorized:
		return 16 // Unauthenticated
	case http.StatusForbidden:
		return 7 // PermissionDenied
	case http.StatusServiceUnavailable:
		return 14 // Unavailable
	}
	return 13 // Internal
}

var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func putBody(buf *bytes.Buffer) {
	if buf.Cap() <= maxPooledRequest {
		buf.Reset()
		bodyPool.Put(buf)
	}
}

// readLimited reads at most limit bytes into buf and returns them. A
// declared length sizes buf up front, but only up to maxPooledRequest: a
// length is a claim, and memory should follow bytes that arrived.
func readLimited(buf *bytes.Buffer, r io.Reader, declared, limit int64) ([]byte, error) {
	buf.Reset()
	if declared > 0 && declared <= limit {
		buf.Grow(int(min(declared, maxPooledRequest)) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(io.LimitReader(r, limit+1)); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", errTooLarge, limit)
	}
	return buf.Bytes(), nil
}

// decompress inflates body, never beyond limit bytes.
func decompress(body []byte, enc string, limit int64) ([]byte, error) {
	var rd io.Reader
	switch enc {
	case "", "identity":
		return body, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, errs.NewPermanent(err)
		}
		defer zr.Close()
		rd = zr
	case "zstd":
		// A frame that declares more than the limit is refused before a
		// byte is decoded.
		var h zstd.Header
		if err := h.Decode(body); err == nil && h.HasFCS && h.FrameContentSize > uint64(limit) {
			return nil, fmt.Errorf("%w: zstd body of %d bytes claims %d bytes, limit %d", errTooLarge, len(body), h.FrameContentSize, limit)
		}
		zr, err := zstd.NewReader(bytes.NewReader(body), zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(uint64(limit)+1))
		if err != nil {
			return nil, errs.NewPermanent(err)
		}
		defer zr.Close()
		rd = zr
	}
	out, err := io.ReadAll(io.LimitReader(rd, limit+1))
	if err != nil {
		return nil, errs.NewPermanent(err)
	}
	if int64(len(out)) > limit {
		return nil, fmt.Errorf("%w: decompressed body exceeds %d bytes", errTooLarge, limit)
	}
	return out, nil
}

// decodeHTTP decodes a JSON body, and a protobuf trace body, with pdata;
// protobuf metrics and logs go to translation undecoded.
func decodeHTTP(signal string, body []byte, isJSON bool) (any, error) {
	switch {
	case !isJSON && signal == sigMetrics:
		return rawMetrics(body), nil
	case !isJSON && signal == sigLogs:
		return rawLogs(body), nil
	}
	if isJSON {
		if err := checkJSONDepth(body, maxJSONDepth); err != nil {
			return nil, err
		}
	}
	switch signal {
	case sigMetrics:
		req := pmetricotlp.NewExportRequest()
		if err := unmarshal(&req, body, isJSON); err != nil {
			return nil, err
		}
		return req.Metrics(), nil
	case sigLogs:
		req := plogotlp.NewExportRequest()
		if err := unmarshal(&req, body, isJSON); err != nil {
			return nil, err
		}
		return req.Logs(), nil
	default:
		req := ptraceotlp.NewExportRequest()
		if err := unmarshal(&req, body, isJSON); err != nil {
			return nil, err
		}
		return req.Traces(), nil
	}
}

type unmarshaler interface {
	UnmarshalProto([]byte) error
	UnmarshalJSON([]byte) error
}

func unmarshal(u unmarshaler, body []byte, isJSON bool) error {
	if isJSON {
		return u.UnmarshalJSON(body)
	}
	return u.UnmarshalProto(body)
}

func encodeResponse(signal string, rejected int64, msg string, isJSON bool) ([]byte, error) {
	type marshaler interface {
		MarshalProto() ([]byte, error)
		MarshalJSON() ([]byte, error)
	}
	var m marshaler
	switch signal {
	case sigMetrics:
		resp := pmetricotlp.NewExportResponse()
		if rejected > 0 {
			resp.PartialSuccess().SetRejectedDataPoints(rejected)
			resp.PartialSuccess().SetErrorMessage(msg)
		}
		m = resp
	case sigLogs:
		resp := plogotlp.NewExportResponse()
		if rejected > 0 {
			resp.PartialSuccess().SetRejectedLogRecords(rejected)
			resp.PartialSuccess().SetErrorMessage(msg)
		}
		m = resp
	default:
		resp := ptraceotlp.NewExportResponse()
		if rejected > 0 {
			resp.PartialSuccess().SetRejectedSpans(rejected)
			resp.PartialSuccess().SetErrorMessage(msg)
		}
		m = resp
	}
	if isJSON {
		return m.MarshalJSON()
	}
	return m.MarshalProto()
}

// decodedSize reads the decompressed size a body announces: gzip's ISIZE
// trailer (modulo 4 GiB) or a zstd frame's content size; otherwise it
// assumes the largest allowed, and a plain body is its own size.
func decodedSize(body []byte, enc string, limit int64) int64 {
	n := limit
	switch enc {
	case "", "identity":
		n = int64(len(body))
	case "gzip":
		if len(body) >= 18 {
			n = int64(binary.LittleEndian.Uint32(body[len(body)-4:]))
		}
	case "zstd":
		var h zstd.Header
		if err := h.Decode(body); err == nil && h.HasFCS {
			n = int64(h.FrameContentSize)
		}
	}
	if n > limit {
		n = limit
	}
	return n
}
