package writer

import (
	"context"
	"errors"
	"fmt"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// HealthCheck calls the HealthCheck service of the active endpoint. When
// that fails it tries the other endpoints in order and makes the first
// healthy one active; the error lists every endpoint's failure.
func (c *Client) HealthCheck(ctx context.Context) error {
	if c.isClosed() {
		return ErrClosed
	}
	_, start := c.conn()
	var errs []error
	for k := 0; k < len(c.conns); k++ {
		i := (start + k) % len(c.conns)
		c.wake(ctx, c.conns[i])
		err := c.attempt(ctx, c.conns[i], func(ctx context.Context, cc *grpc.ClientConn) error {
			var trailer metadata.MD
			_, err := gpb.NewHealthCheckClient(cc).HealthCheck(ctx, &gpb.HealthCheckRequest{}, grpc.Trailer(&trailer))
			return NewServerError(err, trailer)
		})
		if err == nil {
			if i != start {
				c.active.CompareAndSwap(int32(start), int32(i))
			}
			return nil
		}
		errs = append(errs, fmt.Errorf("endpoint %s: %w", c.cfg.Endpoints[i], err))
		if ctx.Err() != nil {
			break
		}
	}
	return fmt.Errorf("health check failed: %w", errors.Join(errs...))
}
