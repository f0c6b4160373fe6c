package migrate

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/example/sample-app/internal/dbtest"
	"github.com/jackc/pgx/v5"
)

func TestLoadOrdersByNumberAndRejectsBadNames(t *testing.T) {
	cases := []struct {
		name    string
		files   fstest.MapFS
		want    []string
		wantErr string
	}{
		{"orders numerically", fstest.MapFS{
			"0010_c.sql": {Data: []byte("c")}, "0002_b.sql": {Data: []byte("b")}, "0001_a.sql": {Data: []byte("a")},
		}, []string{"0001_a", "0002_b", "0010_c"}, ""},
		{"rejects a bad name", fstest.MapFS{"create.sql": {Data: []byte("x")}}, nil, "name must look like"},
		{"rejects a duplicate number", fstest.MapFS{
			"0001_a.sql": {Data: []byte("a")}, "01_b.sql": {Data: []byte("b")},
		}, nil, "share the number 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Load(tc.files)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var versions []string
			for _, m := range got {
				versions = append(versions, m.Version)
			}
			if strings.Join(versions, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("versions = %v, want %v", versions, tc.want)
			}
		})
	}
}

func TestTheShippedMigrationsLoad(t *testing.T) {
	got, err := Load(os.DirFS(filepath.Join(dbtest.SourceRoot(), "migrations")))
	if err != nil || len(got) < 1 {
		t.Fatalf("Load(migrations) = %d, %v", len(got), err)
	}
}

func connect(t *testing.T) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dbtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// snapshot describes the schema and the recorded versions, to compare two runs.
func snapshot(t *testing.T, conn *pgx.Conn) string {
	t.Helper()
	var out string
	err := conn.QueryRow(context.Background(), `SELECT
		(SELECT string_agg(table_name || '.' || column_name || ':' || data_type, ',' ORDER BY table_name, column_name)
		   FROM information_schema.columns WHERE table_schema = 'public') || '|' ||
		(SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'public') || '|' ||
		(SELECT string_agg(version || '@' || applied_at::text, ',' ORDER BY version) FROM schema_migrations)`).Scan(&out)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestApplyTwiceChangesNothing(t *testing.T) {
	conn := connect(t)
	migrations, err := Load(os.DirFS(filepath.Join(dbtest.SourceRoot(), "migrations")))
	if err != nil {
		t.Fatal(err)
	}
	first, err := Apply(context.Background(), conn, migrations)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Applied) != len(migrations) {
		t.Fatalf("first run applied %v, want all %d", first.Applied, len(migrations))
	}
	before := snapshot(t, conn)
	second, err := Apply(context.Background(), conn, migrations)
	if err != nil {
		t.Fatal(err)
	}
	if len(second.Applied) != 0 || second.Skipped != len(migrations) {
		t.Fatalf("second run = %+v, want nothing applied", second)
	}
	if after := snapshot(t, conn); after != before {
		t.Fatalf("schema or versions changed:\nbefore %s\nafter  %s", before, after)
	}
}

func TestBrokenMigrationLeavesNothingHalfApplied(t *testing.T) {
	conn := connect(t)
	migrations := []Migration{
		{Version: "0001_ok", Number: 1, SQL: "CREATE TABLE ok (id int)"},
		{Version: "0002_broken", Number: 2, SQL: "CREATE TABLE half (id int); SELECT no_such_function()"},
	}
	_, err := Apply(context.Background(), conn, migrations)
	if err == nil || !strings.Contains(err.Error(), "0002_broken.sql") {
		t.Fatalf("error = %v, want one naming 0002_broken.sql", err)
	}
	var half, recorded int
	_ = conn.QueryRow(context.Background(), "SELECT count(*) FROM information_schema.tables WHERE table_name = 'half'").Scan(&half)
	_ = conn.QueryRow(context.Background(), "SELECT count(*) FROM schema_migrations WHERE version = '0002_broken'").Scan(&recorded)
	if half != 0 || recorded != 0 {
		t.Fatalf("broken migration left table=%d recorded=%d, want 0 and 0", half, recorded)
	}
	var ok int
	_ = conn.QueryRow(context.Background(), "SELECT count(*) FROM schema_migrations WHERE version = '0001_ok'").Scan(&ok)
	if ok != 1 {
		t.Fatal("the good migration before the broken one should stay applied")
	}
}
