package otlp

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// Field numbers of opentelemetry-proto v1 (collector/metrics/v1/
// metrics_service.proto, metrics/v1/metrics.proto, resource/v1/
// resource.proto, common/v1/common.proto).
const (
	fRequestResource = 1 // Export*ServiceRequest.resource_{metrics,logs}

	fResResource   = 1    // Resource{Metrics,Logs}.resource
	fResScope      = 2    // .scope_{metrics,logs}
	fResSchemaURL  = 3    // .schema_url
	fResDeprecated = 1000 // the pre-1.0 instrumentation_library_* list

	fScopeScope     = 1 // Scope{Metrics,Logs}.scope
	fScopeItems     = 2 // .metrics / .log_records
	fScopeSchemaURL = 3 // .schema_url

	fMetricName        = 1
	fMetricDescription = 2
	fMetricUnit        = 3
	fMetricGauge       = 5
	fMetricSum         = 7
	fMetricHistogram   = 9
	fMetricExpHist     = 10
	fMetricSummary     = 11
	fMetricMetadata    = 12
)

// MetricsProto translates an ExportMetricsServiceRequest in protobuf wire
// form, as Metrics does with the same request unmarshalled by pdata, with
// the same tables, rows, counters and errors. It walks the bytes straight
// into the table model when the request and options allow (prom mode;
// gauges, sums, histograms, summaries, and exponential histograms when
// dropped), and otherwise unmarshals with pdata and calls Metrics;
// the choice is made before any output is produced, and wire reports it.
// out must be empty. body must stay unchanged until the batches have been
// consumed: string values are copied into columns, but not before.
// A decoding error is permanent.
func (c *Converter) MetricsProto(ctx context.Context, body []byte, db translate.DatabaseOptions, opts *RequestOptions, out *translate.Output) (wire bool, err error) {
	if opts != nil {
		if err := checkShapeProto(body, shapeMetrics, "metrics", &opts.Limits); err != nil {
			return true, err
		}
	}
	if db.OTLPMetricMode != translate.OTLPMetricLegacy && len(out.Batches) == 0 {
		ok, err := wireMetricsSupported(body, opts == nil || !opts.ConvertExponentialHistograms)
		if err != nil {
			return true, decodeErr("metrics", body, err)
		}
		if ok {
			return true, wireResult("metrics", body, c.metricsWire(ctx, body, db, opts, out))
		}
	}
	req := pmetricotlp.NewExportRequest()
	if err := req.UnmarshalProto(body); err != nil {
		return false, decodeErr("metrics", body, err)
	}
	return false, c.Metrics(ctx, req.Metrics(), db, opts, out)
}

func decodeErr(signal string, body []byte, err error) error {
	return errs.NewPermanent(fmt.Errorf("cannot decode OTLP %s request of %d bytes: %w", signal, len(body), err))
}

// wireResult marks decoding errors of the wire walk permanent; translation
// errors already are, and a cancelled context stays retryable.
func wireResult(signal string, body []byte, err error) error {
	if err == nil || errs.IsPermanent(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return decodeErr(signal, body, err)
}

// wireMetricsSupported walks the request down to each metric's header and
// says whether the wire path covers it: one resource per resource_metrics
// and one scope per scope_metrics (pdata merges repeats), no deprecated
// instrumentation-library lists, exponential histograms only when they are
// dropped (dropExp), and one data member per metric (pdata keeps the last
// and still decodes the others).
func wireMetricsSupported(body []byte, dropExp bool) (bool, error) {
	return walkLists(body, fResDeprecated, func(num int32, b []byte) (bool, error) {
		if num != fScopeItems {
			return true, nil
		}
		data := 0
		r := wireReader{b: b}
		for r.more() {
			num, wt, err := r.tag()
			if err != nil {
				return false, err
			}
			switch num {
			case fMetricName, fMetricDescription, fMetricUnit, fMetricMetadata:
				_, err = r.lenField(num, wt)
			case fMetricGauge, fMetricSum, fMetricHistogram, fMetricSummary:
				data++
				_, err = r.lenField(num, wt)
			case fMetricExpHist:
				if !dropExp {
					return false, nil
				}
				data++
				_, err = r.lenField(num, wt)
			default:
				err = r.skip(wt)
			}
			if err != nil {
				return false, err
			}
		}
		return data <= 1, nil
	})
}

// walkLists walks request → resource list → scope list, checking the wire
// types pdata checks there, refusing (false) a repeated resource or scope
// or the deprecated field, and calls item with each scope's fields other
// than the scope itself (num is fScopeItems for an item).
func walkLists(body []byte, deprecated int32, item func(num int32, b []byte) (bool, error)) (bool, error) {
	r := wireReader{b: body}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return false, err
		}
		if num != fRequestResource {
			if err := r.skip(wt); err != nil {
				return false, err
			}
			continue
		}
		rb, err := r.lenField(num, wt)
		if err != nil {
			return false, err
		}
		ok, err := walkResource(rb, deprecated, item)
		if !ok || err != nil {
			return ok, err
		}
	}
	return true, nil
}

func walkResource(b []byte, deprecated int32, item func(num int32, b []byte) (bool, error)) (bool, error) {
	resources := 0
	r := wireReader{b: b}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return false, err
		}
		switch num {
		case fResResource:
			resources++
			_, err = r.lenField(num, wt)
		case fResSchemaURL:
			_, err = r.lenField(num, wt)
		case deprecated:
			return false, nil
		case fResScope:
			var sb []byte
			if sb, err = r.lenField(num, wt); err == nil {
				ok, serr := walkScope(sb, item)
				if !ok || serr != nil {
					return ok, serr
				}
			}
		default:
			err = r.skip(wt)
		}
		if err != nil {
			return false, err
		}
	}
	return resources <= 1, nil
}

func walkScope(b []byte, item func(num int32, b []byte) (bool, error)) (bool, error) {
	scopes := 0
	r := wireReader{b: b}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return false, err
		}
		switch num {
		case fScopeScope:
			scopes++
			_, err = r.lenField(num, wt)
		case fScopeItems, fScopeSchemaURL:
			var ib []byte
			if ib, err = r.lenField(num, wt); err == nil {
				ok, ierr := item(num, ib)
				if !ok || ierr != nil {
					return ok, ierr
				}
			}
		default:
			err = r.skip(wt)
		}
		if err != nil {
			return false, err
		}
	}
	return scopes <= 1, nil
}
