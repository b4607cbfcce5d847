package writer

import (
	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/protobuf/proto"
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
