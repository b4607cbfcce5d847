// Command capture is a minimal OTLP/HTTP sink for capture.sh: it listens on
// 127.0.0.1, stores every request body (gzip undone) under -out as
// <signal>-<n>.pb and answers 200 with an empty protobuf response. It lives
// under testdata so the module's builds and tests ignore it.
package main

import (
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:4318", "listen address (keep it on 127.0.0.1)")
	out := flag.String("out", ".", "directory for captured bodies")
	flag.Parse()
	var mu sync.Mutex
	n := map[string]int{}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		signal := strings.TrimPrefix(r.URL.Path, "/v1/")
		if signal != "metrics" && signal != "logs" && signal != "traces" {
			http.NotFound(w, r)
			return
		}
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, "bad gzip body", http.StatusBadRequest)
				return
			}
			body = zr
		}
		data, err := io.ReadAll(io.LimitReader(body, 64<<20))
		if err != nil {
			http.Error(w, "cannot read body", http.StatusBadRequest)
			return
		}
		mu.Lock()
		n[signal]++
		name := filepath.Join(*out, fmt.Sprintf("%s-%d.pb", signal, n[signal]))
		mu.Unlock()
		if err := os.WriteFile(name, data, 0o644); err != nil {
			log.Printf("cannot store %s: %v", name, err)
			http.Error(w, "cannot store body", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
