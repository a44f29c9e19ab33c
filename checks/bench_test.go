package checks

import (
	"testing"

	"github.com/returnpath-dev/returnpath/internal/largeplan"
	"github.com/returnpath-dev/returnpath/plan"
)

// BenchmarkRunLarge is the analysis' share of cli.BenchmarkCheckLarge:
// every check on the model of the large plan (800 NACLs).
//
//	go test ./checks -run '^$' -bench RunLarge -benchmem
func BenchmarkRunLarge(b *testing.B) {
	m, err := plan.Parse("plan.json", largeplan.Bytes(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if len(Run(m, DefaultConfig())) == 0 {
			b.Fatal("no findings")
		}
	}
}
