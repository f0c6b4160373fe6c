// Command migrator applies the SQL migrations in order; running it again changes nothing.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/example/sample-app/internal/app"
	"github.com/example/sample-app/internal/migrate"
	"github.com/jackc/pgx/v5"
)

// Set at link time: -ldflags "-X main.version=1.2.3 -X main.commit=abc1234".
var (
	version = "dev"
	commit  = "unknown"
)

func main() {
	logger := app.Logger("migrator", version, commit)
	dbURL, err := app.DatabaseURL()
	if err != nil {
		app.Fatal(logger, 2, err.Error())
	}
	dir := migrate.Dir()
	migrations, err := migrate.Load(os.DirFS(dir))
	if err != nil {
		app.Fatal(logger, 2, "cannot load migrations", "dir", dir, "error", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		app.Fatal(logger, 1, "cannot connect to the database", "error", err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	res, err := migrate.Apply(ctx, conn, migrations)
	if err != nil {
		app.Fatal(logger, 1, err.Error(), "applied", res.Applied)
	}
	logger.Info("migrations done", "applied", len(res.Applied), "already_applied", res.Skipped, "versions", res.Applied)
}
