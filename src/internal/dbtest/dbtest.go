// Package dbtest gives integration tests a fresh PostgreSQL database each, created from the admin
// URL in $DATABASE_URL and dropped afterwards. Without DATABASE_URL the test is skipped, except
// under CI=true, where a skipped test would hide a missing database and so fails instead.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// AdminURL returns $DATABASE_URL, skipping (or failing under CI) when it is unset.
func AdminURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("DATABASE_URL")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("DATABASE_URL is not set; CI must run integration tests against a real PostgreSQL")
		}
		t.Skip("DATABASE_URL is not set: skipping a test that needs a real PostgreSQL")
	}
	return u
}

// NewDatabase creates an empty database and returns its URL; it is dropped when the test ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	admin := AdminURL(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "test_" + hex.EncodeToString(b)
	run := func(sql string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Fatalf("connect to %s: %v", redact(admin), err)
		}
		defer func() { _ = conn.Close(ctx) }()
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	run("CREATE DATABASE " + name)
	t.Cleanup(func() { run("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") })
	return WithDatabase(t, admin, name)
}

// DropDatabase drops the database behind dbURL at once, disconnecting its clients.
func DropDatabase(t testing.TB, dbURL string) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, AdminURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, "DROP DATABASE "+u.Path[1:]+" WITH (FORCE)"); err != nil {
		t.Fatal(err)
	}
}

// WithDatabase returns admin with its database name replaced.
func WithDatabase(t testing.TB, admin, name string) string {
	t.Helper()
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("DATABASE_URL is not a URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// SourceRoot is the Go module root (src/), for tests that need migrations/ or assets/.
func SourceRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// BuildBinary compiles ./cmd/<name> into a temp dir and returns its path.
func BuildBinary(t testing.TB, name string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), name)
	// The name picks one of this module's own cmd/ packages and the output is a temp dir of the test.
	cmd := exec.Command("go", "build", "-o", out, "./cmd/"+name) //nolint:gosec // G204: no outside input

	cmd.Dir = SourceRoot()
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/%s: %v\n%s", name, err, msg)
	}
	return out
}
