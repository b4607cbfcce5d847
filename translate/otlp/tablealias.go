package otlp

import "github.com/greptime-bridge/greptime-bridge/writer/table"

// Short aliases for the table model names used across this package.
type tableBatch = table.Batch

const (
	tableString = table.String
	tableFloat  = table.Float64
	tableTSNano = table.TimestampNanosecond
	tableTag    = table.Tag
	tableField  = table.Field
	tableTS     = table.Timestamp
)
