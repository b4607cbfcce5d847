package table

import "testing"

// TestFirstInvalidUTF8From: only rows from lo on are looked at, a value
// cut inside a character counts as invalid, and NULLs pass.
func TestFirstInvalidUTF8From(t *testing.T) {
	b := New("db", "t")
	c := b.MustColumn("s", String, Tag)
	for _, v := range []string{"\xff", "ok", "\xe2\x82", "\xac", "fine"} {
		c.AppendString(v)
	}
	c.AppendNull()
	for lo, want := range []int{0, 2, 2, 3, -1, -1, -1, -1} {
		if got := c.FirstInvalidUTF8From(lo); got != want {
			t.Errorf("from %d: %d, want %d", lo, got, want)
		}
	}
	if got := c.FirstInvalidUTF8(); got != 0 {
		t.Errorf("whole column: %d, want 0", got)
	}
}
