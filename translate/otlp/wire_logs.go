package otlp

import (
	"context"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// LogsProto translates an ExportLogsServiceRequest in protobuf wire form,
// as Logs does with the same request unmarshalled by pdata. Like
// MetricsProto it decides before any output whether the wire path covers
// the request and otherwise unmarshals with pdata; wire reports the choice.
// out must be empty; body must stay unchanged until the batches have been
// consumed. A decoding error is permanent.
func (c *Converter) LogsProto(ctx context.Context, body []byte, opts *RequestOptions, out *translate.Output) (wire bool, err error) {
	req := plogotlp.NewExportRequest()
	if err := req.UnmarshalProto(body); err != nil {
		return false, decodeErr("logs", body, err)
	}
	return false, c.Logs(ctx, req.Logs(), opts, out)
}
