package writer

import (
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// InsertOption adjusts one Insert, Write, ExecSQL or stream call.
type InsertOption func(*callOptions)

type callOptions struct {
	database string
	timezone string
	hints    table.Hints
}

// WithDatabase sends the call to database instead of Config.Database. For
// Write it applies to batches whose Database is empty.
func WithDatabase(db string) InsertOption {
	return func(o *callOptions) { o.database = db }
}

// WithTimezone sets the session timezone of the call (RequestHeader.timezone),
// overriding Config.Timezone.
func WithTimezone(tz string) InsertOption {
	return func(o *callOptions) { o.timezone = tz }
}

// WithHints sets the table-option hints of an Insert or a stream, sent as
// one x-greptime-hints entry. For WriteWith they are added to each batch's
// own hints.
func WithHints(h table.Hints) InsertOption {
	return func(o *callOptions) { o.hints = h }
}

func (c *Client) callOptions(opts []InsertOption) callOptions {
	o := callOptions{database: c.cfg.Database, timezone: c.cfg.Timezone}
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	return o
}
