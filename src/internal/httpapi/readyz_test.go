package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/example/sample-app/internal/dbtest"
	"github.com/example/sample-app/internal/metrics"
	"github.com/example/sample-app/internal/tickets"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestTicketsAndReadinessAgainstPostgres(t *testing.T) {
	ctx := context.Background()
	dbURL := dbtest.NewDatabase(t)
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, "CREATE TABLE tickets (id bigserial PRIMARY KEY, title text NOT NULL, status text NOT NULL DEFAULT 'queued', created_at timestamptz NOT NULL DEFAULT now(), processed_at timestamptz)"); err != nil {
		t.Fatal(err)
	}
	s := &Server{Store: tickets.PgStore{Pool: pool}, Metrics: metrics.New("t", "t"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), ReadyTimeout: time.Second}
	h := s.Handler()
	do := func(method, path, body string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
		return rec
	}
	if rec := do(http.MethodGet, "/readyz", ""); rec.Code != 200 {
		t.Fatalf("readyz = %d", rec.Code)
	}
	if rec := do(http.MethodPost, "/tickets", `{"title":"a"}`); rec.Code != 201 || !strings.Contains(rec.Body.String(), `"status":"queued"`) {
		t.Fatalf("create = %d %s", rec.Code, rec.Body.String())
	}
	if rec := do(http.MethodGet, "/tickets/1", ""); rec.Code != 200 {
		t.Fatalf("get = %d", rec.Code)
	}
	if rec := do(http.MethodGet, "/tickets/2", ""); rec.Code != 404 {
		t.Fatalf("get missing = %d", rec.Code)
	}
	if rec := do(http.MethodGet, "/tickets", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"title":"a"`) {
		t.Fatalf("list = %d %s", rec.Code, rec.Body.String())
	}
	pool.Close()
	if rec := do(http.MethodGet, "/readyz", ""); rec.Code != 503 || !strings.Contains(rec.Body.String(), "database unreachable") {
		t.Fatalf("readyz with the pool closed = %d %s, want 503", rec.Code, rec.Body.String())
	}
	if rec := do(http.MethodGet, "/tickets", ""); rec.Code != 500 {
		t.Fatalf("list with the pool closed = %d, want 500", rec.Code)
	}
}
