package writer

import (
	"context"
	"strings"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
)

// ExecSQL runs one SQL statement through GreptimeDatabase/Handle with a
// QueryRequest and returns the affected rows: for DDL that hints and column
// options cannot express (CREATE TABLE with partitions or indexes, ALTER,
// CREATE DATABASE). Statements that return rows are not supported here;
// query GreptimeDB over SQL or HTTP for that. The retry policy does not
// apply (a statement may not be idempotent); like every call it is repeated
// once on the next endpoint after a transport failure, so prefer idempotent
// forms such as CREATE TABLE IF NOT EXISTS.
func (c *Client) ExecSQL(ctx context.Context, sql string, opts ...InsertOption) (uint32, error) {
	if strings.TrimSpace(sql) == "" {
		return 0, &InvalidInputError{Reason: "empty sql statement"}
	}
	o := c.callOptions(opts)
	q := &gpb.GreptimeRequest_Query{Query: &gpb.QueryRequest{Query: &gpb.QueryRequest_Sql{Sql: sql}}}
	return c.handle(ctx, o, "", q, false)
}
