package otlp

import (
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// TestLogsExistingAlignErrors covers coerce_log_value_data's refusals and
// the cases it lets through (logs.rs): a float extract key is allowed into
// an existing DOUBLE column though a new tag refuses it; an INT32 built-in
// into a BIGINT column, JSON into a STRING column and a timestamp into a
// STRING column are refused; a NULL body passes whatever the type.
func TestLogsExistingAlignErrors(t *testing.T) {
	ts := kc("timestamp", table.TimestampNanosecond, table.Timestamp)
	withRec := func(f func(plog.LogRecord)) plog.Logs {
		ld := oneLog(9, "b", func(pcommon.Map) {})
		f(ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0))
		return ld
	}
	for _, tc := range []struct {
		name    string
		cols    []translate.KnownColumn
		ld      plog.Logs
		keys    []string
		wantErr string
	}{
		{
			"float into double",
			[]translate.KnownColumn{ts, kc("lat", table.Float64, table.Field)},
			withRec(func(r plog.LogRecord) { r.Attributes().PutDouble("lat", 1.5) }),
			[]string{"lat"},
			"",
		},
		{
			"int into double",
			[]translate.KnownColumn{ts, kc("lat", table.Float64, table.Field)},
			withRec(func(r plog.LogRecord) { r.Attributes().PutInt("lat", 1) }),
			[]string{"lat"},
			"failed to align log column 'lat' in table 'e' from Int64 to Float64",
		},
		{
			"map into string",
			[]translate.KnownColumn{ts, kc("m", table.String, table.Field)},
			withRec(func(r plog.LogRecord) { r.Attributes().PutEmptyMap("m").PutInt("a", 1) }),
			[]string{"m"},
			"Json value",
		},
		{
			"int32 into bigint",
			[]translate.KnownColumn{ts, kc("severity_number", table.Int64, table.Field)},
			withRec(func(plog.LogRecord) {}), nil,
			"failed to align log column 'severity_number' in table 'e' from Int32 to Int64",
		},
		{
			"json into string",
			[]translate.KnownColumn{ts, kc("log_attributes", table.String, table.Field)},
			withRec(func(plog.LogRecord) {}), nil,
			"failed to align log column 'log_attributes' in table 'e' from Json to String",
		},
		{
			"json into binary",
			[]translate.KnownColumn{ts, kc("log_attributes", table.Binary, table.Field)},
			withRec(func(plog.LogRecord) {}), nil, "JSONB",
		},
		{
			"timestamp into string",
			[]translate.KnownColumn{kc("timestamp", table.String, table.Field)},
			withRec(func(plog.LogRecord) {}), nil,
			"failed to align log column 'timestamp' in table 'e' from TimestampNanosecond to String",
		},
		{
			"null body into bigint",
			[]translate.KnownColumn{ts, kc("body", table.Int64, table.Field)},
			withRec(func(r plog.LogRecord) { pcommon.NewValueEmpty().CopyTo(r.Body()) }), nil, "",
		},
		{
			"other time index",
			[]translate.KnownColumn{kc("ts", table.TimestampMillisecond, table.Timestamp)},
			withRec(func(plog.LogRecord) {}), nil, `time index "ts"`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := logsErr(tc.ld, &RequestOptions{LogTableName: "e", LogExtractKeys: tc.keys, Schema: schemaMap{".e": tc.cols}})
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errs.IsPermanent(err)):
				t.Fatalf("err = %v, want a permanent error containing %q", err, tc.wantErr)
			}
		})
	}
}

// TestConvertTimestamp checks Timestamp::convert_to's floor division and
// overflow (common/time/src/timestamp.rs).
func TestConvertTimestamp(t *testing.T) {
	for _, tc := range []struct {
		v        int64
		from, to table.DataType
		want     int64
		ok       bool
	}{
		{1_736_413_568_497_632_000, table.TimestampNanosecond, table.TimestampMillisecond, 1_736_413_568_497, true},
		{-1, table.TimestampNanosecond, table.TimestampMillisecond, -1, true},
		{-1_000_000, table.TimestampNanosecond, table.TimestampMillisecond, -1, true},
		{1_999_999_999, table.TimestampNanosecond, table.TimestampSecond, 1, true},
		{5, table.TimestampSecond, table.TimestampNanosecond, 5_000_000_000, true},
		{1 << 62, table.TimestampSecond, table.TimestampNanosecond, 0, false},
	} {
		got, ok := convertTimestamp(tc.v, tc.from, tc.to)
		if got != tc.want || ok != tc.ok {
			t.Errorf("convert(%d, %s→%s) = %d, %v; want %d, %v", tc.v, tc.from, tc.to, got, ok, tc.want, tc.ok)
		}
	}
}
