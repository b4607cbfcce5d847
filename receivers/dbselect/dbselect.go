package dbselect

import (
	"fmt"
	"strings"
)

// HeaderDBName is GreptimeDB's database header.
const HeaderDBName = "x-greptime-db-name"

// Selector picks a request's database.
type Selector struct {
	// Default is used when nothing else names a database.
	Default string
	// TenantHeader, when set, is consulted after the header and ?db=.
	TenantHeader string
	// Tenants maps tenant header values to databases.
	Tenants map[string]string
	// MapUnknown uses an unmapped tenant value as the database name;
	// otherwise an unmapped tenant is refused.
	MapUnknown bool
}

// Select returns the database for a request whose headers are read through
// header and whose ?db= parameter is db.
func (s *Selector) Select(header func(string) string, db string) (string, error) {
	if v := strings.TrimSpace(header(HeaderDBName)); v != "" {
		return v, nil
	}
	if db = strings.TrimSpace(db); db != "" {
		return db, nil
	}
	if s.TenantHeader != "" {
		if t := strings.TrimSpace(header(s.TenantHeader)); t != "" {
			if mapped, ok := s.Tenants[t]; ok {
				return mapped, nil
			}
			if s.MapUnknown {
				return t, nil
			}
			return "", fmt.Errorf("tenant %q in header %s is not mapped to a database", t, s.TenantHeader)
		}
	}
	if s.Default == "" {
		return "public", nil
	}
	return s.Default, nil
}
