package e2e

import (
	"strconv"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
)

// shallowRequest is one request of Prometheus's wide-and-shallow shape:
// 300 tables of 50 rows (15,000 rows), under the default threshold.
func shallowRequest(r int) []rw1Series {
	var out []rw1Series
	base := int64(1_700_000_000_000) + int64(r)*1000
	for tb := range 300 {
		name := "shallow_" + strconv.Itoa(tb)
		for s := range 50 {
			out = append(out, rw1Series{
				labels:  [][2]string{{"__name__", name}, {"host", "h" + strconv.Itoa(s)}},
				samples: [][2]float64{{float64(s), float64(base)}},
			})
		}
	}
	return out
}

// BenchmarkBridgeRemoteWrite measures the real binary end to end: a
// remote-write 1.0 request of 15,000 rows posted and answered (after the
// test server stored it, count-only), deep (3 tables × 5,000 rows, bulk)
// or shallow (300 tables × 50 rows, one multi-table row insert), with
// the bridge's default configuration (group commit: no flush wait).
// Allocations reported are this
// process's (the client and the in-process test server), not the
// bridge's. Run it with:
// go test -run '^$' -bench BridgeRemoteWrite -benchtime 40x ./test/e2e/
func BenchmarkBridgeRemoteWrite(b *testing.B) {
	for _, c := range []struct {
		name string
		req  func(int) []rw1Series
	}{{"deep", deepRequest}, {"shallow", shallowRequest}} {
		b.Run(c.name, func(b *testing.B) {
			srv, err := greptimetest.Start(greptimetest.Options{CountOnly: true})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(srv.Close)
			br := startBridgeAgainst(b, srv.Addr())
			// Encode ahead: the benchmark measures the bridge, not the client.
			reqs := make([][]rw1Series, 8)
			for i := range reqs {
				reqs[i] = c.req(i)
			}
			if err := postRW1(br.HTTP, reqs[0]); err != nil { // creates the tables
				b.Fatal(err)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if err := postRW1(br.HTTP, reqs[i%len(reqs)]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(15000*i)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
