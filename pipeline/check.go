package pipeline

import (
	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// Check reports, as Consume would before taking anything, a batch of out
// that can never be written (a permanent error), without taking or
// changing out. The disk queue calls it before it acknowledges a request
// whose rows it writes later, so bad data is still answered 400.
func (p *Pipeline) Check(out *translate.Output) error {
	for _, b := range out.Batches {
		if b.Rows() == 0 {
			continue
		}
		if err := b.Validate(); err != nil {
			return errs.NewPermanent(err)
		}
		if err := p.schemas.check(b); err != nil {
			return err
		}
	}
	return nil
}
