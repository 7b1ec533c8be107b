package extract

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// Defect 4 of the foundations issue: resuming a store with another --agg
// must not mix mean and max rows.
func TestResumeRefusesOtherAgg(t *testing.T) {
	m, tok := stories(t)
	recs := runRecords(t, tok)
	dir := filepath.Join(t.TempDir(), "f")
	if _, err := Run(context.Background(), m, tok, recs[:2], dir, Options{Agg: AggMean}); err != nil {
		t.Fatal(err)
	}
	_, err := Run(context.Background(), m, tok, recs, dir, Options{Agg: AggMax})
	if err == nil || !strings.Contains(err.Error(), "--agg") {
		t.Fatalf("resume with --agg max: %v; want an error naming --agg", err)
	}
}
