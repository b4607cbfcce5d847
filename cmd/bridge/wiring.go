package main

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/greptime-bridge/greptime-bridge/config"
	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/receivers/auth"
	"github.com/greptime-bridge/greptime-bridge/receivers/servertls"
	"github.com/greptime-bridge/greptime-bridge/translate"
	totlp "github.com/greptime-bridge/greptime-bridge/translate/otlp"
	"github.com/greptime-bridge/greptime-bridge/translate/prom"
	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
)

func newClient(cfg config.Config) (*writer.Client, error) {
	g := cfg.GreptimeDB
	wc := writer.DefaultConfig(g.Endpoints...)
	wc.Database = g.Database
	wc.Username, wc.Password = g.Username, g.Password.Reveal()
	wc.RequestTimeout = g.Timeout
	wc.ConnectTimeout = g.ConnectTimeout
	switch g.Compression {
	case config.CompressionNone:
	case config.CompressionGzip:
		wc.Compression = writer.CompressionGzip
	case config.CompressionZstd:
		wc.Compression = writer.CompressionZstd
	default:
		return nil, unknown("greptimedb.compression", string(g.Compression))
	}
	if g.TLS.Enabled {
		tc, err := writer.TLSConfig(writer.TLSOptions{
			CAFile: g.TLS.CAFile, CertFile: g.TLS.CertFile, KeyFile: g.TLS.KeyFile,
			ServerName: g.TLS.ServerName, InsecureSkipVerify: g.TLS.InsecureSkipVerify,
		})
		if err != nil {
			return nil, err
		}
		wc.TLS = tc
	}
	return writer.NewClient(wc)
}

// newAuthenticator builds the receivers' authenticator: each user and token
// with the databases it may write. Credentials allowed every database are
// named (never shown) in the start-up log, so an operator sees what the
// older bare forms grant.
func newAuthenticator(cfg config.Config, reg prometheus.Registerer, log *slog.Logger) *auth.Authenticator {
	o := auth.Options{DefaultDatabase: cfg.GreptimeDB.Database, Registerer: reg, Log: log}
	var everywhere []string
	names := slices.Sorted(maps.Keys(cfg.Auth.Users))
	for _, name := range names {
		u := cfg.Auth.Users[name]
		o.Users = append(o.Users, auth.Credential{Name: name, Secret: u.Password.Reveal(), Databases: u.Databases})
		if slices.Contains(u.Databases, auth.AllDatabases) {
			everywhere = append(everywhere, "user "+name)
		}
	}
	for i, t := range cfg.Auth.BearerTokens {
		name := cfg.Auth.TokenName(i)
		o.Tokens = append(o.Tokens, auth.Credential{Name: name, Secret: t.Token.Reveal(), Databases: t.Databases})
		if slices.Contains(t.Databases, auth.AllDatabases) {
			everywhere = append(everywhere, "token "+name)
		}
	}
	a := auth.New(o)
	if !a.Enabled() {
		log.Warn("receivers accept requests without credentials (auth.users and auth.bearer_tokens are empty)")
	} else if len(everywhere) > 0 {
		log.Info("credentials that may write to every database", "credentials", strings.Join(everywhere, ", "))
	}
	return a
}

// newListenTLS loads the listeners' certificate when listen.tls is enabled
// (nil otherwise); the files are reloaded when they change.
func newListenTLS(c config.ListenTLS, log *slog.Logger) (*servertls.Reloader, error) {
	if !c.Enabled {
		return nil, nil
	}
	o, err := listenTLSOptions(c)
	if err != nil {
		return nil, err
	}
	o.Log = log
	r, err := servertls.New(o)
	if err != nil {
		return nil, fmt.Errorf("listen.tls: %w", err)
	}
	return r, nil
}

func listenTLSOptions(c config.ListenTLS) (servertls.Options, error) {
	o := servertls.Options{CertFile: c.CertFile, KeyFile: c.KeyFile, ClientCAFile: c.ClientCAFile}
	switch c.ClientAuth {
	case config.TLSClientAuthNone:
		o.ClientAuth = tls.NoClientCert
	case config.TLSClientAuthRequest:
		o.ClientAuth = tls.VerifyClientCertIfGiven
	case config.TLSClientAuthRequire:
		o.ClientAuth = tls.RequireAndVerifyClientCert
	default:
		return o, unknown("listen.tls.client_auth", string(c.ClientAuth))
	}
	switch c.MinVersion {
	case config.TLSVersion12:
		o.MinVersion = tls.VersionTLS12
	case config.TLSVersion13:
		o.MinVersion = tls.VersionTLS13
	default:
		return o, unknown("listen.tls.min_version", string(c.MinVersion))
	}
	return o, nil
}

// unknown reports a configuration value the wiring has no case for. Validate
// refuses such values first, so this is a guard against the two drifting
// apart, not a fallback.
func unknown(path, value string) error {
	return fmt.Errorf("%s: %q is not a value this build knows", path, value)
}

func pipelineMode(m config.PipelineMode) (pipeline.Mode, error) {
	switch m {
	case config.PipelineModeAuto:
		return pipeline.ModeAuto, nil
	case config.PipelineModeRows:
		return pipeline.ModeRows, nil
	case config.PipelineModeBulk:
		return pipeline.ModeBulk, nil
	}
	return pipeline.ModeAuto, unknown("pipeline.mode", string(m))
}

func bulkOptions(cfg config.Config) ([]writer.BulkOption, error) {
	opts := []writer.BulkOption{writer.WithParallelism(cfg.GreptimeDB.BulkParallelism), writer.WithBulkTimeout(cfg.GreptimeDB.Timeout)}
	switch cfg.GreptimeDB.BulkCompression {
	case config.BulkCompressionNone:
		opts = append(opts, writer.WithBulkCompression(writer.BulkNoCompression))
	case config.BulkCompressionLZ4:
		opts = append(opts, writer.WithBulkCompression(writer.BulkLZ4))
	case config.BulkCompressionZstd:
		opts = append(opts, writer.WithBulkCompression(writer.BulkZstd))
	default:
		return nil, unknown("greptimedb.bulk_compression", string(cfg.GreptimeDB.BulkCompression))
	}
	return opts, nil
}

func dbOptions(cfg config.Config) func(string) translate.DatabaseOptions {
	return func(db string) translate.DatabaseOptions {
		d := cfg.ForDatabase(db)
		o := translate.DefaultDatabaseOptions()
		if d.MetricEngine != nil {
			o.MetricEngine = *d.MetricEngine
		}
		if d.PhysicalTable != "" {
			o.PhysicalTable = d.PhysicalTable
		}
		switch d.OTLPMetricMode {
		case config.OTLPMetricModeProm:
			o.OTLPMetricMode = translate.OTLPMetricProm
		case config.OTLPMetricModeLegacy:
			o.OTLPMetricMode = translate.OTLPMetricLegacy
		}
		return o
	}
}

func promOptions(cfg config.Config) (prom.Options, error) {
	o := prom.DefaultOptions()
	o.Limits = shapeLimits(cfg)
	t := cfg.Translate
	switch t.LabelNames {
	case config.LabelNamesReject:
		o.LabelNames = prom.LabelNamesReject
	case config.LabelNamesSanitize:
		o.LabelNames = prom.LabelNamesSanitize
	default:
		return o, unknown("translate.label_names", string(t.LabelNames))
	}
	switch t.LabelValueUTF8 {
	case config.LabelValueUTF8Strict:
		o.UTF8 = prom.UTF8Strict
	case config.LabelValueUTF8Lossy:
		o.UTF8 = prom.UTF8Lossy
	case config.LabelValueUTF8Unchecked:
		o.UTF8 = prom.UTF8Unchecked
	default:
		return o, unknown("translate.label_value_utf8", string(t.LabelValueUTF8))
	}
	switch t.NativeHistograms {
	case config.NativeHistogramsReject:
		o.NativeHistograms = prom.NativeHistogramsRefuse
	case config.NativeHistogramsClassic:
		o.NativeHistograms = prom.NativeHistogramsClassic
	default:
		return o, unknown("translate.native_histograms", string(t.NativeHistograms))
	}
	return o, nil
}

func otlpDefaults(cfg config.Config) (totlp.RequestOptions, error) {
	var o totlp.RequestOptions
	s, err := totlp.ParseStrategy(string(cfg.Translate.OTLPTranslationStrategy))
	if err != nil {
		return o, fmt.Errorf("translate.otlp_translation_strategy: %w", err)
	}
	o.Strategy = s
	o.PromoteAllResourceAttrs = cfg.Translate.PromoteAllResourceAttributes
	if o.PromoteAllResourceAttrs {
		o.ResourceAttrs = cfg.Translate.IgnoreResourceAttributes
	} else {
		o.ResourceAttrs = cfg.Translate.PromoteResourceAttributes
	}
	o.PromoteScopeAttrs = cfg.Translate.PromoteScopeMetadata
	o.Limits = shapeLimits(cfg)
	switch cfg.Translate.ExponentialHistograms {
	case config.ExponentialHistogramsDrop:
	case config.ExponentialHistogramsClassic:
		o.ConvertExponentialHistograms = true
	default:
		return o, unknown("translate.exponential_histograms", string(cfg.Translate.ExponentialHistograms))
	}
	return o, nil
}

func registerPipelineMetrics(reg prometheus.Registerer, p *pipeline.Pipeline, s *pipeline.Streams) {
	st := p.Stats()
	counter := func(name, help string, f func() int64) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(f()) }))
	}
	counter("bridge_rows_written_insert_total", "Rows GreptimeDB acknowledged through row inserts.", st.RowsByInsert.Load)
	counter("bridge_rows_written_bulk_total", "Rows GreptimeDB acknowledged through bulk streams.", st.RowsByBulk.Load)
	counter("bridge_rows_failed_total", "Rows that could not be written.", st.RowsFailed.Load)
	counter("bridge_flushes_total", "Flushes of coalesced tables.", st.Flushes.Load)
	counter("bridge_table_batches_written_total", "Table batches written (one per table per flush); rows written over it is the coalescing depth.", st.TablesWritten.Load)
	counter("bridge_write_retries_total", "Retried writes.", st.Retries.Load)
	counter("bridge_split_writes_total", "Coalesced writes split: by request after a permanent error, by table once retries ran out.", st.Splits.Load)
	counter("bridge_schema_lookups_total", "Tables whose schema was read from GreptimeDB (first sight, or after a stale-schema answer).", st.SchemaLookups.Load)
	counter("bridge_schema_lookup_errors_total", "Schema look-ups GreptimeDB did not answer.", st.SchemaLookupErrors.Load)
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "bridge_open_bulk_streams", Help: "Open bulk streams."},
		func() float64 { return float64(s.Open()) }))
}

// debugTables lists what the embedded test server holds (dev mode only).
func debugTables(s *greptimetest.Server) http.Handler {
	type column struct {
		Name     string            `json:"name"`
		Type     string            `json:"data_type"`
		Semantic string            `json:"semantic_type"`
		Nullable bool              `json:"nullable"`
		Default  string            `json:"default,omitempty"`
		Options  map[string]string `json:"options,omitempty"`
	}
	// A table as SHOW CREATE TABLE describes it: engine, time index,
	// primary key, partition rule and options, and the statement itself.
	type tableInfo struct {
		Database   string            `json:"database"`
		Name       string            `json:"name"`
		Engine     string            `json:"engine"`
		TimeIndex  string            `json:"time_index"`
		PrimaryKey []string          `json:"primary_key"`
		Partition  string            `json:"partition,omitempty"`
		ShowCreate string            `json:"show_create_table"`
		Columns    []column          `json:"columns"`
		Options    map[string]string `json:"table_options,omitempty"`
		Rows       int               `json:"row_count"`
		ByPath     map[string]int    `json:"rows_by_path"`
		SampleRows [][]string        `json:"sample_rows"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		db := q.Get("db")
		if db == "" {
			db = "public"
		}
		// ?rows=N or ?rows=all sets how many sample rows each table shows
		// (default 3); ?table=name lists one table.
		sample := 3
		switch v := q.Get("rows"); v {
		case "":
		case "all":
			sample = -1
		default:
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				http.Error(w, "rows must be a non-negative number or all", http.StatusBadRequest)
				return
			}
			sample = n
		}
		var out []tableInfo
		for _, name := range s.Tables(db) {
			if only := q.Get("table"); only != "" && only != name {
				continue
			}
			info, ok := s.Table(db, name)
			if !ok {
				continue
			}
			ti := tableInfo{
				Database: db, Name: name, Engine: info.Engine, TimeIndex: info.TimeIndex, PrimaryKey: info.PrimaryKey,
				Partition: info.Partition, ShowCreate: info.CreateSQL(), Options: info.Options, Rows: s.RowCount(db, name), ByPath: map[string]int{},
			}
			for _, c := range info.Columns {
				ti.Columns = append(ti.Columns, column{
					Name: c.Name, Type: c.Type.String(), Semantic: c.Semantic.String(),
					Nullable: c.Nullable, Default: c.Default, Options: c.Options,
				})
			}
			for path, n := range s.PathCounts(db, name) {
				ti.ByPath[strings.ToLower(path.String())] = n
			}
			rows := s.Rows(db, name)
			for i := 0; i < len(rows) && (sample < 0 || i < sample); i++ {
				var sr []string
				for _, v := range rows[i] {
					sr = append(sr, v.String())
				}
				ti.SampleRows = append(ti.SampleRows, sr)
			}
			out = append(out, ti)
		}
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(out)
	})
}
