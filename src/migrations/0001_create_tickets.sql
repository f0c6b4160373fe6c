CREATE TABLE tickets (
    id           bigserial PRIMARY KEY,
    title        text        NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    status       text        NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'processed')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz
);
