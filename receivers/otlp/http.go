package otlp

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/greptime-bridge/greptime-bridge/receivers/auth"
	"github.com/greptime-bridge/greptime-bridge/receivers/internal/ingress"
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
	enc, err := ingress.OTLPEncoding(req.Header.Get("Content-Encoding"))
	if err != nil {
		return r.httpError(w, respCT, http.StatusUnsupportedMediaType, 0, err)
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
	// The body is read and decompressed with budget reserved for what it
	// really occupies; then the decoded request's expected peak is
	// reserved before decoding, so a request refused for memory costs no
	// decoding. Nothing holds the body once the request is answered (the
	// wire decoder's views end with process).
	b, err := r.ingress.Read(w, req)
	if err != nil {
		code, ra := HTTPStatus(err, r.cfg.RetryAfter)
		return r.httpError(w, respCT, code, ra, fmt.Errorf("cannot read OTLP %s body: %w", signal, err))
	}
	defer b.Close()
	body, err := b.Decode(enc)
	if err == nil {
		err = b.Reserve(int64(b.Size()) + decodeFactor*int64(len(body)))
	}
	if err != nil {
		code, ra := HTTPStatus(err, r.cfg.RetryAfter)
		return r.httpError(w, respCT, code, ra, fmt.Errorf("cannot read OTLP %s body: %w", signal, err))
	}
	payload, err := decodeHTTP(signal, body, isJSON)
	if err != nil {
		return r.httpError(w, respCT, http.StatusBadRequest, 0, fmt.Errorf("cannot decode OTLP %s request of %d bytes: %w", signal, len(body), err))
	}
	rejected, msg, err := r.process(ctx, signal, payload, &opts, b.Size(), b.Reserve)
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

// decodeHTTP decodes a JSON body, and a protobuf trace body, with pdata;
// protobuf metrics and logs go to translation undecoded.
func decodeHTTP(signal string, body []byte, isJSON bool) (any, error) {
	switch {
	case !isJSON && signal == sigMetrics:
		return rawMetrics(body), nil
	case !isJSON && signal == sigLogs:
		return rawLogs(body), nil
	case !isJSON:
		return decodeTraces(body)
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
