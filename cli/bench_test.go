package cli

import (
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/internal/largeplan"
)

// The benchmarks of issue 8 (scripts/bench runs them and prints the goals):
//
//	go test ./cli -run '^$' -bench . -benchmem -count 6
//
// BenchmarkCheck is a small real plan, BenchmarkCheckLarge the ~13,000
// resource plan of fixtures/large-monorepo, and BenchmarkJSONValidLarge one
// json.Valid pass over the same bytes: the yardstick for CheckLarge.

// BenchmarkCheck measures `returnpath check --format json` end to end (read
// the file, load, model, checks, report) on the largest small fixture.
func BenchmarkCheck(b *testing.B) {
	benchmarkCheck(b, filepath.Join("..", "fixtures", "vpc-module-style", "plan.json"))
}

// BenchmarkCheckLarge is BenchmarkCheck on the large plan.
func BenchmarkCheckLarge(b *testing.B) {
	path := largeplan.File(b)
	b.SetBytes(int64(len(largeplan.Bytes(b))))
	benchmarkCheck(b, path)
}

// BenchmarkCheckLargeContext is the large plan checked against a context
// of the same size: itself (issue 14). Its goal is against json.Valid over
// both files (twice BenchmarkJSONValidLarge).
func BenchmarkCheckLargeContext(b *testing.B) {
	path := largeplan.File(b)
	b.SetBytes(2 * int64(len(largeplan.Bytes(b))))
	benchmarkCheck(b, path, "--context", path)
}

func benchmarkCheck(b *testing.B, planFile string, flags ...string) {
	b.ReportAllocs()
	var stderr strings.Builder
	for b.Loop() {
		code := testOptions.Main(append(append([]string{"check", "--format", "json"}, flags...), planFile), nil, io.Discard, &stderr)
		if code != ExitFindings {
			b.Fatalf("exit %d, want %d (the fixture is broken): %s", code, ExitFindings, stderr.String())
		}
	}
}

// BenchmarkJSONValidLarge is one json.Valid pass over the large plan, in
// memory: the least any reader of the whole file must do.
func BenchmarkJSONValidLarge(b *testing.B) {
	data := largeplan.Bytes(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if !json.Valid(data) {
			b.Fatal("the large plan is not valid JSON")
		}
	}
}
