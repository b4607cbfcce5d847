package writer_test

import (
	"errors"
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func TestStreamInserterSumsRowsAndSendsHintsOnce(t *testing.T) {
	s, c := startWithClient(t, greptimetest.Options{Databases: []string{"metrics"}})
	var h table.Hints
	h.Set("ttl", "3d")
	st, err := c.NewStreamInserter(ctxT(t), writer.WithHints(h), writer.WithDatabase("metrics"))
	if err != nil {
		t.Fatal(err)
	}
	var sent []*table.Batch
	for i := 0; i < 5; i++ {
		b := cpuBatch(t, "cpu", 4, int64(i*4))
		sent = append(sent, b)
		if err := st.Write(b, cpuBatch(t, "mem", 1, int64(i))); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	n, err := st.CloseAndRecv()
	if err != nil || n != 25 {
		t.Fatalf("close: %d %v", n, err)
	}
	if got := s.RowCount("metrics", "cpu"); got != 20 {
		t.Errorf("cpu holds %d rows", got)
	}
	if info, _ := s.Table("metrics", "mem"); info.Options["ttl"] != "3days" {
		t.Errorf("stream hints not applied: %v", info.Options)
	}
	if got := s.LastHeaders("HandleRequests").Get(writer.HeaderHints); len(got) != 1 || got[0] != "ttl=3d" {
		t.Errorf("stream hints header %q", got)
	}
	if calls := s.Calls(); calls["HandleRequests"] != 1 || calls["Handle"] != 0 {
		t.Errorf("calls %v, want one stream and no unary call", calls)
	}
	if _, err := st.CloseAndRecv(); err == nil {
		t.Error("second CloseAndRecv succeeded")
	}
	if err := st.Write(sent[0]); err == nil {
		t.Error("write after close succeeded")
	}
}

func TestStreamInserterRefusesOtherHints(t *testing.T) {
	s, c := startWithClient(t, greptimetest.Options{})
	st, err := c.NewStreamInserter(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	b := cpuBatch(t, "cpu", 1, 0)
	b.Hints.Set("append_mode", "true")
	if err := st.Write(b); !errors.Is(err, writer.ErrInvalidInput) {
		t.Errorf("batch with its own hints: %v", err)
	}
	if err := st.Write(table.NewSchema("e").Timestamp("ts", table.TimestampSecond).NewBatch("")); !errors.Is(err, writer.ErrInvalidInput) {
		t.Errorf("empty batch: %v", err)
	}
	if n, err := st.CloseAndRecv(); err != nil || n != 0 {
		t.Errorf("close: %d %v", n, err)
	}
	if s.RowCount("public", "cpu") != 0 {
		t.Error("refused batch was stored")
	}
}

func TestStreamInserterReportsServerError(t *testing.T) {
	s, c := startWithClient(t, greptimetest.Options{})
	if _, err := c.Write(ctxT(t), cpuBatch(t, "cpu", 1, 0)); err != nil {
		t.Fatal(err)
	}
	st, err := c.NewStreamInserter(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	bad := table.NewSchema("cpu").Timestamp("ts", table.TimestampMillisecond).Field("usage", table.String).NewBatch("")
	_ = bad.AddRow(table.TimestampMillisecondValue(9), table.StringValue("x"))
	// The failure may surface on a later Send or at CloseAndRecv.
	werr := st.Write(bad)
	for i := 0; werr == nil && i < 50; i++ {
		werr = st.Write(cpuBatch(t, "cpu", 1, int64(100+i)))
	}
	_, cerr := st.CloseAndRecv()
	err = errors.Join(werr, cerr)
	var se *writer.ServerError
	if !errors.As(err, &se) || se.Code != codes.InvalidArgument {
		t.Fatalf("got %v, want the server's InvalidArgument", err)
	}
	_ = s
}

func TestStreamInserterSendFailureEndsStream(t *testing.T) {
	_, c := startWithClient(t, greptimetest.Options{}, func(cfg *writer.Config) { cfg.MaxSendMessageSize = 4 << 10 })
	st, err := c.NewStreamInserter(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	err = st.Write(cpuBatch(t, "cpu", 1000, 0))
	var se *writer.ServerError
	if !errors.As(err, &se) || se.Code != codes.ResourceExhausted || writer.IsRetryable(err) {
		t.Fatalf("got %v, want a non-retryable ResourceExhausted", err)
	}
	if err := st.Write(cpuBatch(t, "cpu", 1, 0)); err == nil {
		t.Error("write on an ended stream succeeded")
	}
	if _, err := st.CloseAndRecv(); err == nil {
		t.Error("CloseAndRecv on an ended stream succeeded")
	}
}

func TestStreamInserterRawInsert(t *testing.T) {
	s, c := startWithClient(t, greptimetest.Options{})
	st, err := c.NewStreamInserter(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	req := &gpb.RowInsertRequests{Inserts: []*gpb.RowInsertRequest{{
		TableName: "raw",
		Rows: &gpb.Rows{
			Schema: []*gpb.ColumnSchema{{ColumnName: "ts", Datatype: gpb.ColumnDataType_TIMESTAMP_SECOND, SemanticType: gpb.SemanticType_TIMESTAMP}},
			Rows:   []*gpb.Row{{Values: []*gpb.Value{{ValueData: &gpb.Value_TimestampSecondValue{TimestampSecondValue: 1}}}}},
		},
	}}}
	if err := st.Insert(req); err != nil {
		t.Fatal(err)
	}
	if err := st.Insert(&gpb.RowInsertRequests{}); !errors.Is(err, writer.ErrInvalidInput) {
		t.Errorf("empty request: %v", err)
	}
	if n, err := st.CloseAndRecv(); err != nil || n != 1 {
		t.Fatalf("close: %d %v", n, err)
	}
	if s.RowCount("public", "raw") != 1 {
		t.Error("row not stored")
	}
}
