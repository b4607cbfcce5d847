package prom

import (
	"errors"
	"strings"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// TestShapeLimits: each limit refuses, in both versions, a request one past
// it with a permanent error naming the limit, its value and the series, and
// accepts a request exactly at it.
func TestShapeLimits(t *testing.T) {
	one := []sample{{1, 1}}
	labels := func(n int) []label {
		ls := lbl("__name__", "m")
		for i := 1; i < n; i++ {
			ls = append(ls, label{"l" + itoa(1000+i), "v"})
		}
		return ls
	}
	series := func(n int) []series1 {
		ss := make([]series1, n)
		for i := range ss {
			ss[i] = series1{labels: lbl("__name__", "m", "i", itoa(i)), samples: one}
		}
		return ss
	}
	cases := []struct {
		name      string
		lim       translate.Limits
		at, past  []series1
		limit     string
		fragments []string
	}{
		{
			"labels per series",
			translate.Limits{MaxLabelsPerSeries: 5},
			[]series1{{labels: labels(5), samples: one}},
			[]series1{{labels: labels(6), samples: one}},
			translate.LimitLabelsPerSeries,
			[]string{"carries 6, more than limits.shape.max_labels_per_series = 5"},
		},
		{
			"label name length",
			translate.Limits{MaxLabelNameLength: 8},
			[]series1{{labels: lbl("__name__", "m", "abcdefgh", "v"), samples: one}},
			[]series1{{labels: lbl("__name__", "m", "abcdefghi", "v"), samples: one}},
			translate.LimitLabelNameLength,
			[]string{`metric "m" label name "abcdefghi" length carries 9`, "limits.shape.max_label_name_length = 8"},
		},
		{
			"label value length",
			translate.Limits{MaxLabelValueLength: 4},
			[]series1{{labels: lbl("__name__", "m", "a", "1234"), samples: one}},
			[]series1{{labels: lbl("__name__", "m", "a", "12345"), samples: one}},
			translate.LimitLabelValueLength,
			[]string{`metric "m" label "a" value length carries 5`, "limits.shape.max_label_value_length = 4"},
		},
		{
			"metric name length",
			translate.Limits{MaxLabelValueLength: 4},
			[]series1{{labels: lbl("__name__", "abcd"), samples: one}},
			[]series1{{labels: lbl("__name__", "abcde"), samples: one}},
			translate.LimitLabelValueLength,
			[]string{`__name__ label value length carries 5`},
		},
		{
			"database label length",
			translate.Limits{MaxLabelValueLength: 4},
			[]series1{{labels: lbl("__name__", "m", "__database__", "dbdb"), samples: one}},
			[]series1{{labels: lbl("__name__", "m", "__database__", "dbdbd"), samples: one}},
			translate.LimitLabelValueLength,
			[]string{`metric "m" database label value length carries 5`},
		},
		{
			"series per request",
			translate.Limits{MaxSeriesPerRequest: 3},
			series(3), series(4),
			translate.LimitSeriesPerRequest,
			[]string{"request carries 4, more than limits.shape.max_series_per_request = 3"},
		},
	}
	for _, tc := range cases {
		for _, v := range []Version{V1, V2} {
			t.Run(tc.name+"/"+v.String(), func(t *testing.T) {
				opts := v1opts()
				opts.Version, opts.Limits = v, tc.lim
				if _, err := run(t, opts, encodeAs(v, tc.at)); err != nil {
					t.Fatalf("at the limit: %v", err)
				}
				_, err := run(t, opts, encodeAs(v, tc.past))
				wantErr(t, err, append([]string{"remote write " + v.String()}, tc.fragments...)...)
				var ex *translate.ExceededError
				if !errors.As(err, &ex) || ex.Limit != tc.limit {
					t.Errorf("error %v does not name %s", err, tc.limit)
				}
			})
		}
	}
}

// TestShapeLimitsOneByteBound: limits just under maxShortLen, the longest
// name or value a canonically encoded label carries and the limit from
// which remote write 1.0 skips the per-label pass for such labels, still
// refuse a canonical label one past them. The past labels need an empty
// name or value to stay canonical (refused later anyway: the limit comes
// first).
func TestShapeLimitsOneByteBound(t *testing.T) {
	one := []sample{{1, 1}}
	long := strings.Repeat
	for _, tc := range []struct {
		name     string
		lim      translate.Limits
		at, past []label
		limit    string
	}{
		{
			"value",
			translate.Limits{MaxLabelValueLength: maxShortLen - 1},
			lbl("__name__", "m", "a", long("v", maxShortLen-1)), lbl("__name__", "m", "", long("v", maxShortLen)),
			translate.LimitLabelValueLength,
		},
		{
			"name",
			translate.Limits{MaxLabelNameLength: maxShortLen - 1},
			lbl("__name__", "m", long("n", maxShortLen-1), ""), lbl("__name__", "m", long("n", maxShortLen), ""),
			translate.LimitLabelNameLength,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := v1opts()
			opts.Limits = tc.lim
			if _, err := run(t, opts, request1(0, series1{labels: tc.at, samples: one})); err != nil {
				t.Fatalf("at the limit: %v", err)
			}
			_, err := run(t, opts, request1(0, series1{labels: tc.past, samples: one}))
			var ex *translate.ExceededError
			if !errors.As(err, &ex) || ex.Limit != tc.limit || ex.Got != maxShortLen {
				t.Errorf("past the limit: %v, want %s exceeded with %d", err, tc.limit, maxShortLen)
			}
		})
	}
}

func encodeAs(v Version, ss []series1) []byte {
	if v == V1 {
		return request1(0, ss...)
	}
	r := newReq2()
	for _, s := range ss {
		r.add(series2{labels: s.labels, samples: s.samples})
	}
	return r.encode()
}

// TestHostileShapes: the shapes of issue #11 (a series with 10,000 labels, a
// 10 MB label value) are refused under the configured defaults' orders of
// magnitude, and the error quotes at most a clip of the value.
func TestHostileShapes(t *testing.T) {
	lim := translate.Limits{MaxLabelsPerSeries: 256, MaxLabelNameLength: 1024, MaxLabelValueLength: 64 << 10}
	wide := lbl("__name__", "m")
	for i := 0; i < 10_000; i++ {
		wide = append(wide, label{"l" + itoa(i), "v"})
	}
	huge := strings.Repeat("x", 10<<20)
	for _, v := range []Version{V1, V2} {
		opts := v1opts()
		opts.Version, opts.Limits = v, lim
		_, err := run(t, opts, encodeAs(v, []series1{{labels: wide, samples: []sample{{1, 1}}}}))
		wantErr(t, err, "carries 10001, more than limits.shape.max_labels_per_series = 256")
		_, err = run(t, opts, encodeAs(v, []series1{{labels: lbl("__name__", "m", "a", huge), samples: []sample{{1, 1}}}}))
		wantErr(t, err, "carries 10485760, more than limits.shape.max_label_value_length = 65536")
		if len(err.Error()) > 512 {
			t.Errorf("error message of %d bytes", len(err.Error()))
		}
		// No __name__: the series is described by its labels, clipped.
		_, err = run(t, opts, encodeAs(v, []series1{{labels: lbl("a", huge), samples: []sample{{1, 1}}}}))
		if err == nil || len(err.Error()) > 512 {
			t.Errorf("nameless huge series: %d-byte error %.200v", len(fmtErr(err)), err)
		}
	}
}

func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
