package greptimetest

import "github.com/greptime-bridge/greptime-bridge/writer/table"

// parseColumnDef reads "name TYPE [constraints]". It reports inline TIME
// INDEX and PRIMARY KEY.
func parseColumnDef(p *parser) (c ColumnInfo, timeIndex, primaryKey bool, err error) {
	c.Semantic = table.Field
	c.Nullable = true
	if c.Name, err = p.ident(); err != nil {
		return
	}
	if err = p.sqlType(&c); err != nil {
		return
	}
	for {
		switch {
		case p.acceptKw("not", "null"):
			c.Nullable = false
		case p.acceptKw("null"):
			c.Nullable = true
		case p.acceptKw("default"):
			c.Default, err = defaultExpr(p)
		case p.acceptKw("time", "index"):
			timeIndex = true
		case p.acceptKw("primary", "key"):
			primaryKey = true
		case p.acceptKw("comment"):
			t := p.next()
			if t.kind != tokString {
				err = syntaxErr("Expected: a comment string, found: %s", t.text)
			}
		case p.acceptKw("fulltext", "index"), p.acceptKw("fulltext"):
			err = sqlColumnIndex(p, &c, "fulltext")
		case p.acceptKw("skipping", "index"):
			err = sqlColumnIndex(p, &c, "skipping_index")
		case p.acceptKw("inverted", "index"):
			err = sqlColumnIndex(p, &c, "inverted_index")
		default:
			return
		}
		if err != nil {
			return
		}
	}
}

// sqlColumnIndex records a column index option and its WITH options as
// column options "<kind>" = "true" and "<kind>.<key>" = value.
func sqlColumnIndex(p *parser, c *ColumnInfo, kind string) error {
	if c.Options == nil {
		c.Options = map[string]string{}
	}
	c.Options[kind] = "true"
	if !p.acceptKw("with") {
		return nil
	}
	opts, err := p.options()
	if err != nil {
		return err
	}
	for k, v := range opts {
		c.Options[kind+"."+k] = v
	}
	return nil
}

// defaultExpr reads a DEFAULT value: a literal, a signed number, or a
// function call such as now() or current_timestamp().
func defaultExpr(p *parser) (string, error) {
	t := p.next()
	switch t.kind {
	case tokString:
		return "'" + t.text + "'", nil
	case tokNumber:
		return t.text, nil
	case tokPunct:
		if t.text == "-" && p.peek().kind == tokNumber {
			return "-" + p.next().text, nil
		}
	case tokIdent:
		if p.isPunct("(") {
			args, err := p.skipParens()
			return t.text + args, err
		}
		return t.text, nil
	}
	return "", syntaxErr("Expected: a default value, found: %s", t.text)
}

func parenIdents(p *parser) ([]string, error) {
	if err := p.expectPunct("("); err != nil {
		return nil, err
	}
	var out []string
	if p.acceptPunct(")") {
		return out, nil
	}
	for {
		id, err := p.ident()
		if err != nil {
			return nil, err
		}
		out = append(out, id)
		if p.acceptPunct(")") {
			return out, nil
		}
		if err := p.expectPunct(","); err != nil {
			return nil, err
		}
	}
}
