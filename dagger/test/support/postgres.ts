/**
 * A real PostgreSQL for tests: the host runner's own throwaway server (initdb in a temp dir, a
 * random loopback port, run as the `postgres` user under root), so tests and `pipeline test`
 * start it one way.
 */
export { type PostgresServer, startPostgres } from "../../src/adapters/runners/host/postgres.js";
