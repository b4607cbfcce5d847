package promrw

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/receivers/auth"
	"github.com/greptime-bridge/greptime-bridge/receivers/cardinality"
	"github.com/greptime-bridge/greptime-bridge/receivers/dbselect"
	"github.com/greptime-bridge/greptime-bridge/receivers/internal/answer"
	"github.com/greptime-bridge/greptime-bridge/receivers/internal/inflight"
	"github.com/greptime-bridge/greptime-bridge/receivers/internal/ingress"
	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/translate/prom"

	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// Paths the handler serves.
const (
	PathPrometheus = "/api/v1/write"
	PathGreptimeDB = "/v1/prometheus/write"
)

// Header names of remote write 2.0 (spec "Written headers"; GreptimeDB
// servers/src/http/prom_store.rs sends the same three).
const (
	headerSamplesWritten    = "X-Prometheus-Remote-Write-Samples-Written"
	headerHistogramsWritten = "X-Prometheus-Remote-Write-Histograms-Written"
	headerExemplarsWritten  = "X-Prometheus-Remote-Write-Exemplars-Written"
)

const protoV2 = "io.prometheus.write.v2.Request"

// Consumer takes translated batches and returns once they are written.
type Consumer interface {
	Consume(ctx context.Context, out *translate.Output) error
}

// Config configures the handler.
type Config struct {
	MaxRequestBytes      int64
	MaxDecompressedBytes int64
	// MaxInflight bounds concurrently handled requests; a request that
	// waits longer than InflightWait for a slot is answered 503.
	MaxInflight  int
	InflightWait time.Duration
	// RetryAfter is sent with 503 answers that carry no server hint.
	RetryAfter time.Duration
	// BodyGrace and MinBodyRate cut a body that arrives slower than
	// MinBodyRate bytes/s once BodyGrace has passed (0: no rate rule).
	BodyGrace   time.Duration
	MinBodyRate int64
	// Translate is the template of per-request translation options; the
	// handler fills version, encoding, database and physical table.
	Translate prom.Options
	// DBOptions returns the per-database choices.
	DBOptions func(database string) translate.DatabaseOptions
	// Series, when set, refuses requests bringing new series past a
	// database's hourly or daily series limit.
	Series *cardinality.Limiter
}

// Handler serves remote-write requests.
type Handler struct {
	cfg      Config
	next     Consumer
	budget   *pipeline.Budget
	selector *dbselect.Selector
	auth     *auth.Authenticator
	log      *slog.Logger
	inflight *inflight.Limiter
	ingress  *ingress.Ingress
	outs     sync.Pool
	metrics  *Metrics
}

// New returns a handler writing through next. budget and authn may be nil.
func New(cfg Config, next Consumer, budget *pipeline.Budget, sel *dbselect.Selector, authn *auth.Authenticator, m *Metrics, log *slog.Logger) *Handler {
	if cfg.MaxInflight <= 0 {
		cfg.MaxInflight = ingress.DefaultMaxInflight
	}
	if cfg.InflightWait <= 0 {
		cfg.InflightWait = time.Second
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = ingress.DefaultRetryAfter
	}
	if cfg.MaxRequestBytes <= 0 {
		cfg.MaxRequestBytes = ingress.DefaultMaxRequestBytes
	}
	if cfg.MaxDecompressedBytes <= 0 {
		cfg.MaxDecompressedBytes = ingress.DefaultMaxDecompressedBytes
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if m == nil {
		m = NewMetrics(nil)
	}
	if sel == nil {
		sel = &dbselect.Selector{}
	}
	h := &Handler{
		cfg: cfg, next: next, budget: budget, selector: sel, auth: authn, log: log,
		inflight: inflight.New(cfg.MaxInflight, cfg.InflightWait), metrics: m,
		ingress: ingress.New(ingress.Config{
			MaxRequestBytes: cfg.MaxRequestBytes, MaxDecompressedBytes: cfg.MaxDecompressedBytes,
			BudgetWait: cfg.InflightWait, BodyGrace: cfg.BodyGrace, MinBodyRate: cfg.MinBodyRate,
		}, budget),
	}
	h.outs.New = func() any { return new(translate.Output) }
	return h
}

// Register adds the handler's paths to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle(PathPrometheus, h)
	mux.Handle(PathGreptimeDB, h)
}

// ServeHTTP handles one remote-write request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	version := "1.0"
	code, err := h.serve(w, r, &version)
	h.metrics.observe(version, code, time.Since(start))
	if err != nil && code >= 500 {
		h.log.Warn("remote write not written", "status", code, "error", err)
	}
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, version *string) (int, error) {
	q := r.URL.Query()
	// vmagent's handshake: GreptimeDB answers "1" to any request carrying
	// get_vm_proto_version (servers/src/http/prom_store.rs
	// vm_proto_version_response), telling vmagent that zstd is understood.
	if q.Has("get_vm_proto_version") {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "1")
		return http.StatusOK, nil
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return h.fail(w, http.StatusMethodNotAllowed, 0, "remote write takes POST requests", nil, false)
	}
	principal, err := h.auth.Authenticate(r.Header.Get("Authorization"))
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Basic realm="greptime-bridge"`)
		return h.fail(w, http.StatusUnauthorized, 0, err.Error(), err, false)
	}
	// Headers are checked before the body is read or decompressed.
	ct := r.Header.Get("Content-Type")
	v, err := prom.ParseContentType(ct)
	// A refused 2.0 request still gets the written headers.
	isV2 := v == prom.V2 || strings.Contains(ct, protoV2)
	if isV2 {
		*version = "2.0"
	}
	if err != nil {
		return h.fail(w, http.StatusUnsupportedMediaType, 0, err.Error(), err, isV2)
	}
	enc, err := ingress.RemoteWriteEncoding(r.Header.Get("Content-Encoding"))
	if err != nil {
		return h.fail(w, http.StatusUnsupportedMediaType, 0, err.Error(), err, isV2)
	}
	db, err := h.selector.Select(r.Header.Get, q.Get("db"))
	if err != nil {
		return h.fail(w, http.StatusBadRequest, 0, err.Error(), err, isV2)
	}
	ctx := auth.NewContext(r.Context(), principal)
	if err := h.auth.AuthorizeDatabase(ctx, db); err != nil {
		return h.fail(w, http.StatusForbidden, 0, err.Error(), err, isV2)
	}
	if err := h.inflight.Acquire(ctx); err != nil {
		code, ra := Status(err, h.cfg.RetryAfter)
		return h.fail(w, code, ra, "cannot take remote-write request: "+err.Error(), err, isV2)
	}
	defer h.inflight.Release()

	// The body is read and decompressed with budget reserved for what it
	// really occupies; a refused request costs at most what it sent.
	body, err := h.ingress.Read(w, r)
	if err != nil {
		code, ra := Status(err, h.cfg.RetryAfter)
		return h.fail(w, code, ra, "cannot read remote-write body: "+err.Error(), err, isV2)
	}
	defer body.Close()
	raw, err := decode(body, enc)
	if err != nil {
		code, ra := Status(err, h.cfg.RetryAfter)
		return h.fail(w, code, ra, "cannot read remote-write body of "+sizeString(len(body.Raw()))+": "+err.Error(), err, isV2)
	}
	// Reserve the translation's expected peak before translating, so a
	// request refused for memory costs no translation.
	if err := body.Reserve(int64(body.Size()) + memoryFactor*int64(len(raw))); err != nil {
		code, ra := Status(err, h.cfg.RetryAfter)
		return h.fail(w, code, ra, "cannot take remote-write request of "+sizeString(len(raw))+": "+err.Error(), err, isV2)
	}
	opts := h.cfg.Translate
	opts.Version = v
	opts.Database = db
	opts.PhysicalTable = q.Get("physical_table")
	if h.cfg.DBOptions != nil {
		opts.DB = h.cfg.DBOptions(db)
		opts.DBFor = h.cfg.DBOptions
	}
	out := h.outs.Get().(*translate.Output)
	defer func() {
		out.Reset()
		h.outs.Put(out)
	}()
	if err := prom.Translate(ctx, raw, &opts, out); err != nil {
		code, ra := Status(err, h.cfg.RetryAfter)
		return h.fail(w, code, ra, "cannot write remote-write request of "+sizeString(len(raw))+": "+err.Error(), err, isV2)
	}
	h.metrics.count(*version, out)
	// True the reservation up to what the request really holds.
	if err := body.Reserve(pipeline.RequestBytes(body.Size(), out)); err != nil {
		code, ra := Status(err, h.cfg.RetryAfter)
		return h.fail(w, code, ra, "cannot take remote-write request of "+sizeString(len(raw))+": "+err.Error(), err, isV2)
	}

	// Translation may have sent series elsewhere (__database__ labels):
	// every batch's database is checked before anything is written.
	if err := h.auth.AuthorizeOutput(ctx, out); err != nil {
		return h.fail(w, http.StatusForbidden, 0, err.Error(), err, isV2)
	}
	// New series count against the database's cardinality limits only
	// once the request may write there.
	if h.cfg.Series != nil {
		if err := h.cfg.Series.Admit(out); err != nil {
			code, ra := Status(err, h.cfg.RetryAfter)
			return h.fail(w, code, ra, "cannot write remote-write request: "+err.Error(), err, isV2)
		}
	}
	if err := h.next.Consume(ctx, out); err != nil {
		err = answer.Redact(err)
		code, ra := Status(err, h.cfg.RetryAfter)
		return h.fail(w, code, ra, "cannot write remote-write request: "+err.Error(), err, isV2)
	}
	if isV2 {
		// Every row was acknowledged: everything the request carried was
		// written; GreptimeDB stores no exemplars, so it reports 0 of them.
		w.Header().Set(headerSamplesWritten, strconv.Itoa(out.Samples))
		w.Header().Set(headerHistogramsWritten, strconv.Itoa(out.Histograms))
		w.Header().Set(headerExemplarsWritten, "0")
	}
	w.WriteHeader(http.StatusNoContent)
	return http.StatusNoContent, nil
}

// fail answers an error. Remote write 2.0 answers carry the written headers
// on failure too (spec: "after processing, success or failure"); nothing of
// a failed request is reported written: the pipeline answers per request, so
// a sender's retry rewrites it whole (GreptimeDB deduplicates on tags and
// time index).
func (h *Handler) fail(w http.ResponseWriter, code int, retryAfter time.Duration, msg string, err error, v2 bool) (int, error) {
	if retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((retryAfter+time.Second-1)/time.Second)))
	}
	if v2 {
		w.Header().Set(headerSamplesWritten, "0")
		w.Header().Set(headerHistogramsWritten, "0")
		w.Header().Set(headerExemplarsWritten, "0")
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, msg+"\n")
	if err == nil {
		err = errors.New(msg)
	}
	return code, err
}

// decode decompresses a remote-write body, falling back to the other
// codec when the declared one fails, as GreptimeDB does for vmagent's
// mislabelled bodies (servers/src/prom_remote_write/mod.rs try_decompress,
// issue #3929). A body over a limit or a wait for budget is not retried.
func decode(body *ingress.Body, enc ingress.Encoding) ([]byte, error) {
	raw, err := body.Decode(enc)
	if c, _ := errs.Classify(err); c != errs.BadData {
		return raw, err
	}
	other := ingress.Zstd
	if enc == ingress.Zstd {
		other = ingress.Snappy
	}
	if raw, err2 := body.Decode(other); err2 == nil {
		return raw, nil
	}
	return nil, err
}

func sizeString(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
