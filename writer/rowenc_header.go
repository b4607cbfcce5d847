package writer

import (
	"slices"
	"unicode/utf8"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
)

// headerSize is the encoded size of a RequestHeader (common.proto), field
// by field in the order protobuf-go writes them (ascending field number).
// The header is built by Client.header, so the encoder stays exact for
// whatever it puts there.
func headerSize(h *gpb.RequestHeader) int {
	n := sizeStringField(h.GetCatalog()) + sizeStringField(h.GetSchema())
	if a := h.GetAuthorization(); a != nil {
		n += sizeBytesField(authSize(a))
	}
	n += sizeStringField(h.GetDbname())
	n += stringMapSize(h.GetTracingContext())
	return n + sizeStringField(h.GetTimezone())
}

func appendHeader(b []byte, h *gpb.RequestHeader, keys *[]string) []byte {
	b = appendStringField(b, tagHdrCatalog, h.GetCatalog())
	b = appendStringField(b, tagHdrSchema, h.GetSchema())
	if a := h.GetAuthorization(); a != nil {
		b = appendLen(b, tagHdrAuth, authSize(a))
		switch s := a.GetAuthScheme().(type) {
		case *gpb.AuthHeader_Basic:
			b = appendLen(b, tagAuthBasic, basicSize(s.Basic))
			b = appendStringField(b, tagBasicUser, s.Basic.GetUsername())
			b = appendStringField(b, tagBasicPass, s.Basic.GetPassword())
		case *gpb.AuthHeader_Token:
			b = appendLen(b, tagAuthToken, sizeStringField(s.Token.GetToken()))
			b = appendStringField(b, tagTokenToken, s.Token.GetToken())
		}
	}
	b = appendStringField(b, tagHdrDbname, h.GetDbname())
	b = appendStringMap(b, tagHdrTracing, h.GetTracingContext(), keys)
	return appendStringField(b, tagHdrTimezone, h.GetTimezone())
}

// authSize is the size of an AuthHeader: a oneof member is written even
// when its message is empty.
func authSize(a *gpb.AuthHeader) int {
	switch s := a.GetAuthScheme().(type) {
	case *gpb.AuthHeader_Basic:
		return sizeBytesField(basicSize(s.Basic))
	case *gpb.AuthHeader_Token:
		return sizeBytesField(sizeStringField(s.Token.GetToken()))
	}
	return 0
}

func basicSize(b *gpb.Basic) int {
	return sizeStringField(b.GetUsername()) + sizeStringField(b.GetPassword())
}

// stringMapSize is the size of a map<string, string> field with a one-byte
// tag. Each entry is a message whose key (1) and value (2) are always
// written, even when empty, as protobuf-go does for map entries.
func stringMapSize(m map[string]string) int {
	n := 0
	for k, v := range m {
		e := sizeBytesField(len(k)) + sizeBytesField(len(v))
		n += sizeBytesField(e)
	}
	return n
}

// appendStringMap writes the entries sorted by key, as protobuf-go's
// deterministic marshalling does, so equal maps give equal bytes. keys is
// scratch space reused between calls.
func appendStringMap(b []byte, tag byte, m map[string]string, keys *[]string) []byte {
	if len(m) == 0 {
		return b
	}
	ks := (*keys)[:0]
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	for _, k := range ks {
		v := m[k]
		b = appendLen(b, tag, sizeBytesField(len(k))+sizeBytesField(len(v)))
		b = append(appendLen(b, tagMapKey, len(k)), k...)
		b = append(appendLen(b, tagMapValue, len(v)), v...)
	}
	clear(ks)
	*keys = ks[:0]
	return b
}

// checkHeaderUTF8 refuses a header whose strings are not UTF-8, as
// protobuf-go's marshalling did before the encoder; the database name and
// timezone may come from a caller's batch or options.
func checkHeaderUTF8(h *gpb.RequestHeader) error {
	for _, f := range []struct{ name, v string }{
		{"catalog", h.GetCatalog()},
		{"schema", h.GetSchema()},
		{"database name", h.GetDbname()},
		{"timezone", h.GetTimezone()},
		{"username", h.GetAuthorization().GetBasic().GetUsername()},
		{"password", h.GetAuthorization().GetBasic().GetPassword()},
		{"token", h.GetAuthorization().GetToken().GetToken()},
	} {
		if !utf8.ValidString(f.v) {
			return &InvalidInputError{Reason: f.name + " is not valid utf-8"}
		}
	}
	for k, v := range h.GetTracingContext() {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return &InvalidInputError{Reason: "tracing context is not valid utf-8"}
		}
	}
	return nil
}
