// Package httpapi is the sample service's HTTP interface: the tickets resource, health probes,
// Prometheus metrics and the OpenAPI document.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/example/sample-app/internal/metrics"
	"github.com/example/sample-app/internal/tickets"
)

// MaxTitleLength bounds a ticket title.
const MaxTitleLength = 200

// Server holds the handler's dependencies.
type Server struct {
	Store     tickets.Store
	Metrics   *metrics.Registry
	AssetsDir string
	Logger    *slog.Logger
	// ReadyTimeout bounds the database check behind /readyz.
	ReadyTimeout time.Duration
}

// Handler returns the routes, each wrapped to record metrics.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	route := func(pattern string, h http.HandlerFunc) {
		mux.Handle(pattern, s.observe(pattern, h))
	}
	route("GET /livez", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	route("GET /readyz", s.readyz)
	route("GET /metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_, _ = s.Metrics.WriteTo(w)
	})
	route("GET /openapi.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		http.ServeFile(w, r, filepath.Join(s.AssetsDir, "openapi.yaml"))
	})
	route("POST /tickets", s.createTicket)
	route("GET /tickets", s.listTickets)
	route("GET /tickets/{id}", s.getTicket)
	return mux
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (s *Server) observe(route string, next http.Handler) http.Handler {
	name := route[strings.Index(route, " ")+1:]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		s.Metrics.Observe(name, rec.status, time.Since(started))
	})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	timeout := s.ReadyTimeout
	if timeout == 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	if err := s.Store.Ping(ctx); err != nil {
		s.Logger.Warn("readiness check failed", "error", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "database unreachable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) createTicket(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Title string `json:"title"`
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "body must be JSON like {\"title\": \"...\"}")
		return
	}
	title := strings.TrimSpace(body.Title)
	if title == "" || len(title) > MaxTitleLength {
		writeError(w, http.StatusBadRequest, "title must be 1 to 200 characters")
		return
	}
	t, err := s.Store.Create(r.Context(), title)
	if err != nil {
		s.internalError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, t)
}

func (s *Server) getTicket(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusBadRequest, "id must be a positive integer")
		return
	}
	t, err := s.Store.Get(r.Context(), id)
	if errors.Is(err, tickets.ErrNotFound) {
		writeError(w, http.StatusNotFound, "ticket not found")
		return
	}
	if err != nil {
		s.internalError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) listTickets(w http.ResponseWriter, r *http.Request) {
	limit := 50
	if raw := r.URL.Query().Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 500 {
			writeError(w, http.StatusBadRequest, "limit must be between 1 and 500")
			return
		}
		limit = n
	}
	list, err := s.Store.List(r.Context(), limit)
	if err != nil {
		s.internalError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list})
}

func (s *Server) internalError(w http.ResponseWriter, err error) {
	s.Logger.Error("request failed", "error", err)
	writeError(w, http.StatusInternalServerError, "internal error")
}

func writeError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]string{"error": message})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// AssetsDir finds the assets directory: $ASSETS_DIR, /app/assets in the image, or ./assets when
// run from the source tree with `go run`.
func AssetsDir() string {
	if dir := os.Getenv("ASSETS_DIR"); dir != "" {
		return dir
	}
	if _, err := os.Stat("/app/assets"); err == nil {
		return "/app/assets"
	}
	return "assets"
}
