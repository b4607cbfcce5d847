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
// query GreptimeDB over SQL or HTTP for that. A statement is never retried
// (it may not be idempotent); it only moves to the next endpoint when the
// transport proves it was not sent.
func (c *Client) ExecSQL(ctx context.Context, sql string, opts ...InsertOption) (uint32, error) {
	if strings.TrimSpace(sql) == "" {
		return 0, &InvalidInputError{Reason: "empty sql statement"}
	}
	o := c.callOptions(opts)
	q := &gpb.GreptimeRequest_Query{Query: &gpb.QueryRequest{Query: &gpb.QueryRequest_Sql{Sql: sql}}}
	return c.handle(ctx, o, "", q, false)
}
