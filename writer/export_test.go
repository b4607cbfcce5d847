package writer

import (
	"context"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/protobuf/proto"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// RequestOf returns the GreptimeRequest a client interceptor saw: Write
// hands gRPC an encodedRequest, Insert and ExecSQL a *gpb.GreptimeRequest.
// Nil when msg is neither or does not decode.
func RequestOf(msg any) *gpb.GreptimeRequest {
	switch m := msg.(type) {
	case *gpb.GreptimeRequest:
		return m
	case *encodedRequest:
		var req gpb.GreptimeRequest
		if proto.Unmarshal(m.buf.ReadOnlyData(), &req) != nil {
			return nil
		}
		return &req
	}
	return nil
}

// PromFlushForTest is promFlush for the external benchmarks.
var PromFlushForTest = promFlush

// refArenas serve WriteViaProtoForTest.
var refArenas arenaPool

// WriteViaProtoForTest sends batches the way Write did before the wire
// encoder: greptime-proto messages from the reference builder, marshalled
// by protobuf-go inside gRPC. It is the baseline of BenchmarkWritePromFlush.
func (c *Client) WriteViaProtoForTest(ctx context.Context, batches ...*table.Batch) (uint32, error) {
	o := c.callOptions(nil)
	groups, err := groupBatches(o.database, o.hints, batches)
	if err != nil {
		return 0, err
	}
	var total uint32
	for _, g := range groups {
		a := refArenas.get()
		ins := &gpb.RowInsertRequests{}
		for _, b := range g.batches {
			r, err := convertBatch(b, a)
			if err != nil {
				return total, err
			}
			ins.Inserts = append(ins.Inserts, r)
		}
		co := o
		co.database = g.database
		n, err := c.handle(ctx, co, g.hints, &gpb.GreptimeRequest_RowInserts{RowInserts: ins}, true)
		refArenas.put(a)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// ProcessCPUForTest is processCPU for the external benchmarks.
var ProcessCPUForTest = processCPU
