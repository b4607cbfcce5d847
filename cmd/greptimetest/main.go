// Command greptimetest runs the GreptimeDB-compatible test server
// (writer/greptimetest) as its own process, for the bridge's dev mode and
// for manual tests:
//
//	greptimetest -addr 127.0.0.1:4001 -user alice:secret -count-only
//
// For load tests, -load stands in for GreptimeDB at a small cost per row:
// it keeps schemas and row counts like -count-only, and reads row inserts
// from their wire bytes without decoding values, answering as the other
// modes do (affected rows, table creation and add-column, schema and
// value-type checks, the same errors):
//
//	greptimetest -addr 127.0.0.1:4001 -load
//
// It serves until interrupted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "greptimetest:", err)
		os.Exit(2)
	}
}

// userFlags collects repeated -user name:password flags.
type userFlags map[string]string

func (u userFlags) String() string {
	names := make([]string, 0, len(u))
	for n := range u {
		names = append(names, n)
	}
	return strings.Join(names, ",")
}

func (u userFlags) Set(v string) error {
	name, pw, ok := strings.Cut(v, ":")
	if !ok || name == "" || pw == "" {
		return errors.New("want name:password")
	}
	u[name] = pw
	return nil
}

// dbFlags collects repeated -db names.
type dbFlags []string

func (d *dbFlags) String() string { return strings.Join(*d, ",") }

func (d *dbFlags) Set(v string) error {
	*d = append(*d, v)
	return nil
}

// run parses args, starts the server, prints its address and serves until
// ctx ends. Passwords are never printed.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("greptimetest", flag.ContinueOnError)
	fs.SetOutput(out)
	addr := fs.String("addr", "127.0.0.1:4001", "listen address")
	users := userFlags{}
	fs.Var(users, "user", "basic-auth user as name:password (repeatable); none disables auth")
	countOnly := fs.Bool("count-only", false, "keep schemas and row counts, discard rows")
	load := fs.Bool("load", false, "load-test mode: -count-only that reads row inserts without decoding values")
	noAutoCreate := fs.Bool("no-auto-create", false, "set auto_create_table = false")
	var dbs dbFlags
	fs.Var(&dbs, "db", "extra database to create at start (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts := greptimetest.Options{Addr: *addr, CountOnly: *countOnly, Load: *load, Databases: dbs}
	if len(users) > 0 {
		opts.Users = users
	}
	if *noAutoCreate {
		f := false
		opts.AutoCreateTable = &f
	}
	s, err := greptimetest.Start(opts)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintf(out, "greptimetest serving on %s (auth users: %d, count-only: %v, load: %v)\n", s.Addr(), len(users), *countOnly || *load, *load)
	<-ctx.Done()
	return nil
}
