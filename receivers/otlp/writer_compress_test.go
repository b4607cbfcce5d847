package otlp_test

import (
	"context"
	"net"
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc"

	"github.com/greptime-bridge/greptime-bridge/writer"
)

// compressingDatabase answers Handle with a response compressed with the
// first encoding the client accepts, as GreptimeDB does
// (servers/src/grpc/builder.rs add_service! send_compressed), and records
// what the client advertised.
type compressingDatabase struct {
	gpb.UnimplementedGreptimeDatabaseServer
	accepted chan []string
}

func (d *compressingDatabase) Handle(ctx context.Context, _ *gpb.GreptimeRequest) (*gpb.GreptimeResponse, error) {
	names, _ := grpc.ClientSupportedCompressors(ctx)
	d.accepted <- names
	if len(names) > 0 {
		if err := grpc.SetSendCompressor(ctx, names[0]); err != nil {
			return nil, err
		}
	}
	return &gpb.GreptimeResponse{Response: &gpb.GreptimeResponse_AffectedRows{AffectedRows: &gpb.AffectedRows{Value: 1}}}, nil
}

// TestWriterReadsCompressedResponses: in a process where gRPC's "gzip" and
// "zstd" pass messages through undecoded (this package registers them so),
// the writer still reads a compressed response: it advertises one encoding
// and decodes it with its own decompressor. Before, it advertised every
// registered compressor and decoded with the registry's, and the response
// arrived as compressed bytes.
func TestWriterReadsCompressedResponses(t *testing.T) {
	db := &compressingDatabase{accepted: make(chan []string, 1)}
	gs := grpc.NewServer()
	gpb.RegisterGreptimeDatabaseServer(gs, db)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = gs.Serve(lis) }()
	defer func() { gs.Stop(); <-done }()
	// Requests go uncompressed: this server, in this process, could not
	// read compressed ones; responses are what is tested.
	c, err := writer.NewClient(writer.DefaultConfig(lis.Addr().String()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	schema := []*gpb.ColumnSchema{{ColumnName: "ts", Datatype: gpb.ColumnDataType_TIMESTAMP_MILLISECOND, SemanticType: gpb.SemanticType_TIMESTAMP}}
	row := &gpb.Row{Values: []*gpb.Value{{ValueData: &gpb.Value_TimestampMillisecondValue{TimestampMillisecondValue: 1}}}}
	n, err := c.Insert(context.Background(), &gpb.RowInsertRequests{Inserts: []*gpb.RowInsertRequest{{TableName: "t", Rows: &gpb.Rows{Schema: schema, Rows: []*gpb.Row{row}}}}})
	if err != nil || n != 1 {
		t.Fatalf("insert answered %d, %v; want 1 from a gzip-compressed response", n, err)
	}
	if names := <-db.accepted; len(names) != 1 || names[0] != "gzip" {
		t.Errorf("writer advertised %v, want only gzip, which it decodes itself", names)
	}
}
