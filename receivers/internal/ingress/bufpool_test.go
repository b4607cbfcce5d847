package ingress

import "testing"

// TestBufClassEdges walks every class: its capacity is the largest size it
// serves, one byte more is the next class, the classes grow, no buffer is
// more than a quarter larger than the size asked for (but for the 1 KiB
// class), and past maxPooled there is no class and no pooling.
func TestBufClassEdges(t *testing.T) {
	for _, n := range []int{0, 1, 1 << minBufShift} {
		if c := bufClass(n); c != 0 {
			t.Errorf("bufClass(%d) = %d, want 0", n, c)
		}
	}
	for _, n := range []int{maxPooled + 1, 1 << 40} {
		if c := bufClass(n); c != -1 || bufCap(n) != n {
			t.Errorf("bufClass(%d) = %d, bufCap %d: want -1 and the size itself", n, c, bufCap(n))
		}
	}
	prev := 0
	for c := range bufClasses {
		top := bufClassCap(c)
		if top <= prev {
			t.Fatalf("class %d has capacity %d, not above class %d's %d", c, top, c-1, prev)
		}
		if got := bufClass(top); got != c {
			t.Errorf("bufClass(%d), class %d's capacity, = %d", top, c, got)
		}
		if c > 0 {
			if got := bufClass(prev + 1); got != c {
				t.Errorf("bufClass(%d), one past class %d, = %d, want %d", prev+1, c-1, got, c)
			}
			if limit := prev + 1 + (prev+1)/4; top > limit {
				t.Errorf("class %d: %d bytes are held in %d, more than %d", c, prev+1, top, limit)
			}
		}
		prev = top
	}
	if prev != maxPooled {
		t.Errorf("the last class holds %d bytes, want maxPooled %d", prev, maxPooled)
	}
	// Buffers of a capacity no class has are not pooled; a class's are,
	// empty.
	odd := make([]byte, 10, 3000)
	putBuf(&odd)
	big := make([]byte, 0, 2*maxPooled)
	putBuf(&big)
	for range 100 {
		b := getBuf(3000)
		if cap(*b) != bufCap(3000) || len(*b) != 0 {
			t.Fatalf("getBuf(3000): len %d cap %d, want an empty buffer of %d", len(*b), cap(*b), bufCap(3000))
		}
		*b = append(*b, 1)
		putBuf(b)
	}
}
