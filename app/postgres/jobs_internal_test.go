package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/scalezero/scalezero/app"
	"github.com/scalezero/scalezero/app/internal/testenv"
)

// A job lookup is served by the primary key's index: with sequential scans
// priced out, the plan of a query the index cannot serve (id::text = $1)
// still reads the whole table.
func TestJobLookupUsesThePrimaryKeyIndex(t *testing.T) {
	writer, _ := testenv.Database(t)
	db, err := Open(context.Background(), Options{WriterURL: writer, HealthInterval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if err := db.Migrate(); err != nil {
		t.Fatal(err)
	}
	conn := testenv.Conn(t, writer)
	if _, err := conn.Exec(t.Context(), `SET enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	id := uuid.NewString()
	var plan strings.Builder
	rows, err := conn.Query(t.Context(), "EXPLAIN "+strings.Replace(jobByID, "$1", "'"+id+"'", 1))
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var line string
		rows.Scan(&line)
		plan.WriteString(line + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan.String(), "Index Scan using jobs_pkey") {
		t.Errorf("the job lookup does not use the primary key:\n%s", plan.String())
	}
	// Ids that are not UUIDs are not found, without a query that could fail.
	for _, bad := range []string{"not-a-uuid", "\x00", strings.Repeat("a", 5000), id + "x"} {
		if _, err := db.JobByID(t.Context(), bad); err != app.ErrNotFound {
			t.Errorf("JobByID(%.20q): %v, want ErrNotFound", bad, err)
		}
	}
}
