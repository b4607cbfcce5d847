package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

func basic(u, p string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p))
}

func testAuth(reg prometheus.Registerer, log *slog.Logger) *Authenticator {
	return New(Options{
		Users: []Credential{
			{Name: "prom", Secret: "pw", Databases: []string{"metrics", "greptime-public"}},
			{Name: "admin", Secret: "root-pw", Databases: []string{AllDatabases}},
			{Name: "nobody", Secret: "none-pw"},
		},
		Tokens: []Credential{
			{Name: "otel", Secret: "tok", Databases: []string{"traces"}},
			{Name: "other", Secret: "tok-2", Databases: []string{"a-b"}},
		},
		DefaultDatabase: "public", Registerer: reg, Log: log,
	})
}

func TestAuthenticate(t *testing.T) {
	reg := prometheus.NewRegistry()
	a := testAuth(reg, nil)
	cases := []struct {
		header string
		who    string // "" = refused
	}{
		{basic("prom", "pw"), "user prom"},
		{"basic " + base64.StdEncoding.EncodeToString([]byte("prom:pw")), "user prom"},
		{basic("admin", "root-pw"), "user admin"},
		{basic("prom", "wrong"), ""},
		{basic("prom", "root-pw"), ""}, // another user's password
		{basic("unknown", "pw"), ""},
		{basic("", ""), ""},
		{"Bearer tok", "token otel"},
		{"Bearer  tok-2 ", "token other"},
		{"Bearer nope", ""},
		{"Bearer pw", ""}, // a password is not a token
		{"", ""},
		{"Basic !!!", ""},
		{"Basic " + base64.StdEncoding.EncodeToString([]byte("nocolon")), ""},
		{"Digest x", ""},
	}
	refused := 0
	for _, c := range cases {
		p, err := a.Authenticate(c.header)
		if c.who == "" {
			refused++
			if p != nil || !errors.Is(err, ErrUnauthenticated) {
				t.Errorf("%q: got %v, %v; want ErrUnauthenticated", c.header, p, err)
			}
			if err != nil && (strings.Contains(err.Error(), "pw") || strings.Contains(err.Error(), "prom")) {
				t.Errorf("%q: error %q leaks the credential", c.header, err)
			}
			continue
		}
		if err != nil || p == nil || p.Name() != c.who {
			t.Errorf("%q: got %v, %v; want %s", c.header, p, err, c.who)
		}
	}
	if got := counter(t, reg, "bridge_auth_unauthenticated_total", ""); got != float64(refused) {
		t.Errorf("unauthenticated counter = %v, want %d", got, refused)
	}
}

func TestDisabledAcceptsAll(t *testing.T) {
	var nilAuth *Authenticator
	out := &translate.Output{}
	out.Batch("anything", "t")
	for _, a := range []*Authenticator{nilAuth, {}, New(Options{})} {
		p, err := a.Authenticate("")
		if a.Enabled() || p != nil || err != nil {
			t.Fatal("disabled authenticator refused a request")
		}
		if a.AuthorizeDatabase(context.Background(), "x") != nil || a.AuthorizeOutput(context.Background(), out) != nil {
			t.Fatal("disabled authenticator refused a database")
		}
	}
}

func TestAuthorize(t *testing.T) {
	var logs bytes.Buffer
	reg := prometheus.NewRegistry()
	a := testAuth(reg, slog.New(slog.NewTextHandler(&logs, nil)))
	login := func(h string) context.Context {
		p, err := a.Authenticate(h)
		if err != nil {
			t.Fatal(err)
		}
		return NewContext(context.Background(), p)
	}
	prom, admin, nobody := login(basic("prom", "pw")), login(basic("admin", "root-pw")), login(basic("nobody", "none-pw"))
	otel, other := login("Bearer tok"), login("Bearer tok-2")
	cases := []struct {
		name string
		ctx  context.Context
		db   string
		ok   bool
	}{
		{"listed", prom, "metrics", true},
		{"default catalog long form", prom, "public", true},
		{"empty is the default database", prom, "", true},
		{"not listed", prom, "traces", false},
		{"another catalog", prom, "other-metrics", false},
		{"long form of a listed name", prom, "greptime-metrics", true},
		{"all", admin, "whatever", true},
		{"no databases", nobody, "public", false},
		{"token listed", otel, "traces", true},
		{"token not listed", otel, "metrics", false},
		{"catalog-schema listed", other, "a-b", true},
		{"schema a-b of the default catalog is another database", other, "greptime-a-b", false},
		{"no principal fails closed", context.Background(), "public", false},
	}
	denied := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := a.AuthorizeDatabase(c.ctx, c.db)
			if (err == nil) != c.ok {
				t.Fatalf("got %v, want ok=%v", err, c.ok)
			}
			if err != nil {
				denied++
				if cl, _ := errs.Classify(err); cl != errs.Forbidden {
					t.Errorf("class %v, want forbidden", cl)
				}
			}
		})
	}
	// The output check sees every batch's database, whatever chose it.
	out := &translate.Output{}
	out.Batch("metrics", "up")
	if err := a.AuthorizeOutput(prom, out); err != nil {
		t.Fatalf("allowed output refused: %v", err)
	}
	out.Batch("traces", "spans") // e.g. from a __database__ label
	if err := a.AuthorizeOutput(prom, out); err == nil || !strings.Contains(err.Error(), `"traces"`) {
		t.Fatalf("output into another database: got %v", err)
	}
	denied++
	if got := counter(t, reg, "bridge_auth_forbidden_total", "user prom"); got != 3 {
		t.Errorf("forbidden{user prom} = %v, want 3", got)
	}
	for _, who := range []string{"user nobody", "token otel", "token other", "no credential"} {
		if got := counter(t, reg, "bridge_auth_forbidden_total", who); got != 1 {
			t.Errorf("forbidden{%s} = %v, want 1", who, got)
		}
	}
	for _, secret := range []string{"pw", "root-pw", "none-pw", "tok"} {
		if strings.Contains(logs.String(), "="+secret) || strings.Contains(logs.String(), secret+" ") {
			t.Errorf("log shows secret %q:\n%s", secret, logs.String())
		}
	}
	if n := strings.Count(logs.String(), "write refused"); n != denied {
		t.Errorf("%d refusal log lines, want %d", n, denied)
	}
}

func TestLongDatabaseNameIsCut(t *testing.T) {
	a := testAuth(nil, nil)
	p, _ := a.Authenticate("Bearer tok")
	err := a.AuthorizeDatabase(NewContext(context.Background(), p), strings.Repeat("x", 1<<20))
	if err == nil || len(err.Error()) > 300 {
		t.Fatalf("got an error of %d bytes", len(err.Error()))
	}
}

// counter reads a counter from reg; credential selects the series of a
// labelled one.
func counter(t *testing.T, reg *prometheus.Registry, name, credential string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if credential == "" || (len(m.GetLabel()) == 1 && m.GetLabel()[0].GetValue() == credential) {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}
