// Command api serves the tickets HTTP API backed by PostgreSQL.
package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/example/sample-app/internal/app"
	"github.com/example/sample-app/internal/httpapi"
	"github.com/example/sample-app/internal/metrics"
	"github.com/example/sample-app/internal/tickets"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Set at link time: -ldflags "-X main.version=1.2.3 -X main.commit=abc1234".
var (
	version = "dev"
	commit  = "unknown"
)

func main() {
	logger := app.Logger("api", version, commit)
	dbURL, err := app.DatabaseURL()
	if err != nil {
		app.Fatal(logger, 2, err.Error())
	}
	port, err := app.Port("PORT", 8080)
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

	server := &httpapi.Server{
		Store:     tickets.PgStore{Pool: pool},
		Metrics:   metrics.New(version, commit),
		AssetsDir: httpapi.AssetsDir(),
		Logger:    logger,
	}
	srv := &http.Server{Addr: fmt.Sprintf(":%d", port), Handler: server.Handler(), ReadHeaderTimeout: 5 * time.Second}
	errs := make(chan error, 1)
	go func() { errs <- srv.ListenAndServe() }()
	logger.Info("listening", "port", port)

	select {
	case err := <-errs:
		if !errors.Is(err, http.ErrServerClosed) {
			app.Fatal(logger, 1, "server failed", "error", err)
		}
	case <-ctx.Done():
		logger.Info("shutting down")
		// Kubernetes stops routing to the pod while in-flight requests finish here.
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdown); err != nil {
			app.Fatal(logger, 1, "shutdown failed", "error", err)
		}
	}
}
