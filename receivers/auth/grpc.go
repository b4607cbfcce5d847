package auth

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/tap"
)

// GRPCTap is a grpc.InTapHandle that refuses a stream without a valid
// credential when its headers arrive, before gRPC reads the message: a
// client without credentials cannot make the server receive, decompress
// and decode up to the maximum message size. Receivers still authenticate
// each call themselves; this only moves the refusal earlier. With
// authentication disabled it lets everything through.
func (a *Authenticator) GRPCTap(ctx context.Context, info *tap.Info) (context.Context, error) {
	if !a.Enabled() {
		return ctx, nil
	}
	var authz string
	if v := info.Header.Get("authorization"); len(v) > 0 {
		authz = v[0]
	}
	if _, err := a.Authenticate(authz); err != nil {
		return ctx, status.Error(codes.Unauthenticated, err.Error())
	}
	return ctx, nil
}
