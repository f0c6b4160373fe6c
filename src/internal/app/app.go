// Package app holds what every binary does at start: a JSON logger that names the binary and its
// build, and reading required configuration from the environment.
package app

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"
)

// Logger returns a JSON logger tagged with the binary, version and commit.
func Logger(binary, version, commit string) *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stderr, nil)).With("binary", binary, "version", version, "commit", commit)
}

// Fatal logs a message and exits with code (2 for bad configuration, 1 for failures).
func Fatal(logger *slog.Logger, code int, msg string, args ...any) {
	logger.Error(msg, args...)
	os.Exit(code)
}

// DatabaseURL returns $DATABASE_URL or an error that says how to set it.
func DatabaseURL() (string, error) {
	url := os.Getenv("DATABASE_URL")
	if url == "" {
		return "", fmt.Errorf("DATABASE_URL is not set (example: postgres://app:secret@db:5432/app?sslmode=disable)")
	}
	return url, nil
}

// Duration reads a duration from env key, or returns def when unset.
func Duration(key string, def time.Duration) (time.Duration, error) {
	raw := os.Getenv(key)
	if raw == "" {
		return def, nil
	}
	d, err := time.ParseDuration(raw)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q is not a positive duration (example: 2s)", key, raw)
	}
	return d, nil
}

// Port reads a TCP port from env key, or returns def when unset.
func Port(key string, def int) (int, error) {
	raw := os.Getenv(key)
	if raw == "" {
		return def, nil
	}
	p, err := strconv.Atoi(raw)
	if err != nil || p < 1 || p > 65535 {
		return 0, fmt.Errorf("%s=%q is not a port (example: 8080)", key, raw)
	}
	return p, nil
}
