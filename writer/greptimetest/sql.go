package greptimetest

import (
	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// query runs a QueryRequest. Only SQL DDL is supported (sql_ddl.go).
func (s *Server) query(k dbKey, h hints, q *gpb.QueryRequest) (uint32, error) {
	return 0, status.Error(codes.Unimplemented, "greptimetest: SQL is not implemented yet")
}
