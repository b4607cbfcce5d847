package prom

import (
	"context"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// Translate decodes a decompressed remote-write request (the receiver's
// ingress path reads and decompresses bodies) per opts.Version and appends
// its rows to out, grouped by database and table with the hints each table
// needs when GreptimeDB creates it. It fills out.Samples, out.Histograms
// and out.Exemplars with what the request carried and counts in
// out.Dropped what is not written ("exemplar", "metadata").
//
// Errors from bad data are permanent (errs.IsPermanent); GreptimeDB rejects
// the whole request on any of them, so on error out holds a partial result
// that the caller must discard. A cancelled ctx stops the work between
// series. raw is not retained; the batches own copies of every value.
func Translate(ctx context.Context, raw []byte, opts *Options, out *translate.Output) error {
	c := converterPool.Get().(*Converter)
	defer func() {
		c.Reset()
		converterPool.Put(c)
	}()
	return c.Translate(ctx, raw, opts, out)
}

// Translate decodes one decompressed request with this Converter. It starts
// from a clean state (Reset), so one Converter can serve request after
// request; it must not be used by two goroutines at once.
func (c *Converter) Translate(ctx context.Context, raw []byte, opts *Options, out *translate.Output) error {
	c.Reset()
	v := opts.Version
	if v != V2 {
		v = V1
	}
	c.begin(opts, out, v)
	if v == V2 {
		return c.translateV2(ctx, raw)
	}
	return c.translateV1(ctx, raw)
}
