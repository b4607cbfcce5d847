package translate

// Source is a request as a receiver took it, enough to translate it again
// later against the tables as they are then. With ack: on_queue the disk
// queue keeps it beside a logs or traces request's batches: the request is
// acknowledged before its rows are written, and if another writer changes
// a table meanwhile, GreptimeDB refuses the queued rows, which a second
// translation would align with the table as it is (what a receiver does
// with ack: on_write, as GreptimeDB's own handler aligns every request).
type Source struct {
	// Signal names the translation the receiver applies (for OTLP "logs"
	// or "traces"); the receiver that made the source reads it back.
	Signal string
	// Options are the request's translation options that came with the
	// request rather than from the bridge's configuration, as name/value
	// pairs in the order the receiver wrote them.
	Options []SourceOption
	// Payload is the request body, decompressed (OTLP protobuf).
	Payload []byte
}

// SourceOption is one translation option of a Source.
type SourceOption struct{ Name, Value string }
