package otlp

import (
	"strings"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// knownSchemaHeader parses a fixture's bridge-known-schema switch, the
// table GreptimeDB already holds (greptimedb-tables.md §7.3, §7.4):
// "<table>=<column> <TYPE> <SEMANTIC>, …" with types as
// table.DataType.String prints them (STRING, INT64,
// TIMESTAMP_MILLISECOND) and TAG, FIELD or TIMESTAMP. Empty means no
// lookup.
func knownSchemaHeader(t *testing.T, v string) translate.SchemaLookup {
	t.Helper()
	if v == "" {
		return nil
	}
	name, list, ok := strings.Cut(v, "=")
	if !ok {
		t.Fatalf("bridge-known-schema %q: want <table>=<columns>", v)
	}
	var cols []translate.KnownColumn
	for _, c := range strings.Split(list, ",") {
		f := strings.Fields(c)
		if len(f) != 3 {
			t.Fatalf("bridge-known-schema column %q: want <name> <TYPE> <SEMANTIC>", c)
		}
		typ, ok := dataTypeNamed(f[1])
		if !ok {
			t.Fatalf("bridge-known-schema column %q: unknown type", c)
		}
		sem := map[string]table.SemanticType{"TAG": table.Tag, "FIELD": table.Field, "TIMESTAMP": table.Timestamp}[f[2]]
		if f[2] != "TAG" && sem == table.Tag {
			t.Fatalf("bridge-known-schema column %q: unknown semantic type", c)
		}
		cols = append(cols, kc(f[0], typ, sem))
	}
	return schemaMap{"." + strings.TrimSpace(name): cols}
}

func dataTypeNamed(s string) (table.DataType, bool) {
	for _, t := range table.AllDataTypes {
		if t.String() == s {
			return t, true
		}
	}
	return 0, false
}
