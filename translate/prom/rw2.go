package prom

import "context"

type v2State struct{}

func (s *v2State) reset() {}

func (c *Converter) translateV2(ctx context.Context, b []byte) error { return nil }
