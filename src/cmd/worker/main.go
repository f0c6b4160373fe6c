// Command worker processes queued tickets until it receives SIGTERM.
package main

import (
	"context"
	"os/signal"
	"syscall"
	"time"

	"github.com/example/sample-app/internal/app"
	"github.com/example/sample-app/internal/worker"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Set at link time: -ldflags "-X main.version=1.2.3 -X main.commit=abc1234".
var (
	version = "dev"
	commit  = "unknown"
)

func main() {
	logger := app.Logger("worker", version, commit)
	dbURL, err := app.DatabaseURL()
	if err != nil {
		app.Fatal(logger, 2, err.Error())
	}
	interval, err := app.Duration("WORKER_INTERVAL", 2*time.Second)
	if err != nil {
		app.Fatal(logger, 2, err.Error())
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		app.Fatal(logger, 2, "invalid DATABASE_URL", "error", err)
	}
	defer pool.Close()
	logger.Info("worker started", "interval", interval.String())
	if err := worker.Run(ctx, pool, interval, 100, logger); err != nil {
		app.Fatal(logger, 1, "worker failed", "error", err)
	}
	logger.Info("worker stopped")
}
