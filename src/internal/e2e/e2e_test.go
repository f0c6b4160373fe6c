// Package e2e runs the real binaries against a real PostgreSQL: the migrator twice, the api's
// endpoints and readiness when the database goes away, and the worker's clean stop on SIGTERM.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/example/sample-app/internal/dbtest"
	"github.com/jackc/pgx/v5"
)

func env(dbURL string, extra ...string) []string {
	return append(append(os.Environ(), "DATABASE_URL="+dbURL,
		"MIGRATIONS_DIR="+filepath.Join(dbtest.SourceRoot(), "migrations"),
		"ASSETS_DIR="+filepath.Join(dbtest.SourceRoot(), "assets")), extra...)
}

func migrateDB(t *testing.T, dbURL string) string {
	t.Helper()
	cmd := exec.Command(dbtest.BuildBinary(t, "migrator")) //nolint:gosec // G204: the binary this test just built
	cmd.Env = env(dbURL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("migrator: %v\n%s", err, out)
	}
	return string(out)
}

func TestMigratorBinaryIsIdempotent(t *testing.T) {
	dbURL := dbtest.NewDatabase(t)
	first := migrateDB(t, dbURL)
	if !strings.Contains(first, `"applied":2`) {
		t.Fatalf("first run should apply both migrations:\n%s", first)
	}
	second := migrateDB(t, dbURL)
	if !strings.Contains(second, `"applied":0`) || !strings.Contains(second, `"already_applied":2`) {
		t.Fatalf("second run should apply nothing:\n%s", second)
	}
}

func TestMigratorWithoutDatabaseURLExits2(t *testing.T) {
	cmd := exec.Command(dbtest.BuildBinary(t, "migrator")) //nolint:gosec // G204: the binary this test just built
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(string(out), "DATABASE_URL is not set") {
		t.Fatalf("want exit 2 naming DATABASE_URL, got %v\n%s", err, out)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

func start(t *testing.T, binary string, environ []string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(dbtest.BuildBinary(t, binary)) //nolint:gosec // G204: the binary this test just built
	cmd.Env = environ
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
		if t.Failed() {
			t.Logf("%s logs:\n%s", binary, logs.String())
		}
	})
	return cmd
}

func status(url string) int {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		return 0
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer func() { _ = resp.Body.Close() }()
	return resp.StatusCode
}

func waitStatus(t *testing.T, url string, want int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	got := 0
	for time.Now().Before(deadline) {
		if got = status(url); got == want {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("GET %s = %d, want %d", url, got, want)
}

func TestAPIServesTicketsAndReportsReadiness(t *testing.T) {
	dbURL := dbtest.NewDatabase(t)
	migrateDB(t, dbURL)
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	api := start(t, "api", env(dbURL, fmt.Sprintf("PORT=%d", port)))
	waitStatus(t, base+"/readyz", 200)

	resp, err := http.Post(base+"/tickets", "application/json", strings.NewReader(`{"title":"first"}`))
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("create: %v %v", err, resp)
	}
	var created struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&created)
	_ = resp.Body.Close()
	if created.ID == 0 || created.Status != "queued" {
		t.Fatalf("created = %+v", created)
	}
	if got := status(fmt.Sprintf("%s/tickets/%d", base, created.ID)); got != 200 {
		t.Fatalf("get = %d", got)
	}
	if got := status(base + "/tickets/999999"); got != 404 {
		t.Fatalf("get missing = %d", got)
	}
	list, _ := http.Get(base + "/tickets?limit=10")
	var page struct{ Items []map[string]any }
	_ = json.NewDecoder(list.Body).Decode(&page)
	_ = list.Body.Close()
	if len(page.Items) != 1 {
		t.Fatalf("list = %+v", page)
	}

	dbtest.DropDatabase(t, dbURL)
	waitStatus(t, base+"/readyz", 503)
	if got := status(base + "/livez"); got != 200 {
		t.Fatalf("livez while the database is gone = %d, want 200", got)
	}

	_ = api.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- api.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("api exit after SIGTERM: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("api did not stop within 5 s of SIGTERM")
	}
}

func TestWorkerProcessesQueueAndStopsOnSIGTERM(t *testing.T) {
	dbURL := dbtest.NewDatabase(t)
	migrateDB(t, dbURL)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, "INSERT INTO tickets (title) SELECT 'job ' || g FROM generate_series(1, 25) g"); err != nil {
		t.Fatal(err)
	}
	worker := start(t, "worker", env(dbURL, "WORKER_INTERVAL=100ms"))
	deadline := time.Now().Add(15 * time.Second)
	queued := -1
	for time.Now().Before(deadline) {
		_ = conn.QueryRow(ctx, "SELECT count(*) FROM tickets WHERE status = 'queued'").Scan(&queued)
		if queued == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if queued != 0 {
		t.Fatalf("%d tickets still queued", queued)
	}
	started := time.Now()
	_ = worker.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- worker.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("worker exit after SIGTERM: %v (want exit 0)", err)
		}
		t.Logf("worker stopped %v after SIGTERM", time.Since(started))
	case <-time.After(5 * time.Second):
		t.Fatal("worker did not stop within 5 s of SIGTERM")
	}
}
