package writer

import (
	"math/bits"
	"sync"

	"google.golang.org/grpc/mem"
)

// requestPool supplies the buffers encoded requests are written into. It
// differs from gRPC's default pool (mem.DefaultBufferPool) in two ways
// that matter for row inserts, whose every byte the encoder writes
// (encodeRuns refuses a request that does not fill its buffer exactly):
//
//   - it does not zero a buffer it hands out: gRPC's pool clears the whole
//     capacity on every Get (grpc-go mem/buffer_pool.go sizedBufferPool),
//     3% of the bridge's CPU under Prometheus-shaped load (issue #12);
//   - its size classes are powers of two, where gRPC's jump from 32 KiB to
//     1 MiB and then to a pool of any size: a flush of a few hundred
//     kilobytes took, and cleared, a 1 MiB buffer.
//
// Buffers below minPooledRequest are not pooled (gRPC does not pool small
// ones either), nor above maxPooledRequest; sync.Pool lets the garbage
// collector drop idle ones, so the pool holds memory only while flushes
// need it.
type requestPool struct {
	classes [requestClasses]sync.Pool
}

const (
	minRequestShift  = 16 // 64 KiB
	maxRequestShift  = 26 // 64 MiB, the largest body an encoder keeps (maxLargeBody)
	requestClasses   = maxRequestShift - minRequestShift + 1
	minPooledRequest = 1 << minRequestShift
	maxPooledRequest = 1 << maxRequestShift
)

// defaultRequestPool is shared by every client of the process, as gRPC's
// default pool is.
var defaultRequestPool = &requestPool{}

// class returns the size class holding buffers of capacity ≥ n, or -1.
func requestClass(n int) int {
	if n < minPooledRequest || n > maxPooledRequest {
		return -1
	}
	return bits.Len(uint(n-1)) - minRequestShift
}

// Get returns a buffer of length n whose contents are undefined.
func (p *requestPool) Get(n int) *[]byte {
	c := requestClass(n)
	if c < 0 {
		b := make([]byte, n)
		return &b
	}
	if b, ok := p.classes[c].Get().(*[]byte); ok {
		*b = (*b)[:n]
		return b
	}
	b := make([]byte, n, 1<<(c+minRequestShift))
	return &b
}

// Put takes back a buffer Get returned; one of another capacity is
// dropped.
func (p *requestPool) Put(b *[]byte) {
	c := requestClass(cap(*b))
	if c < 0 || cap(*b) != 1<<(c+minRequestShift) {
		return
	}
	p.classes[c].Put(b)
}

var _ mem.BufferPool = (*requestPool)(nil)
