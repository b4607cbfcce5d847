package greptimetest

import (
	"reflect"
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
)

func TestExtractHints(t *testing.T) {
	tests := []struct {
		name string
		md   metadata.MD
		want hints
	}{
		{
			"split and trim", metadata.Pairs("x-greptime-hints", " ttl = 7d ,append_mode=true, bad, k=a=b"),
			hints{"ttl": "7d", "append_mode": "true", "k": "a=b"},
		},
		{
			"deprecated headers", metadata.Pairs("x-greptime-hint-ttl", " 1d ", "x-greptime-hint-physical_table", "p", "x-greptime-hint-other", "x"),
			hints{"ttl": "1d", "physical_table": "p"},
		},
		{
			"hints header wins", metadata.Pairs("x-greptime-hints", "ttl=2d", "x-greptime-hint-append_mode", "true"),
			hints{"ttl": "2d"},
		},
		{"none", metadata.MD{}, hints{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := extractHints(tt.md); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTableOptionsFromHints(t *testing.T) {
	h := hints{
		"ttl": "7d", "compaction.twcs.time_window": "1h", "merge_mode": "last_non_null",
		"greptime.semantic.signal_type": "metric", "unknown": "x", "auto_create_table": "true",
	}
	got := h.tableOptions("")
	want := map[string]string{
		"ttl": "7d", "compaction.twcs.time_window": "1h", "compaction.type": "twcs",
		"merge_mode": "last_non_null", "greptime.semantic.signal_type": "metric",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("mito options = %v", got)
	}
	got = h.tableOptions("phys")
	want = map[string]string{"ttl": "7d", "greptime.semantic.signal_type": "metric", "on_physical_table": "phys"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("logical options = %v", got)
	}
}

func TestHintsOnInsert(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	one := func(table string, ts int64) []*gpb.RowInsertRequest {
		return []*gpb.RowInsertRequest{req(table, cpuSchema(), row(sv("a"), tv(ts), fv(1)))}
	}
	c.insert("public", one("t", 1), "x-greptime-hints", "auto_create_table=yes").
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Invalid InsertRequest, reason: `auto_create_table` hint must be a boolean")
	c.insert("public", one("t", 1), "x-greptime-hints", "read_preference=follower").
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Unknown hint: read_preference=follower")
	c.insert("public", one("t", 1), "x-greptime-hints", "read_preference=Leader").
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Unknown hint: read_preference=Leader")
	c.insert("public", one("t", 1), "x-greptime-hints", "ttl=7d,read_preference=leader").expectOK(t, 1)
	c.insert("public", one("t", 1), "x-greptime-hints", "read_preference=LEADER").expectOK(t, 1)
	// Options apply only when the table is created.
	c.insert("public", one("t", 2), "x-greptime-hints", "ttl=1d").expectOK(t, 1)
	if ti, _ := s.Table("public", "t"); ti.Options["ttl"] != "7days" {
		t.Fatalf("ttl = %q, want the creating call's 7d (stored as 7days)", ti.Options["ttl"])
	}
	// The deprecated per-key header still works alone.
	c.insert("public", one("u", 1), "x-greptime-hint-ttl", "3d").expectOK(t, 1)
	if ti, _ := s.Table("public", "u"); ti.Options["ttl"] != "3days" {
		t.Fatalf("deprecated hint ignored: %v", ti.Options)
	}
}
