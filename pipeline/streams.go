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
}

type openStream struct {
	w        *writer.BulkStreamWriter
	sig      string
	lastUsed time.Time
	busy     bool
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
	s := &Streams{client: client, opts: opts, maxOpen: maxOpen, idle: idle, log: log, ctx: ctx, cancel: cancel,
		streams: map[tableKey]*openStream{}, inserters: map[string]*writer.BulkInserter{}, swept: make(chan struct{})}
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
			if !st.busy && now.Sub(st.lastUsed) > s.idle {
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

// WriteBulk writes b through its table's stream and waits for the
// acknowledgement. A failed stream is dropped, so the next write reopens it.
func (s *Streams) WriteBulk(ctx context.Context, b *table.Batch) error {
	k := tableKey{b.Database, b.Table}
	st, err := s.acquire(ctx, k, b)
	if err != nil {
		return err
	}
	_, err = st.w.WriteRows(ctx, b)
	s.mu.Lock()
	st.busy = false
	st.lastUsed = time.Now()
	if err != nil && s.streams[k] == st {
		delete(s.streams, k)
		s.mu.Unlock()
		_ = st.w.Close()
		return err
	}
	s.mu.Unlock()
	return err
}

func (s *Streams) acquire(ctx context.Context, k tableKey, b *table.Batch) (*openStream, error) {
	sig := signature(b)
	var toClose []*openStream
	s.mu.Lock()
	now := time.Now()
	for key, st := range s.streams {
		if !st.busy && s.idle > 0 && now.Sub(st.lastUsed) > s.idle {
			toClose = append(toClose, st)
			delete(s.streams, key)
		}
	}
	st, ok := s.streams[k]
	if ok && st.sig != sig && !st.busy {
		toClose = append(toClose, st)
		delete(s.streams, k)
		ok = false
	}
	if ok {
		st.busy = true
		s.mu.Unlock()
		s.finish(toClose)
		return st, nil
	}
	for len(s.streams) >= s.maxOpen {
		var lruKey tableKey
		var lru *openStream
		for key, cand := range s.streams {
			if !cand.busy && (lru == nil || cand.lastUsed.Before(lru.lastUsed)) {
				lru, lruKey = cand, key
			}
		}
		if lru == nil {
			break
		}
		delete(s.streams, lruKey)
		toClose = append(toClose, lru)
	}
	bi, ok := s.inserters[k.db]
	if !ok {
		bi = s.client.NewBulkInserter(k.db)
		s.inserters[k.db] = bi
	}
	s.mu.Unlock()
	s.finish(toClose)
	w, err := bi.StreamWriterFor(s.ctx, b, s.opts...)
	if err != nil {
		return nil, err
	}
	st = &openStream{w: w, sig: sig, lastUsed: time.Now(), busy: true}
	s.mu.Lock()
	if old, exists := s.streams[k]; exists && !old.busy {
		toClose = []*openStream{old}
	} else {
		toClose = nil
	}
	s.streams[k] = st
	s.mu.Unlock()
	s.finish(toClose)
	return st, nil
}

func (s *Streams) finish(list []*openStream) {
	for _, st := range list {
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
