package greptimetest

import (
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc/codes"
)

func TestHumantime(t *testing.T) {
	for s, want := range map[string]bool{
		"7d": true, "1h 30m": true, "1h30m": true, " 2 days ": true, "1 0s": true, "3M": true, "1y2w": true,
		"": false, "7": false, "d": false, "7x": false, "7D": false, "-1d": false, "1.5h": false, "1h,2m": false,
	} {
		if got := validHumantime(s); got != want {
			t.Errorf("validHumantime(%q) = %v, want %v", s, got, want)
		}
	}
	sizes := map[string]bool{"64MB": true, "1.5GiB": true, "1024": true, "": false, "8kb": false, "MB": false}
	sizes[" 8 KB "] = true // surrounding spaces are trimmed
	for s, want := range sizes {
		if got := validReadableSize(s); got != want {
			t.Errorf("validReadableSize(%q) = %v, want %v", s, got, want)
		}
	}
	if !validTTL("FOREVER") || !validTTL("instant") || !validTTL("") {
		t.Error("keywords")
	}
}

func TestTableOptionValues(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	one := []*gpb.RowInsertRequest{req("t", cpuSchema(), row(sv("a"), tv(1), fv(1)))}
	c.insert("public", one, "x-greptime-hints", "ttl=7 fortnights").
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Failed to parse table option, key: ttl, value: 7 fortnights")
	c.insert("public", one, "x-greptime-hints", "skip_wal=yes").
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Failed to parse table option, key: skip_wal, value: yes")
	c.insert("public", one, "x-greptime-hints", "append_mode=true,merge_mode=last_non_null").
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Invalid region options, only last_row merge_mode is allowed when append_mode is enabled")
	c.insert("public", one, "x-greptime-hints", "append_mode=yes").
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Invalid options: provided string was not `true` or `false`")
	c.insert("public", one, "x-greptime-hints", "merge_mode=first_row").
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Invalid options: Matching variant not found")
	c.sql("public", "CREATE TABLE x (ts TIMESTAMP TIME INDEX) WITH (write_buffer_size = '8 parsecs')").
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Failed to parse table option, key: write_buffer_size, value: 8 parsecs")
	if len(s.Tables("public")) != 0 {
		t.Fatalf("tables = %v", s.Tables("public"))
	}
	c.insert("public", one, "x-greptime-hints", "ttl=30d,skip_wal=true,write_buffer_size=64MB").expectOK(t, 1)
}
