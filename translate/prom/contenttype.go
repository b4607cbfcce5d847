package prom

import (
	"errors"
	"fmt"
	"mime"
	"strings"

	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// ErrUnsupportedMediaType reports a Content-Type or Content-Encoding the
// remote-write endpoint does not accept; the receiver answers 415, which
// also makes senders such as vmagent fall back to snappy / 1.0.
var ErrUnsupportedMediaType = errors.New("unsupported remote-write media type")

// Wire names of the two remote-write messages (the proto= parameter).
const (
	protoV1 = "prometheus.WriteRequest"
	protoV2 = "io.prometheus.write.v2.Request"
)

// ParseContentType picks the protocol version from a Content-Type header the
// way GreptimeDB main does (servers/src/http/prom_store.rs
// remote_write_proto): no header, or application/x-protobuf (any case)
// without a proto parameter or with proto=prometheus.WriteRequest, is 1.0;
// proto=io.prometheus.write.v2.Request is 2.0; anything else is
// ErrUnsupportedMediaType.
func ParseContentType(contentType string) (Version, error) {
	if strings.TrimSpace(contentType) == "" {
		return V1, nil
	}
	media, params, err := mime.ParseMediaType(contentType)
	if err != nil || !strings.EqualFold(media, "application/x-protobuf") {
		return 0, errs.NewPermanent(fmt.Errorf("%w: content type %q", ErrUnsupportedMediaType, contentType))
	}
	proto, ok := params["proto"]
	switch {
	case !ok || proto == protoV1:
		return V1, nil
	case proto == protoV2:
		return V2, nil
	}
	return 0, errs.NewPermanent(fmt.Errorf("%w: content type %q", ErrUnsupportedMediaType, contentType))
}
