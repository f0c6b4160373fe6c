// Package migrate applies numbered SQL files in order, each in its own transaction together with
// the row that records it, so a failed migration leaves nothing half-applied and a second run
// changes nothing.
package migrate

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// Migration is one SQL file.
type Migration struct {
	Version string // the file name without .sql, e.g. 0001_create_tickets
	Number  int
	SQL     string
}

var fileName = regexp.MustCompile(`^(\d+)_[a-z0-9_]+\.sql$`)

// lockKey is an arbitrary constant for pg_advisory_lock so two migrators never race.
const lockKey = 727274

// Load reads the migrations in dir, ordered by number. Files not named NNNN_name.sql are an error,
// as are two files with the same number.
func Load(dir fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(dir, ".")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []Migration
	seen := map[int]string{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration %q: name must look like 0001_create_tickets.sql", e.Name())
		}
		n, _ := strconv.Atoi(m[1])
		if other, dup := seen[n]; dup {
			return nil, fmt.Errorf("migrations %q and %q share the number %d", other, e.Name(), n)
		}
		seen[n] = e.Name()
		body, err := fs.ReadFile(dir, e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migration %q: %w", e.Name(), err)
		}
		out = append(out, Migration{Version: e.Name()[:len(e.Name())-len(".sql")], Number: n, SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out, nil
}

// Result says what a run did.
type Result struct {
	Applied []string
	Skipped int
}

// Apply runs every migration not yet recorded in schema_migrations, in order.
func Apply(ctx context.Context, conn *pgx.Conn, migrations []Migration) (Result, error) {
	var res Result
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		return res, fmt.Errorf("take migration lock: %w", err)
	}
	defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", lockKey) }()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version text PRIMARY KEY,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return res, fmt.Errorf("create schema_migrations: %w", err)
	}
	applied := map[string]bool{}
	rows, err := conn.Query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return res, fmt.Errorf("read schema_migrations: %w", err)
	}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return res, fmt.Errorf("read schema_migrations: %w", err)
		}
		applied[v] = true
	}
	rows.Close()
	for _, m := range migrations {
		if applied[m.Version] {
			res.Skipped++
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version) VALUES ($1)", m.Version)
			return err
		})
		if err != nil {
			return res, fmt.Errorf("migration %s.sql failed and was rolled back: %w", m.Version, err)
		}
		res.Applied = append(res.Applied, m.Version)
	}
	return res, nil
}

// Dir finds the migrations directory: $MIGRATIONS_DIR, /app/migrations in the image, or
// ./migrations when run from the source tree.
func Dir() string {
	if dir := os.Getenv("MIGRATIONS_DIR"); dir != "" {
		return dir
	}
	if _, err := os.Stat("/app/migrations"); err == nil {
		return "/app/migrations"
	}
	return "migrations"
}
