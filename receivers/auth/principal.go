package auth

import (
	"context"
	"fmt"
	"strings"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// Principal is an authenticated credential and the databases it may write.
type Principal struct {
	name string
	all  bool
	dbs  map[string]struct{}
}

func newPrincipal(name string, databases []string) *Principal {
	p := &Principal{name: name, dbs: make(map[string]struct{}, len(databases))}
	for _, d := range databases {
		if d == AllDatabases {
			p.all = true
			continue
		}
		p.dbs[canonical(d)] = struct{}{}
	}
	return p
}

// Name returns "user <name>" or "token <name>": what logs and metrics show.
func (p *Principal) Name() string { return p.name }

// MayWrite reports whether the principal may write to database db.
func (p *Principal) MayWrite(db string) bool {
	if p.all {
		return true
	}
	_, ok := p.dbs[canonical(db)]
	return ok
}

// canonical names a database as the catalog-schema pair GreptimeDB
// resolves it to (common/catalog/src/lib.rs
// parse_catalog_and_schema_from_db_string: split on the first '-', the
// catalog defaulting to DEFAULT_CATALOG_NAME "greptime"), so "public" and
// "greptime-public" are one database while "a-b" (schema b of catalog a)
// and "greptime-a-b" (schema a-b) stay two.
func canonical(db string) string {
	if strings.Contains(db, "-") {
		return db
	}
	return "greptime-" + db
}

type principalKey struct{}

// NewContext returns ctx carrying p; a nil p (authentication disabled)
// leaves ctx unchanged.
func NewContext(ctx context.Context, p *Principal) context.Context {
	if p == nil {
		return ctx
	}
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal NewContext stored, or nil.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// AuthorizeDatabase refuses, with an errs.Forbidden error, a request whose
// principal (from ctx) may not write to db: the database its header, ?db=,
// tenant header or the default chose. Receivers call it before reading the
// body, so a refused request costs no decoding.
func (a *Authenticator) AuthorizeDatabase(ctx context.Context, db string) error {
	if !a.Enabled() {
		return nil
	}
	return a.authorize(FromContext(ctx), db)
}

// AuthorizeOutput refuses, with an errs.Forbidden error, a translated
// request that writes to any database its principal (from ctx) may not.
// This is the check that cannot be bypassed: it sees the databases of the
// batches themselves, after translation resolved special labels such as
// remote write's __database__, so every way a request names a database
// ends here. Receivers call it just before handing the output on.
func (a *Authenticator) AuthorizeOutput(ctx context.Context, out *translate.Output) error {
	if !a.Enabled() {
		return nil
	}
	p := FromContext(ctx)
	for _, b := range out.Batches {
		if err := a.authorize(p, b.Database); err != nil {
			return err
		}
	}
	return nil
}

// authorize is the one decision. A missing principal with authentication
// enabled is refused: a receiver that forgot to attach it fails closed.
func (a *Authenticator) authorize(p *Principal, db string) error {
	if db == "" {
		db = a.defDB
	}
	if p != nil && p.MayWrite(db) {
		return nil
	}
	name := "no credential"
	if p != nil {
		name = p.name
	}
	a.m.forbidden.WithLabelValues(name).Inc()
	shown := quoteShort(db)
	a.log.Warn("write refused: the credential may not write to this database", "credential", name, "database", shown)
	return errs.Mark(fmt.Errorf("permission denied: this credential may not write to database %s", shown), errs.Forbidden)
}

// quoteShort quotes a database name for a message, cut to 128 bytes: the
// name comes from the request and may be any size.
func quoteShort(s string) string {
	const maxShown = 128
	if len(s) > maxShown {
		return fmt.Sprintf("%q… (%d bytes)", s[:maxShown], len(s))
	}
	return fmt.Sprintf("%q", s)
}
