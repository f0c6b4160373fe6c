package tickets

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PgStore keeps tickets in PostgreSQL.
type PgStore struct {
	Pool *pgxpool.Pool
}

const columns = "id, title, status, created_at, processed_at"

func scan(row pgx.Row) (Ticket, error) {
	var t Ticket
	err := row.Scan(&t.ID, &t.Title, &t.Status, &t.CreatedAt, &t.ProcessedAt)
	return t, err
}

// Create inserts a queued ticket.
func (s PgStore) Create(ctx context.Context, title string) (Ticket, error) {
	t, err := scan(s.Pool.QueryRow(ctx, "INSERT INTO tickets (title) VALUES ($1) RETURNING "+columns, title))
	if err != nil {
		return Ticket{}, fmt.Errorf("create ticket: %w", err)
	}
	return t, nil
}

// Get returns one ticket or ErrNotFound.
func (s PgStore) Get(ctx context.Context, id int64) (Ticket, error) {
	t, err := scan(s.Pool.QueryRow(ctx, "SELECT "+columns+" FROM tickets WHERE id = $1", id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Ticket{}, ErrNotFound
	}
	if err != nil {
		return Ticket{}, fmt.Errorf("get ticket %d: %w", id, err)
	}
	return t, nil
}

// List returns the newest tickets first.
func (s PgStore) List(ctx context.Context, limit int) ([]Ticket, error) {
	rows, err := s.Pool.Query(ctx, "SELECT "+columns+" FROM tickets ORDER BY id DESC LIMIT $1", limit)
	if err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	defer rows.Close()
	out := []Ticket{}
	for rows.Next() {
		t, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("list tickets: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Ping checks that the database answers.
func (s PgStore) Ping(ctx context.Context) error {
	return s.Pool.Ping(ctx)
}
