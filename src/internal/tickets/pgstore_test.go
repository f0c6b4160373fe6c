package tickets_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/example/sample-app/internal/dbtest"
	"github.com/example/sample-app/internal/migrate"
	"github.com/example/sample-app/internal/tickets"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// MigratedPool returns a pool on a fresh, migrated database.
func migratedPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	dbURL := dbtest.NewDatabase(t)
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	migrations, err := migrate.Load(os.DirFS(filepath.Join(dbtest.SourceRoot(), "migrations")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.Apply(ctx, conn, migrations); err != nil {
		t.Fatal(err)
	}
	_ = conn.Close(ctx)
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func TestPgStoreCreateGetList(t *testing.T) {
	ctx := context.Background()
	store := tickets.PgStore{Pool: migratedPool(t)}
	if err := store.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := store.Create(ctx, "first")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := store.Create(ctx, "second")
	if a.Status != tickets.StatusQueued || a.ID == 0 || b.ID <= a.ID {
		t.Fatalf("created %+v and %+v", a, b)
	}
	got, err := store.Get(ctx, a.ID)
	if err != nil || got.Title != "first" {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	if _, err := store.Get(ctx, 424242); !errors.Is(err, tickets.ErrNotFound) {
		t.Fatalf("Get(missing) error = %v, want ErrNotFound", err)
	}
	list, err := store.List(ctx, 1)
	if err != nil || len(list) != 1 || list[0].ID != b.ID {
		t.Fatalf("List(1) = %+v, %v; want the newest only", list, err)
	}
}
