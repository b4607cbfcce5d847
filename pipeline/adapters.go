package pipeline

import (
	"context"

	"github.com/greptime-bridge/greptime-bridge/writer"
)

// ClientDDL runs DDL through a writer.Client's SQL execution.
type ClientDDL struct{ Client *writer.Client }

// ExecDDL runs sql in database.
func (d ClientDDL) ExecDDL(ctx context.Context, database, sql string) error {
	_, err := d.Client.ExecSQL(ctx, sql, writer.WithDatabase(database))
	return err
}
