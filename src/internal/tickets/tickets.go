// Package tickets is the sample service's one resource: tickets that are created through the API
// and processed asynchronously by the worker.
package tickets

import (
	"context"
	"errors"
	"time"
)

// Status values a ticket moves through.
const (
	StatusQueued    = "queued"
	StatusProcessed = "processed"
)

// ErrNotFound is returned when a ticket does not exist.
var ErrNotFound = errors.New("ticket not found")

// Ticket is one row of the tickets table.
type Ticket struct {
	ID          int64      `json:"id"`
	Title       string     `json:"title"`
	Status      string     `json:"status"`
	CreatedAt   time.Time  `json:"created_at"`
	ProcessedAt *time.Time `json:"processed_at,omitempty"`
}

// Store is what the HTTP API needs from persistence; PgStore implements it.
type Store interface {
	Create(ctx context.Context, title string) (Ticket, error)
	Get(ctx context.Context, id int64) (Ticket, error)
	List(ctx context.Context, limit int) ([]Ticket, error)
	Ping(ctx context.Context) error
}
