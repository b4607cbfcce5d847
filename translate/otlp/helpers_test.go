package otlp

import "math"

func posInf() float64 { return math.Inf(1) }
func nan() float64    { return math.NaN() }

func itoa(i int) string { return string(appendInt(nil, int64(i))) }
