package ingress

import (
	"math/bits"
	"sync"
)

// A Body's buffers come from pools of size classes and are charged to the
// budget whole, from the moment it takes one: the memory a request holds
// is what it reserved, whatever a slow sender has sent. A single pool of
// buffers of any capacity handed a body that had sent one byte a buffer
// of up to 4 MiB a larger body had left, while the body reserved a step of
// 64 KiB: 256 slow senders could hold a gigabyte beside a budget that
// counted 16 MiB.
//
// The classes are a quarter of a power of two apart (1 KiB, then 1.25,
// 1.5, 1.75, 2, 2.5 KiB, … up to maxPooled), so a buffer is at most a
// quarter larger than what it was asked for: room doubles a raw body's
// buffer up to its declared length, fill grows a decoded one by a quarter
// at a time.
const (
	minBufShift = 10 // 1 KiB: the smallest buffer a body takes
	maxBufShift = 22 // maxPooled, 4 MiB
	bufClasses  = 1 + 4*(maxBufShift-minBufShift)
)

// maxPooled keeps exceptionally large buffers out of the pools, so one
// burst does not pin its memory.
const maxPooled = 1 << maxBufShift

var bufPools [bufClasses]sync.Pool // *[]byte of a class's capacity, empty

// bufClass returns the index of the smallest class whose buffers hold n
// bytes, or -1 when n is past maxPooled.
func bufClass(n int) int {
	switch {
	case n <= 1<<minBufShift:
		return 0
	case n > maxPooled:
		return -1
	}
	s := bits.Len(uint(n - 1)) // 2^(s-1) < n ≤ 2^s
	base := 1 << (s - 1)
	quarter := base >> 2
	k := (n - base + quarter - 1) / quarter // 1 to 4 quarters above base
	return 1 + 4*(s-1-minBufShift) + k - 1
}

// bufClassCap returns the capacity of class c's buffers.
func bufClassCap(c int) int {
	if c == 0 {
		return 1 << minBufShift
	}
	c--
	s := minBufShift + c/4
	return 1<<s + (c%4+1)<<(s-2)
}

// bufCap is the capacity of the buffer getBuf(n) returns.
func bufCap(n int) int {
	if c := bufClass(n); c >= 0 {
		return bufClassCap(c)
	}
	return n
}

// getBuf returns an empty buffer of capacity bufCap(n), from its class's
// pool when it has one.
func getBuf(n int) *[]byte {
	c := bufClass(n)
	if c < 0 {
		b := make([]byte, 0, n)
		return &b
	}
	if bp, ok := bufPools[c].Get().(*[]byte); ok {
		return bp
	}
	b := make([]byte, 0, bufClassCap(c))
	return &b
}

// putBuf gives a buffer back to its class's pool; one of a capacity no
// class has (past maxPooled, or nil) is left to the collector.
func putBuf(bp *[]byte) {
	if bp == nil {
		return
	}
	c := bufClass(cap(*bp))
	if c < 0 || cap(*bp) != bufClassCap(c) {
		return
	}
	*bp = (*bp)[:0]
	bufPools[c].Put(bp)
}
