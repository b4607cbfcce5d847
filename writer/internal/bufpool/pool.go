// Package bufpool is the writer's pool of gRPC message buffers that are
// not cleared before use: the row-insert encoder writes every byte of the
// buffers it takes, and the test server's load mode (writer/greptimetest)
// reads whole received messages into them.
package bufpool

import (
	"math/bits"
	"sync"

	"google.golang.org/grpc/mem"
)

// Pool is the gRPC buffer pool (mem.BufferPool) encoded requests are
// written into, and received ones read into. It differs from gRPC's
// default pool (mem.DefaultBufferPool) in two ways:
//
//   - it does not zero a buffer it hands out: gRPC's pool clears the whole
//     capacity on every Get (grpc-go internal/mem/buffer_pool.go
//     sizedBufferPool), 3% of the bridge's CPU under Prometheus-shaped
//     load and 6% of the test server's load mode (issue #12);
//   - its size classes follow the sizes asked for (requestClass), where
//     gRPC's jump from 32 KiB to 1 MiB and then to a pool of any size: a
//     flush of a few hundred kilobytes took, and cleared, a 1 MiB buffer.
//
// Not zeroing is safe because every user writes each byte it later reads.
// The row encoder fills its buffer exactly (encodeRuns refuses a request
// that does not). On the receiving side (grpc-go v1.85), the transport
// reads each DATA frame whole into a buffer of the frame's length
// (internal/transport/http_util.go readDataFrame, io.ReadFull), and
// MaterializeToBuffer, mem.ReadAll and mem.Copy expose only the bytes they
// copied or read.
//
// Buffers below minPooledRequest are not pooled, as gRPC does not pool
// them (grpc-go internal/mem/buffer_pool.go BufferPoolingThreshold, 1 KiB:
// mem.NewBuffer makes smaller ones plain slices), nor above
// maxPooledRequest; sync.Pool lets the garbage collector drop idle ones,
// so the pool holds memory only while flushes need it.
type Pool struct {
	classes [requestClasses]sync.Pool
}

const (
	minRequestShift = 10 // 1 KiB, gRPC's pooling threshold
	// fineRequestShift is the largest power-of-two class (4 MiB); above
	// it each power of two is split in four (requestClass).
	fineRequestShift = 22
	maxRequestShift  = 26 // 64 MiB, the largest body an encoder uses (writer's maxLargeBody)
	coarseClasses    = fineRequestShift - minRequestShift + 1
	requestClasses   = coarseClasses + 4*(maxRequestShift-fineRequestShift)
	minPooledRequest = 1 << minRequestShift
	maxPooledRequest = 1 << maxRequestShift
)

// Default is shared by every client and server of the process that uses
// it, as gRPC's default pool is.
var Default = &Pool{}

// requestClass returns the index of the size class whose buffers hold n
// bytes with the least capacity, or -1 when n is not pooled. Up to 4 MiB
// the classes are the powers of two; above, four classes split each power
// of two (5, 6, 7, 8 MiB; 10, 12, 14, 16 MiB; …), so a large buffer is at
// most a quarter larger than the request it carries, where a power-of-two
// class could be twice its size: a 33 MiB flush held a 64 MiB buffer.
// Below 4 MiB the doubling costs at most 4 MiB per buffer.
func requestClass(n int) int {
	if n < minPooledRequest || n > maxPooledRequest {
		return -1
	}
	s := bits.Len(uint(n - 1)) // 2^(s-1) < n ≤ 2^s
	if s <= fineRequestShift {
		return s - minRequestShift
	}
	base := 1 << (s - 1)
	quarter := base >> 2
	k := (n - base + quarter - 1) / quarter // 1 to 4 quarters above base
	return coarseClasses + 4*(s-1-fineRequestShift) + k - 1
}

// requestClassCap returns the capacity of class c's buffers.
func requestClassCap(c int) int {
	if c < coarseClasses {
		return 1 << (c + minRequestShift)
	}
	c -= coarseClasses
	s := fineRequestShift + c/4
	return 1<<s + (c%4+1)<<(s-2)
}

// Get returns a buffer of length n whose contents are undefined.
func (p *Pool) Get(n int) *[]byte {
	c := requestClass(n)
	if c < 0 {
		b := make([]byte, n)
		return &b
	}
	if b, ok := p.classes[c].Get().(*[]byte); ok {
		*b = (*b)[:n]
		return b
	}
	b := make([]byte, n, requestClassCap(c))
	return &b
}

// Put takes back a buffer Get returned; one of another capacity is
// dropped.
func (p *Pool) Put(b *[]byte) {
	c := requestClass(cap(*b))
	if c < 0 || cap(*b) != requestClassCap(c) {
		return
	}
	p.classes[c].Put(b)
}

var _ mem.BufferPool = (*Pool)(nil)
