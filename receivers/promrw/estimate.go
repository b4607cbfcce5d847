package promrw

// memoryFactor bounds how many times its decompressed size a request holds
// at its peak: the decompressed body, the translated columnar batches and
// the row-insert conversion while it is written. A remote-write sample
// takes at least 13 bytes of protobuf and becomes one row of up to
// (labels + 2) cells of about pipeline.BytesPerCell bytes each in the conversion; 32
// covers requests whose labels are shared by several samples per series.
// The budget reserves this much once the body is decompressed and before it
// is translated, and trues it up once the translated size is known.
const memoryFactor = 32
