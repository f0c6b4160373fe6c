// Package worker processes queued tickets: it claims a batch with FOR UPDATE SKIP LOCKED, so
// several workers share the queue without processing a ticket twice, and marks them processed.
package worker

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// ProcessBatch marks up to batch queued tickets as processed and returns how many it took.
func ProcessBatch(ctx context.Context, pool *pgxpool.Pool, batch int) (int, error) {
	tag, err := pool.Exec(ctx, `UPDATE tickets SET status = 'processed', processed_at = now()
		WHERE id IN (
			SELECT id FROM tickets WHERE status = 'queued' ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)`, batch)
	if err != nil {
		return 0, fmt.Errorf("process tickets: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// Run processes batches every interval until ctx is cancelled. A batch in progress finishes
// (it runs on a context that is not cancelled with ctx) so a SIGTERM never leaves work half done.
func Run(ctx context.Context, pool *pgxpool.Pool, interval time.Duration, batch int, logger *slog.Logger) error {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		n, err := ProcessBatch(context.WithoutCancel(ctx), pool, batch)
		if err != nil {
			logger.Error("batch failed", "error", err)
		} else if n > 0 {
			logger.Info("processed tickets", "count", n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}
