package worker

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/example/sample-app/internal/dbtest"
	"github.com/example/sample-app/internal/migrate"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestRunProcessesQueuedTicketsUntilCancelled(t *testing.T) {
	ctx := context.Background()
	dbURL := dbtest.NewDatabase(t)
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	migrations, _ := migrate.Load(os.DirFS(filepath.Join(dbtest.SourceRoot(), "migrations")))
	if _, err := migrate.Apply(ctx, conn, migrations); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "INSERT INTO tickets (title) SELECT 't' || g FROM generate_series(1, 7) g"); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()

	n, err := ProcessBatch(ctx, pool, 5)
	if err != nil || n != 5 {
		t.Fatalf("ProcessBatch = %d, %v; want 5", n, err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- Run(runCtx, pool, 20*time.Millisecond, 5, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	deadline := time.Now().Add(5 * time.Second)
	var queued int
	for time.Now().Before(deadline) {
		_ = conn.QueryRow(ctx, "SELECT count(*) FROM tickets WHERE status = 'queued' OR processed_at IS NULL").Scan(&queued)
		if queued == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if queued != 0 {
		t.Fatalf("%d tickets left unprocessed", queued)
	}
}
