package promrw

import (
	"net/http"
	"time"

	"github.com/greptime-bridge/greptime-bridge/receivers/internal/answer"
)

// Status maps an error to the remote-write answer: 400 for data that will
// never be written, 413 for bodies over a limit, 401/403 for credentials,
// and 503 with a Retry-After for everything that may succeed later.
// Prometheus drops data on 429 (retry_on_http_429 defaults to false), so
// overload is never answered 429.
func Status(err error, defaultRetry time.Duration) (code int, retryAfter time.Duration) {
	if err == nil {
		return http.StatusNoContent, 0
	}
	return answer.HTTP(err, defaultRetry)
}
