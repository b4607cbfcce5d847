package writer

import (
	"fmt"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
)

// authHeader is the RequestHeader.authorization GreptimeDB reads on Handle
// and HandleRequests: Basic is the only scheme it accepts there
// (servers/src/grpc/context_auth.rs; Token gives UnsupportedAuthScheme).
// Nil when no username is configured: a server without a user provider skips
// authentication entirely.
func (c *Client) authHeader() *gpb.AuthHeader {
	if c.cfg.Username == "" {
		return nil
	}
	return &gpb.AuthHeader{AuthScheme: &gpb.AuthHeader_Basic{Basic: &gpb.Basic{
		Username: c.cfg.Username, Password: c.cfg.Password,
	}}}
}

// String describes the configuration with the password redacted, so a
// logged Config never reveals it.
func (c Config) String() string {
	pw := ""
	if c.Password != "" {
		pw = "[redacted]"
	}
	return fmt.Sprintf("writer.Config{Endpoints:%v Database:%q Username:%q Password:%s Timezone:%q RequestTimeout:%s ConnectTimeout:%s Compression:%q TLS:%t Retry:%v}",
		c.Endpoints, c.Database, c.Username, pw, c.Timezone, c.RequestTimeout, c.ConnectTimeout, c.Compression, c.TLS != nil, c.Retry)
}

// GoString keeps %#v from printing the password too.
func (c Config) GoString() string { return c.String() }

// String describes the client by its configuration, password redacted:
// printing the Client struct directly would otherwise show it.
func (c *Client) String() string { return "writer.Client{" + c.cfg.String() + "}" }

// GoString keeps %#v from printing the password too.
func (c *Client) GoString() string { return c.String() }
