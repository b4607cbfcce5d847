package greptimetest

import (
	"fmt"
	"strings"
)

// tokKind classifies SQL tokens.
type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokQuoted // "x" or `x`: an identifier kept verbatim
	tokString // 'x'
	tokNumber
	tokPunct
)

type token struct {
	kind tokKind
	text string
}

// lexSQL splits a statement into tokens. Unquoted identifiers are
// lowercased as GreptimeDB's parser does for object names; quoted ones are
// kept. It errors on unterminated quotes.
func lexSQL(q string) ([]token, error) {
	var toks []token
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			for i < len(q) && q[i] != '\n' {
				i++
			}
		case c == '\'' || c == '"' || c == '`':
			j := i + 1
			var b strings.Builder
			for {
				if j >= len(q) {
					return nil, syntaxErr("unterminated quoted text starting at offset %d", i)
				}
				if q[j] == c {
					if j+1 < len(q) && q[j+1] == c {
						b.WriteByte(c)
						j += 2
						continue
					}
					break
				}
				b.WriteByte(q[j])
				j++
			}
			kind := tokQuoted
			if c == '\'' {
				kind = tokString
			}
			toks = append(toks, token{kind, b.String()})
			i = j + 1
		case isIdentByte(c):
			j := i
			for j < len(q) && (isIdentByte(q[j]) || (q[j] >= '0' && q[j] <= '9')) {
				j++
			}
			toks = append(toks, token{tokIdent, strings.ToLower(q[i:j])})
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(q) && (q[j] >= '0' && q[j] <= '9' || q[j] == '.') {
				j++
			}
			toks = append(toks, token{tokNumber, q[i:j]})
			i = j
		default:
			toks = append(toks, token{tokPunct, string(c)})
			i++
		}
	}
	return append(toks, token{kind: tokEOF}), nil
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// syntaxErr is sql's Syntax error, "Invalid SQL syntax" with the parser's
// message appended (sql/src/error.rs, InvalidSyntax 2000). The parser
// message is the test server's own, not sqlparser's exact text.
func syntaxErr(format string, args ...any) *Error {
	return newErr(StatusInvalidSyntax, "Invalid SQL syntax: sql parser error: %s", fmt.Sprintf(format, args...))
}

// parser walks tokens.
type parser struct {
	toks []token
	pos  int
}

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

// isKw reports whether the next token is the unquoted keyword kw.
func (p *parser) isKw(kw string) bool {
	t := p.peek()
	return t.kind == tokIdent && t.text == kw
}

// acceptKw consumes the keywords if they all come next.
func (p *parser) acceptKw(kws ...string) bool {
	for i, kw := range kws {
		if p.pos+i >= len(p.toks) {
			return false
		}
		t := p.toks[p.pos+i]
		if t.kind != tokIdent || t.text != kw {
			return false
		}
	}
	p.pos += len(kws)
	return true
}

func (p *parser) isPunct(s string) bool {
	t := p.peek()
	return t.kind == tokPunct && t.text == s
}

func (p *parser) acceptPunct(s string) bool {
	if p.isPunct(s) {
		p.pos++
		return true
	}
	return false
}

func (p *parser) expectPunct(s string) error {
	if !p.acceptPunct(s) {
		return syntaxErr("Expected: %s, found: %s", s, p.describe())
	}
	return nil
}

func (p *parser) describe() string {
	t := p.peek()
	if t.kind == tokEOF {
		return "EOF"
	}
	return t.text
}

// ident reads an identifier (quoted or not).
func (p *parser) ident() (string, error) {
	t := p.peek()
	if t.kind != tokIdent && t.kind != tokQuoted {
		return "", syntaxErr("Expected: identifier, found: %s", p.describe())
	}
	p.pos++
	return t.text, nil
}

// objectName reads a possibly qualified name: a, a.b or a.b.c.
func (p *parser) objectName() ([]string, error) {
	var parts []string
	for {
		id, err := p.ident()
		if err != nil {
			return nil, err
		}
		parts = append(parts, id)
		if !p.acceptPunct(".") {
			return parts, nil
		}
	}
}

// skipParens skips a balanced parenthesised group starting at '(' and
// returns its text.
func (p *parser) skipParens() (string, error) {
	if err := p.expectPunct("("); err != nil {
		return "", err
	}
	depth := 1
	var parts []string
	for depth > 0 {
		t := p.next()
		switch {
		case t.kind == tokEOF:
			return "", syntaxErr("Expected: ), found: EOF")
		case t.kind == tokPunct && t.text == "(":
			depth++
		case t.kind == tokPunct && t.text == ")":
			depth--
			if depth == 0 {
				continue
			}
		}
		switch t.kind {
		case tokString:
			parts = append(parts, "'"+t.text+"'")
		case tokQuoted:
			parts = append(parts, `"`+t.text+`"`)
		default:
			parts = append(parts, t.text)
		}
	}
	return "(" + strings.Join(parts, " ") + ")", nil
}

// options reads WITH-style options: ( key = value, ... ). Keys may be
// dotted (compaction.type) or quoted.
func (p *parser) options() (map[string]string, error) {
	opts := map[string]string{}
	if err := p.expectPunct("("); err != nil {
		return nil, err
	}
	if p.acceptPunct(")") {
		return opts, nil
	}
	for {
		var key []string
		for {
			t := p.next()
			if t.kind != tokIdent && t.kind != tokQuoted && t.kind != tokString {
				return nil, syntaxErr("Expected: option key, found: %s", t.text)
			}
			key = append(key, t.text)
			if !p.acceptPunct(".") {
				break
			}
		}
		if err := p.expectPunct("="); err != nil {
			return nil, err
		}
		v := p.next()
		if v.kind == tokEOF || v.kind == tokPunct {
			return nil, syntaxErr("Expected: option value, found: %s", v.text)
		}
		opts[strings.Join(key, ".")] = v.text
		if p.acceptPunct(")") {
			return opts, nil
		}
		if err := p.expectPunct(","); err != nil {
			return nil, err
		}
	}
}
