package writer

import (
	"context"
	"errors"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"

	"github.com/greptime-bridge/greptime-bridge/writer/errs"
	"github.com/greptime-bridge/greptime-bridge/writer/retry"
)

// ErrClosed is returned by calls made after Close. It is of class
// errs.Unavailable: not retried by this client, while a sender may try
// again later (another replica).
var ErrClosed = errs.Mark(errors.New("writer: client is closed"), errs.Unavailable)

// attemptFunc performs one gRPC call on cc and returns its error already
// mapped by NewServerError.
type attemptFunc func(ctx context.Context, cc *grpc.ClientConn) error

// call runs fn with failover and, when retry is set and Config.Retry is
// configured, with the retry policy.
func (c *Client) call(ctx context.Context, retried bool, fn attemptFunc) error {
	policy := RetryPolicy{MaxAttempts: 1}
	if retried && c.cfg.Retry != nil {
		policy = *c.cfg.Retry
	}
	r := retry.Retrier{Policy: policy, Before: func(int, error, time.Duration) {
		// The endpoint may be back while gRPC still waits out its
		// reconnect backoff; without this the retry would fail fast.
		cc, _ := c.conn()
		c.wake(ctx, cc)
	}}
	return r.Do(ctx, func(ctx context.Context) error { return c.tryWithFailover(ctx, fn) })
}

// tryWithFailover makes one try on the active endpoint. A transport
// failure (gRPC Unavailable without GreptimeDB's error trailer) moves the
// client to the next endpoint and repeats the call there once, so an insert
// moves over after at most one failed try.
//
// Delivery is at least once: grpc-go also reports a connection lost after
// the request was written as Unavailable ("error reading from server:
// EOF"), and that request may have been applied. Tables that are not in
// append mode deduplicate a repeated row on (tags, time index) when the
// endpoints share storage (frontends of one cluster).
func (c *Client) tryWithFailover(ctx context.Context, fn attemptFunc) error {
	if c.isClosed() {
		return ErrClosed
	}
	cc, i := c.conn()
	err := c.attempt(ctx, cc, fn)
	if err == nil || !transportFailure(err) {
		return err
	}
	c.failover(i)
	cc2, j := c.conn()
	if j == i || ctx.Err() != nil {
		return err
	}
	c.wake(ctx, cc2)
	err = c.attempt(ctx, cc2, fn)
	if err != nil && transportFailure(err) {
		c.failover(j)
	}
	return err
}

func (c *Client) attempt(ctx context.Context, cc *grpc.ClientConn, fn attemptFunc) error {
	actx, cancel := c.withTimeout(ctx)
	defer cancel()
	return fn(actx, cc)
}

// transportFailure reports gRPC Unavailable without GreptimeDB's
// x-greptime-err-code trailer. GreptimeDB's own Unavailable statuses
// (RegionNotReady, TableUnavailable, StorageUnavailable) always carry the
// trailer (common/error/src/status_code.rs), so they stay on the endpoint
// and go through the retry policy instead.
func transportFailure(err error) bool {
	var se *ServerError
	return errors.As(err, &se) && se.Code == codes.Unavailable && !se.HasStatus
}

func (c *Client) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// wake makes a connection that is waiting out gRPC's reconnect backoff
// (up to two minutes after repeated failures) try again now, and waits at
// most ConnectTimeout for it to become ready. Without it a failover onto an
// endpoint that has come back would fail fast with the endpoint's last
// connection error. gRPC's pick_first keeps reporting TRANSIENT_FAILURE
// while it reconnects (gRFC A62), so only READY ends the wait early: failing
// over onto an endpoint that is still down costs up to ConnectTimeout.
func (c *Client) wake(ctx context.Context, cc *grpc.ClientConn) {
	if cc.GetState() != connectivity.TransientFailure {
		return
	}
	cc.ResetConnectBackoff()
	cc.Connect()
	wctx, cancel := context.WithTimeout(ctx, c.cfg.ConnectTimeout)
	defer cancel()
	for st := cc.GetState(); st != connectivity.Ready; st = cc.GetState() {
		if !cc.WaitForStateChange(wctx, st) {
			return
		}
	}
}
