package load

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// Transport sends one prepared request. Prepare turns a stamped,
// uncompressed body into what goes on the wire (outside the latency
// measurement); Send posts it and returns the status as text: the HTTP
// code ("204") or the gRPC code name ("OK", "Unavailable"), and for a
// refusal the start of the target's message.
type Transport interface {
	Prepare(dst, body []byte) ([]byte, error)
	Send(ctx context.Context, wire []byte) (status, message string, err error)
	Close() error
}

// Accepted reports whether a status means the items were taken.
func Accepted(status string) bool {
	return status == "OK" || (len(status) == 3 && status[0] == '2')
}

// HTTPTransport posts bodies with fixed headers.
type HTTPTransport struct {
	URL      string
	Header   http.Header
	Encoding string // "", "snappy" or "zstd"
	client   *http.Client
	zstd     *zstd.Encoder
}

// NewHTTP returns a transport posting to url. encoding is applied in
// Prepare; header holds the protocol's headers (Content-Encoding among
// them when encoding is set).
func NewHTTP(url string, header http.Header, encoding string, conns int) (*HTTPTransport, error) {
	t := &HTTPTransport{URL: url, Header: header, Encoding: encoding}
	switch encoding {
	case "", "snappy":
	case "zstd":
		// vmagent compresses with zstd's default level
		// (-remoteWrite.vmProtoCompressLevel=0 means the library default).
		enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		t.zstd = enc
	default:
		return nil, fmt.Errorf("encoding %q: want snappy or zstd", encoding)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = conns, conns
	tr.DisableCompression = true
	t.client = &http.Client{Transport: tr, Timeout: time.Minute}
	return t, nil
}

// Prepare compresses body into dst.
func (t *HTTPTransport) Prepare(dst, body []byte) ([]byte, error) {
	switch t.Encoding {
	case "snappy":
		// Block format, as Prometheus's remote write sends it.
		return snappy.Encode(dst[:cap(dst)], body), nil
	case "zstd":
		return t.zstd.EncodeAll(body, dst[:0]), nil
	}
	return append(dst[:0], body...), nil
}

// Send posts wire and drains the answer.
func (t *HTTPTransport) Send(ctx context.Context, wire []byte) (string, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(wire))
	if err != nil {
		return "", "", err
	}
	req.Header = t.Header.Clone()
	resp, err := t.client.Do(req)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	code := strconv.Itoa(resp.StatusCode)
	var msg []byte
	if !Accepted(code) {
		msg, _ = io.ReadAll(io.LimitReader(resp.Body, maxMessage))
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return code, string(msg), nil
}

// maxMessage bounds the refusal text kept from an answer.
const maxMessage = 300

// Close releases idle connections.
func (t *HTTPTransport) Close() error {
	t.client.CloseIdleConnections()
	return nil
}

// rawCodec hands pre-encoded protobuf to gRPC unchanged: the generator's
// bodies are already the wire form of the Export request.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *v.(*[]byte), nil }
func (rawCodec) Unmarshal(data []byte, v any) error {
	*v.(*[]byte) = append((*v.(*[]byte))[:0], data...)
	return nil
}
func (rawCodec) Name() string { return "proto" }

// GRPCTransport calls an OTLP Export method with pre-encoded requests.
type GRPCTransport struct {
	conn   *grpc.ClientConn
	method string
}

// NewGRPC dials addr (plaintext) for method, e.g.
// /opentelemetry.proto.collector.metrics.v1.MetricsService/Export.
func NewGRPC(addr, method string) (*GRPCTransport, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(64<<20), grpc.MaxCallRecvMsgSize(64<<20)))
	if err != nil {
		return nil, err
	}
	return &GRPCTransport{conn: conn, method: method}, nil
}

// Prepare copies body: OTLP/gRPC is sent uncompressed, as telemetrygen does.
func (t *GRPCTransport) Prepare(dst, body []byte) ([]byte, error) {
	return append(dst[:0], body...), nil
}

// Send calls the method; a gRPC error with a status is a status, not an
// error.
func (t *GRPCTransport) Send(ctx context.Context, wire []byte) (string, string, error) {
	var resp []byte
	err := t.conn.Invoke(ctx, t.method, &wire, &resp, grpc.ForceCodec(rawCodec{}))
	if err == nil {
		return "OK", "", nil
	}
	if s, ok := status.FromError(err); ok {
		msg := s.Message()
		return s.Code().String(), msg[:min(len(msg), maxMessage)], nil
	}
	return "", "", err
}

// Close closes the connection.
func (t *GRPCTransport) Close() error { return t.conn.Close() }
