package pipeline

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// Streams keeps one long-lived bulk stream per table and implements
// BulkWriter. Open streams are capped; the least recently used one is
// finished first, and streams idle past the idle timeout are finished on the
// next write or sweep. A batch whose schema differs from its stream's (the
// table widened) finishes the stream and opens a new one.
type Streams struct {
	client  *writer.Client
	opts    []writer.BulkOption
	maxOpen int
	idle    time.Duration
	log     *slog.Logger
	ctx     context.Context
	cancel  context.CancelFunc

	mu        sync.Mutex
	streams   map[tableKey]*openStream
	inserters map[string]*writer.BulkInserter
	swept     chan struct{} // closed when sweepLoop returns
	peak      int           // most batches seen in flight on one stream
}

// PeakInFlight returns the most batches seen in flight at once on one
// stream.
func (s *Streams) PeakInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

type openStream struct {
	w        *writer.BulkStreamWriter
	key      tableKey
	sig      string
	lastUsed time.Time
	// inflight counts batches sent and not yet answered; a stream with
	// batches in flight is never finished or evicted.
	inflight int
	// retired streams left the map (schema changed, failed, evicted while
	// busy) and are closed when their last batch is answered.
	retired bool
	failed  bool
}

// NewStreams returns a stream manager over client.
func NewStreams(client *writer.Client, maxOpen int, idle time.Duration, log *slog.Logger, opts ...writer.BulkOption) *Streams {
	if maxOpen < 1 {
		maxOpen = 1
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Streams{
		client: client, opts: opts, maxOpen: maxOpen, idle: idle, log: log, ctx: ctx, cancel: cancel,
		streams: map[tableKey]*openStream{}, inserters: map[string]*writer.BulkInserter{}, swept: make(chan struct{}),
	}
	go s.sweepLoop()
	return s
}

// sweepLoop finishes idle streams even when no write comes to notice them.
func (s *Streams) sweepLoop() {
	defer close(s.swept)
	if s.idle <= 0 {
		<-s.ctx.Done()
		return
	}
	t := time.NewTicker(max(s.idle/2, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		var idle []*openStream
		s.mu.Lock()
		now := time.Now()
		for k, st := range s.streams {
			if st.inflight == 0 && now.Sub(st.lastUsed) > s.idle {
				idle = append(idle, st)
				delete(s.streams, k)
			}
		}
		s.mu.Unlock()
		s.finish(idle)
	}
}

func signature(b *table.Batch) string {
	var sb strings.Builder
	for _, c := range b.Columns() {
		sb.WriteString(c.Name)
		sb.WriteByte(0)
		sb.WriteByte(byte(c.Type))
		sb.WriteByte(byte(c.Semantic))
	}
	return sb.String()
}

// WriteBulk sends b through its table's stream and returns once it is sent
// (b may then be reused), with a function that waits for the
// acknowledgement. A failed stream is dropped, so the next write opens a
// new one.
func (s *Streams) WriteBulk(ctx context.Context, b *table.Batch) (func(context.Context) error, error) {
	k := tableKey{b.Database, b.Table}
	st, err := s.acquire(ctx, k, b)
	if err != nil {
		return nil, err
	}
	id, err := st.w.WriteAsync(ctx, b)
	if err != nil {
		s.done(st, true)
		return nil, err
	}
	return func(ctx context.Context) error {
		_, err := st.w.Wait(ctx, id)
		s.done(st, err != nil)
		return err
	}, nil
}

// done records an answered (or failed) batch of st.
func (s *Streams) done(st *openStream, failed bool) {
	s.mu.Lock()
	st.inflight--
	st.lastUsed = time.Now()
	if failed {
		st.failed = true
		if s.streams[st.key] == st {
			delete(s.streams, st.key)
		}
		st.retired = true
	}
	closeNow := st.retired && st.inflight == 0
	s.mu.Unlock()
	if closeNow {
		s.finish([]*openStream{st})
	}
}

func (s *Streams) acquire(ctx context.Context, k tableKey, b *table.Batch) (*openStream, error) {
	sig := signature(b)
	var toClose []*openStream
	retire := func(st *openStream) {
		st.retired = true
		if st.inflight == 0 {
			toClose = append(toClose, st)
		}
	}
	s.mu.Lock()
	now := time.Now()
	for key, st := range s.streams {
		if st.inflight == 0 && s.idle > 0 && now.Sub(st.lastUsed) > s.idle {
			delete(s.streams, key)
			retire(st)
		}
	}
	st, ok := s.streams[k]
	if ok && st.sig != sig {
		// The table widened: finish this stream once its batches are
		// answered and open one with the new schema.
		delete(s.streams, k)
		retire(st)
		ok = false
	}
	if ok {
		st.inflight++
		s.peak = max(s.peak, st.inflight)
		s.mu.Unlock()
		s.finish(toClose)
		return st, nil
	}
	for len(s.streams) >= s.maxOpen {
		var lruKey tableKey
		var lru *openStream
		for key, cand := range s.streams {
			if cand.inflight == 0 && (lru == nil || cand.lastUsed.Before(lru.lastUsed)) {
				lru, lruKey = cand, key
			}
		}
		if lru == nil {
			break // every open stream is busy: go over the cap for now
		}
		delete(s.streams, lruKey)
		retire(lru)
	}
	bi, ok := s.inserters[k.db]
	if !ok {
		bi = s.client.NewBulkInserter(k.db)
		s.inserters[k.db] = bi
	}
	s.mu.Unlock()
	s.finish(toClose)
	toClose = nil
	w, err := bi.StreamWriterFor(s.ctx, b, s.opts...)
	if err != nil {
		return nil, err
	}
	st = &openStream{w: w, key: k, sig: sig, lastUsed: time.Now(), inflight: 1}
	s.mu.Lock()
	s.peak = max(s.peak, 1)
	if old, exists := s.streams[k]; exists {
		delete(s.streams, k)
		retire(old)
	}
	s.streams[k] = st
	s.mu.Unlock()
	s.finish(toClose)
	return st, nil
}

func (s *Streams) finish(list []*openStream) {
	for _, st := range list {
		if st.failed {
			_ = st.w.Close()
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := st.w.Finish(ctx); err != nil {
			s.log.Warn("finishing an idle bulk stream failed", "table", st.w.Table(), "error", err)
		}
		cancel()
	}
}

// Open returns the number of open streams.
func (s *Streams) Open() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.streams)
}

// Close finishes every stream.
func (s *Streams) Close(ctx context.Context) error {
	s.mu.Lock()
	list := make([]*openStream, 0, len(s.streams))
	for k, st := range s.streams {
		list = append(list, st)
		delete(s.streams, k)
	}
	s.mu.Unlock()
	var firstErr error
	for _, st := range list {
		if err := st.w.Finish(ctx); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	s.cancel()
	<-s.swept
	return firstErr
}
