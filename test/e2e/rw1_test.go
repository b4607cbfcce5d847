package e2e

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"net/http"

	"github.com/klauspost/compress/snappy"
	"google.golang.org/protobuf/encoding/protowire"
)

// rw1Series is one series of a remote-write 1.0 request.
type rw1Series struct {
	labels  [][2]string // name, value; __name__ included
	samples [][2]float64
}

// encodeRW1 writes a prometheus.WriteRequest (prompb/remote.proto:
// WriteRequest.timeseries=1; TimeSeries.labels=1, samples=2; Label.name=1,
// value=2; Sample.value=1 double, timestamp=2 int64) by hand: the test
// needs no Prometheus module for it.
func encodeRW1(series []rw1Series) []byte {
	var out, ts, sub []byte
	for _, s := range series {
		ts = ts[:0]
		for _, l := range s.labels {
			sub = protowire.AppendTag(sub[:0], 1, protowire.BytesType)
			sub = protowire.AppendString(sub, l[0])
			sub = protowire.AppendTag(sub, 2, protowire.BytesType)
			sub = protowire.AppendString(sub, l[1])
			ts = protowire.AppendTag(ts, 1, protowire.BytesType)
			ts = protowire.AppendBytes(ts, sub)
		}
		for _, smp := range s.samples {
			sub = protowire.AppendTag(sub[:0], 1, protowire.Fixed64Type)
			sub = protowire.AppendFixed64(sub, math.Float64bits(smp[0]))
			sub = protowire.AppendTag(sub, 2, protowire.VarintType)
			sub = protowire.AppendVarint(sub, uint64(int64(smp[1])))
			ts = protowire.AppendTag(ts, 2, protowire.BytesType)
			ts = protowire.AppendBytes(ts, sub)
		}
		out = protowire.AppendTag(out, 1, protowire.BytesType)
		out = protowire.AppendBytes(out, ts)
	}
	return out
}

// postRW1 sends a snappy remote-write 1.0 body as Prometheus does and
// returns an error unless the answer is 204.
func postRW1(addr string, series []rw1Series) error {
	body := snappy.Encode(nil, encodeRW1(series))
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/write", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Content-Encoding", "snappy")
	req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("remote write answered %s: %s", resp.Status, msg)
	}
	if h := resp.Header.Get("X-Prometheus-Remote-Write-Samples-Written"); h != "" {
		return fmt.Errorf("a 1.0 answer carries X-Prometheus-Remote-Write-Samples-Written: %s", h)
	}
	return nil
}
