package writer

import "slices"

// maxAckedKept bounds the acknowledged ids a stream remembers for
// StreamEndedError.Acked: a long-lived stream acknowledges millions of
// batches, and only the recent ones help a caller decide what to resend.
const maxAckedKept = 1024

// bookkeeping is the id state of a bulk stream, guarded by the writer's mu.
type bookkeeping struct {
	pending    map[int64]struct{} // sent, not yet acknowledged or failed
	acked      []int64            // most recent acknowledged ids, oldest first
	ended      bool               // the response stream is over
	endCause   error              // its final error (nil: ended OK)
	abortCause error              // a client-side reason to end it
	finishing  bool               // Finish or Close was called
	unmatched  int                // responses whose id was not pending
	unreturned int                // acknowledged, response not yet returned
}

// maxUnreturned bounds the responses a stream keeps for Wait and Collect. A
// caller that writes with WriteAsync and never collects would otherwise grow
// the writer without limit; past twice this many, the oldest are forgotten
// (Wait then reports the id as unknown), keeping the newest maxUnreturned.
const maxUnreturned = 1 << 16

// pruneReturned forgets acknowledged requests with ids up to newest-keep
// whose responses nobody collected, and returns how many it dropped.
func pruneReturned(reqs map[int64]*bulkRequest, newest, keep int64) int {
	n := 0
	for id, r := range reqs {
		if id > newest-keep {
			continue
		}
		select {
		case <-r.done:
			if r.err == nil {
				delete(reqs, id)
				n++
			}
		default:
		}
	}
	return n
}

func (k *bookkeeping) pendingAdd(id int64) {
	if k.pending == nil {
		k.pending = make(map[int64]struct{})
	}
	k.pending[id] = struct{}{}
}

// markAcked moves id from pending to acked; false when it was not pending
// (a duplicate, or an id this writer never sent).
func (k *bookkeeping) markAcked(id int64) bool {
	if _, ok := k.pending[id]; !ok {
		k.unmatched++
		return false
	}
	delete(k.pending, id)
	if len(k.acked) == 2*maxAckedKept {
		k.acked = append(k.acked[:0], k.acked[maxAckedKept:]...)
	}
	k.acked = append(k.acked, id)
	return true
}

// pendingIDs returns the pending ids in increasing order.
func (k *bookkeeping) pendingIDs() []int64 {
	ids := make([]int64, 0, len(k.pending))
	for id := range k.pending {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// ackedIDs returns up to maxAckedKept most recent acknowledged ids.
func (k *bookkeeping) ackedIDs() []int64 {
	a := k.acked
	if len(a) > maxAckedKept {
		a = a[len(a)-maxAckedKept:]
	}
	return slices.Clone(a)
}
