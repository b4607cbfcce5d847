package config

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// AllDatabases in a credential's databases lets it write to every database.
const AllDatabases = "*"

// Auth is the receivers' authentication and authorization; with neither
// users nor tokens, requests are not authenticated and may write anywhere.
type Auth struct {
	// Users are basic-auth users by name. Each is either a password alone
	// (the older form, which may write to every database) or
	// {password, databases}.
	Users map[string]User `yaml:"users"`
	// BearerTokens are accepted bearer tokens. Each is either a token alone
	// (the older form, which may write to every database) or
	// {name, token, databases}.
	BearerTokens []BearerToken `yaml:"bearer_tokens"`
}

// User is one basic-auth user.
type User struct {
	// Password is the user's password.
	Password Secret `yaml:"password"`
	// Databases are the databases the user may write, by whatever route a
	// request names them (header, ?db=, tenant header, __database__
	// label); "*" allows every database. Required in the map form, so an
	// omitted list never silently means everything.
	Databases []string `yaml:"databases"`
}

// BearerToken is one accepted bearer token.
type BearerToken struct {
	// Name labels the token in logs and metrics (the token itself never
	// appears); default bearer_tokens[<index>].
	Name string `yaml:"name"`
	// Token is the bearer token.
	Token Secret `yaml:"token"`
	// Databases are the databases the token may write, as for users; "*"
	// allows every database. Required in the map form.
	Databases []string `yaml:"databases"`
}

// UnmarshalYAML reads a user as a bare password (every database, as before
// databases could be listed) or as a mapping, refusing unknown keys.
func (u *User) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*u = User{Password: Secret(n.Value), Databases: []string{AllDatabases}}
		return nil
	}
	type plain User
	if err := strictMapping(n, "password", "databases"); err != nil {
		return err
	}
	return n.Decode((*plain)(u))
}

// UnmarshalYAML reads a token as a bare string (every database) or as a
// mapping, refusing unknown keys.
func (b *BearerToken) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		return b.UnmarshalText([]byte(n.Value))
	}
	type plain BearerToken
	if err := strictMapping(n, "name", "token", "databases"); err != nil {
		return err
	}
	return n.Decode((*plain)(b))
}

// UnmarshalText reads a bare token, as GREPTIME_BRIDGE_AUTH_BEARER_TOKENS
// lists them: it may write to every database.
func (b *BearerToken) UnmarshalText(text []byte) error {
	*b = BearerToken{Token: Secret(text), Databases: []string{AllDatabases}}
	return nil
}

// strictMapping refuses a node that is not a mapping of the given keys:
// a Decode inside UnmarshalYAML does not inherit the file's KnownFields.
func strictMapping(n *yaml.Node, keys ...string) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: want a string or a mapping of %v", n.Line, keys)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		known := false
		for _, want := range keys {
			known = known || k == want
		}
		if !known {
			return fmt.Errorf("line %d: field %s not found, want one of %v", n.Content[i].Line, k, keys)
		}
	}
	return nil
}

// TokenName returns the name bearer token i shows in logs and metrics: its
// configured name, or bearer_tokens[i].
func (c *Auth) TokenName(i int) string {
	if n := c.BearerTokens[i].Name; n != "" {
		return n
	}
	return fmt.Sprintf("bearer_tokens[%d]", i)
}

// validate reports every problem of the auth section through bad.
func (c *Auth) validate(bad func(path, format string, args ...any)) {
	dbs := func(path string, list []string) {
		if len(list) == 0 {
			bad(path, `required: list the databases this credential may write, or "*" for all`)
		}
		for i, d := range list {
			if d == "" {
				bad(fmt.Sprintf("%s[%d]", path, i), "must not be empty")
			}
		}
	}
	names := make([]string, 0, len(c.Users))
	for name := range c.Users {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		u := c.Users[name]
		path := "auth.users." + name
		if name == "" || strings.Contains(name, ":") {
			// Basic auth splits user:password on the first colon (RFC
			// 7617 §2), so such a user could never log in.
			bad(path, "a user name must be non-empty and contain no colon")
		}
		if u.Password == "" {
			bad(path+".password", "must not be empty")
		}
		dbs(path+".databases", u.Databases)
	}
	seenToken := map[Secret]int{}
	seenName := map[string]int{}
	for i, t := range c.BearerTokens {
		path := fmt.Sprintf("auth.bearer_tokens[%d]", i)
		if t.Token == "" {
			bad(path+".token", "must not be empty")
		} else if j, dup := seenToken[t.Token]; dup {
			// Which databases would it get? Refuse rather than guess.
			bad(path+".token", "same token as auth.bearer_tokens[%d]", j)
		} else {
			seenToken[t.Token] = i
		}
		name := c.TokenName(i)
		if j, dup := seenName[name]; dup {
			bad(path+".name", "%q is also the name of auth.bearer_tokens[%d]", name, j)
		} else {
			seenName[name] = i
		}
		dbs(path+".databases", t.Databases)
	}
}
