// Package confdoc writes the configuration reference (docs/configuration.md)
// from the config package's structs: each field's YAML path, type, default
// (from config.Default), environment variable and doc comment. Its test
// fails when the committed reference differs, so a field cannot go
// undocumented and a documented field cannot outlive its struct.
package confdoc

import (
	"bytes"
	"encoding"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/greptime-bridge/greptime-bridge/config"
)

// Field is one documented configuration field.
type Field struct {
	Path, Type, Default, Env, Doc string
}

// Generate returns the reference in Markdown. dir is the config package's
// source directory, read for the fields' doc comments. A field without a
// comment is an error.
func Generate(dir string) ([]byte, error) {
	docs, err := fieldDocs(dir)
	if err != nil {
		return nil, err
	}
	var fields []Field
	var missing []string
	walk(reflect.ValueOf(config.Default()), "", strings.TrimSuffix(config.EnvPrefix, "_"), docs, &fields, &missing)
	if len(missing) > 0 {
		return nil, fmt.Errorf("configuration fields without a doc comment: %s", strings.Join(missing, ", "))
	}
	var b bytes.Buffer
	b.WriteString(header)
	section := ""
	for _, f := range fields {
		top, _, _ := strings.Cut(f.Path, ".")
		if top != section {
			section = top
			fmt.Fprintf(&b, "\n## %s\n\n| field | type | default | environment variable | meaning |\n|---|---|---|---|---|\n", top)
		}
		env := "—"
		if f.Env != "" {
			env = "`" + f.Env + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", f.Path, f.Type, f.Default, env, strings.ReplaceAll(f.Doc, "|", `\|`))
	}
	return b.Bytes(), nil
}

const header = `# Configuration reference

<!-- Generated from config/config.go by config/internal/confdoc; do not edit.
     Regenerate with: go test ./config/internal/confdoc -update -->

The bridge reads one YAML file (` + "`-config`" + `); every field left out keeps
the default below. Each field can be overridden by the environment variable
named after its YAML path (lists comma-separated; maps cannot be set this
way). ` + "`bridge -check-config`" + ` lists every problem at once. Secrets print
as ` + "`[redacted]`" + `. ` + "`<name>`" + ` in a path stands for a map key.
`

// walk appends the leaves of v (a struct) in declaration order.
func walk(v reflect.Value, path, env string, docs map[string]string, out *[]Field, missing *[]string) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if tag == "" || tag == "-" {
			continue
		}
		p := tag
		if path != "" {
			p = path + "." + tag
		}
		e := env + "_" + strings.ToUpper(tag)
		if env == "" {
			e = ""
		}
		doc := docs[t.Name()+"."+sf.Name]
		fv := v.Field(i)
		switch {
		case sf.Type.Kind() == reflect.Struct && sf.Type != reflect.TypeOf(time.Duration(0)):
			walk(fv, p, e, docs, out, missing)
			continue
		case sf.Type.Kind() == reflect.Map && sf.Type.Elem().Kind() == reflect.Struct:
			// A map of sections: document the section's fields under <name>.
			if doc != "" {
				*out = append(*out, Field{Path: p, Type: "map of sections", Default: value(fv), Doc: doc})
			}
			walk(reflect.New(sf.Type.Elem()).Elem(), p+".<name>", "", docs, out, missing)
			continue
		case sf.Type.Kind() == reflect.Slice && sf.Type.Elem().Kind() == reflect.Struct:
			// A list of sections: the list itself (settable from the
			// environment when its items read themselves from text), then
			// an item's fields under [i].
			if doc == "" {
				*missing = append(*missing, p)
			}
			if !reflect.PointerTo(sf.Type.Elem()).Implements(reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()) {
				e = ""
			}
			*out = append(*out, Field{Path: p, Type: "list of sections", Default: value(fv), Env: e, Doc: doc})
			walk(reflect.New(sf.Type.Elem()).Elem(), p+"[i]", "", docs, out, missing)
			continue
		}
		if doc == "" {
			*missing = append(*missing, p)
		}
		if sf.Type.Kind() == reflect.Map {
			e = ""
		}
		*out = append(*out, Field{Path: p, Type: typeName(sf.Type), Default: value(fv), Env: e, Doc: doc})
	}
}

func typeName(t reflect.Type) string {
	switch {
	case t == reflect.TypeOf(time.Duration(0)):
		return "duration"
	case t == reflect.TypeOf(config.Secret("")):
		return "secret"
	case t.Implements(reflect.TypeOf((*interface{ Values() []string })(nil)).Elem()):
		vals := reflect.Zero(t).Interface().(interface{ Values() []string }).Values()
		return "one of `" + strings.Join(vals, "`, `") + "`"
	case t.Kind() == reflect.Pointer:
		return typeName(t.Elem())
	case t.Kind() == reflect.Slice:
		return "list of " + typeName(t.Elem())
	case t.Kind() == reflect.Map:
		return "map of " + typeName(t.Elem())
	case t.Kind() == reflect.String:
		return "string"
	case t.Kind() == reflect.Bool:
		return "bool"
	default:
		return "integer"
	}
}

// value formats a default as it would be written in YAML.
func value(v reflect.Value) string {
	switch {
	case v.Type() == reflect.TypeOf(time.Duration(0)):
		return "`" + time.Duration(v.Int()).String() + "`"
	case v.Kind() == reflect.Pointer:
		if v.IsNil() {
			return "—"
		}
		return value(v.Elem())
	case v.Kind() == reflect.Slice || v.Kind() == reflect.Map:
		if v.Len() == 0 {
			return "—"
		}
		if v.Kind() == reflect.Map {
			return fmt.Sprintf("%d entries", v.Len())
		}
		var items []string
		for i := 0; i < v.Len(); i++ {
			items = append(items, fmt.Sprint(v.Index(i).Interface()))
		}
		return "`[" + strings.Join(items, ", ") + "]`"
	case v.Kind() == reflect.String:
		if v.String() == "" {
			return "—"
		}
		return "`" + v.String() + "`"
	default:
		return "`" + fmt.Sprint(v.Interface()) + "`"
	}
}

// fieldDocs reads the doc comments of every struct field in dir's
// non-test files, keyed "Type.Field". A comment shared by a group
// ("MaxBatchRows and MaxBatchBytes flush …") is given to each field it
// names that has none of its own.
func fieldDocs(dir string) (map[string]string, error) {
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	docs := map[string]string{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return false
			}
			prev := ""
			for _, fld := range st.Fields.List {
				text := strings.Join(strings.Fields(fld.Doc.Text()+" "+fld.Comment.Text()), " ")
				for _, id := range fld.Names {
					d := text
					if d == "" && strings.Contains(prev, id.Name) {
						d = prev
					}
					docs[ts.Name.Name+"."+id.Name] = d
				}
				if text != "" {
					prev = text
				}
			}
			return false
		})
	}
	return docs, nil
}
