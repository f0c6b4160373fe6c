package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/example/sample-app/internal/metrics"
)

// Validation happens before the store is touched, so these run without a database; the store
// paths are covered against a real PostgreSQL in internal/e2e.
func TestRequestValidation(t *testing.T) {
	s := &Server{Metrics: metrics.New("t", "t"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), AssetsDir: "../../assets"}
	h := s.Handler()
	cases := []struct {
		method, path, body string
		status             int
		contains           string
	}{
		{"POST", "/tickets", "not json", 400, "body must be JSON"},
		{"POST", "/tickets", `{"title": "   "}`, 400, "title must be 1 to 200"},
		{"POST", "/tickets", `{"title": "` + strings.Repeat("x", 201) + `"}`, 400, "title must be 1 to 200"},
		{"GET", "/tickets/abc", "", 400, "positive integer"},
		{"GET", "/tickets/0", "", 400, "positive integer"},
		{"GET", "/tickets?limit=0", "", 400, "limit must be"},
		{"GET", "/tickets?limit=x", "", 400, "limit must be"},
		{"GET", "/livez", "", 200, `"ok"`},
		{"GET", "/openapi.yaml", "", 200, "openapi: 3"},
		{"DELETE", "/tickets/1", "", 405, ""},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequestWithContext(context.Background(), tc.method, tc.path, strings.NewReader(tc.body)))
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.contains) {
				t.Fatalf("%s %s = %d %q, want %d containing %q", tc.method, tc.path, rec.Code, rec.Body.String(), tc.status, tc.contains)
			}
		})
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if !strings.Contains(rec.Body.String(), `http_requests_total{route="/tickets",status="400"}`) {
		t.Fatalf("metrics do not count the requests above:\n%s", rec.Body.String())
	}
}
