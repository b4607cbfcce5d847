package dbselect

import (
	"net/http"
	"testing"
)

func TestOrder(t *testing.T) {
	s := &Selector{Default: "def", TenantHeader: "X-Scope-OrgID", Tenants: map[string]string{"team-a": "team_a"}}
	cases := []struct {
		name    string
		headers map[string]string
		db      string
		want    string
		wantErr bool
	}{
		{"header wins", map[string]string{"X-Greptime-DB-Name": "h", "X-Scope-OrgID": "team-a"}, "q", "h", false},
		{"query second", map[string]string{"X-Scope-OrgID": "team-a"}, "q", "q", false},
		{"tenant third", map[string]string{"X-Scope-OrgID": "team-a"}, "", "team_a", false},
		{"default last", nil, "", "def", false},
		{"unmapped tenant refused", map[string]string{"X-Scope-OrgID": "team-b"}, "", "", true},
		{"catalog-schema verbatim", map[string]string{"x-greptime-db-name": "greptime-public"}, "", "greptime-public", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range c.headers {
				h.Set(k, v)
			}
			got, err := s.Select(h.Get, c.db)
			if (err != nil) != c.wantErr || got != c.want {
				t.Fatalf("got %q, %v; want %q", got, err, c.want)
			}
		})
	}
	s.MapUnknown = true
	h := http.Header{}
	h.Set("X-Scope-OrgID", "team-b")
	if got, _ := s.Select(h.Get, ""); got != "team-b" {
		t.Fatalf("MapUnknown: got %q", got)
	}
}
