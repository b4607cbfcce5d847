package greptimetest

import (
	"strings"

	"google.golang.org/grpc/metadata"
)

// Hint header names (session/src/hints.rs HINTS_KEY, HINT_KEYS).
const hintsKey = "x-greptime-hints"

var deprecatedHintKeys = []string{
	"x-greptime-hint-auto_create_table",
	"x-greptime-hint-ttl",
	"x-greptime-hint-append_mode",
	"x-greptime-hint-merge_mode",
	"x-greptime-hint-physical_table",
	"x-greptime-hint-skip_wal",
	"x-greptime-hint-read_preference",
}

// hints are a call's query-context extensions.
type hints map[string]string

// extractHints reads hints from request metadata as
// servers/src/hint_headers.rs extract_hints does: the first
// x-greptime-hints value is split on ',' then on the first '=', both sides
// trimmed, entries without '=' dropped; when that header is present the
// deprecated x-greptime-hint-<key> headers are ignored. A later duplicate
// key overrides an earlier one, as QueryContextBuilder::set_extension does.
func extractHints(md metadata.MD) hints {
	h := hints{}
	if vs := md.Get(hintsKey); len(vs) > 0 {
		for _, part := range strings.Split(vs[0], ",") {
			k, v, ok := strings.Cut(part, "=")
			if !ok {
				continue
			}
			h[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		return h
	}
	for _, key := range deprecatedHintKeys {
		if vs := md.Get(key); len(vs) > 0 {
			h[strings.TrimPrefix(key, "x-greptime-hint-")] = strings.TrimSpace(vs[0])
		}
	}
	return h
}

// checkReadPreference refuses a read_preference hint that does not parse
// (servers/src/grpc/greptime_handler.rs create_query_context →
// UnknownHint "Unknown hint: k=v", InvalidArguments). ReadPreference
// (common/session/src/lib.rs) has only Leader, parsed from "leader" or
// "LEADER" (§7.9).
func (h hints) checkReadPreference() error {
	v, ok := h["read_preference"]
	if !ok || v == "leader" || v == "LEADER" {
		return nil
	}
	return newErr(StatusInvalidArguments, "Unknown hint: read_preference=%s", v)
}

// validTableOptionKeys is VALID_TABLE_OPTION_KEYS (table/src/requests.rs):
// the hints copied into the options of an auto-created table.
var validTableOptionKeys = []string{
	"write_buffer_size", "ttl", "storage", "comment", "skip_wal", "sst_format",
	"location", "format", "pattern",
	"physical_metric_table", "on_physical_table",
	"table_data_model", "otlp_metric_compat", "repartition.column.hint",
}

// semanticPrefix starts the greptime.semantic.* option keys, copied too
// (operator/src/insert.rs fill_table_options_for_create).
const semanticPrefix = "greptime.semantic."

// tableOptions returns the options of a table auto-created under these
// hints (operator/src/insert.rs fill_table_options_for_create). For a mito
// table append_mode, merge_mode and compaction.twcs.time_window (which also
// sets compaction.type=twcs) are added; for a logical table,
// on_physical_table names the physical table.
func (h hints) tableOptions(logicalOn string) map[string]string {
	opts := map[string]string{}
	for _, k := range validTableOptionKeys {
		if v, ok := h[k]; ok {
			opts[k] = v
		}
	}
	for k, v := range h {
		if strings.HasPrefix(k, semanticPrefix) {
			opts[k] = v
		}
	}
	if logicalOn != "" {
		opts["on_physical_table"] = logicalOn
		return opts
	}
	if v, ok := h["append_mode"]; ok {
		opts["append_mode"] = v
	}
	if v, ok := h["merge_mode"]; ok {
		opts["merge_mode"] = v
	}
	if v, ok := h["compaction.twcs.time_window"]; ok {
		opts["compaction.twcs.time_window"] = v
		opts["compaction.type"] = "twcs"
	}
	return opts
}
