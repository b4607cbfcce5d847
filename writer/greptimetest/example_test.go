package greptimetest_test

import (
	"context"
	"fmt"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
)

// ExampleStart starts a server, writes one row with a raw greptime-proto
// client and reads the auto-created table back.
func ExampleStart() {
	srv, err := greptimetest.Start(greptimetest.Options{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	conn, err := grpc.NewClient(srv.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	rows := &gpb.Rows{
		Schema: []*gpb.ColumnSchema{
			{ColumnName: "host", Datatype: gpb.ColumnDataType_STRING, SemanticType: gpb.SemanticType_TAG},
			{ColumnName: "ts", Datatype: gpb.ColumnDataType_TIMESTAMP_MILLISECOND, SemanticType: gpb.SemanticType_TIMESTAMP},
			{ColumnName: "cpu", Datatype: gpb.ColumnDataType_FLOAT64, SemanticType: gpb.SemanticType_FIELD},
		},
		Rows: []*gpb.Row{{Values: []*gpb.Value{
			{ValueData: &gpb.Value_StringValue{StringValue: "web-1"}},
			{ValueData: &gpb.Value_TimestampMillisecondValue{TimestampMillisecondValue: 1700000000000}},
			{ValueData: &gpb.Value_F64Value{F64Value: 0.25}},
		}}},
	}
	resp, err := gpb.NewGreptimeDatabaseClient(conn).Handle(context.Background(), &gpb.GreptimeRequest{
		Header: &gpb.RequestHeader{Dbname: "public"},
		Request: &gpb.GreptimeRequest_RowInserts{RowInserts: &gpb.RowInsertRequests{
			Inserts: []*gpb.RowInsertRequest{{TableName: "cpu", Rows: rows}},
		}},
	})
	if err != nil {
		panic(err)
	}
	ti, _ := srv.Table("public", "cpu")
	fmt.Println("affected:", resp.GetAffectedRows().GetValue())
	fmt.Println("primary key:", ti.PrimaryKey, "time index:", ti.TimeIndex)
	fmt.Println("rows:", srv.RowCount("public", "cpu"))
	// Output:
	// affected: 1
	// primary key: [host] time index: ts
	// rows: 1
}
