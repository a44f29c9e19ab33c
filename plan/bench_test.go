package plan

import (
	"testing"

	"github.com/returnpath-dev/returnpath/internal/largeplan"
)

// The loader's share of cli.BenchmarkCheckLarge, and the scanner alone
// (compare with cli.BenchmarkJSONValidLarge):
//
//	go test ./plan -run '^$' -bench Large -benchmem

// BenchmarkParseLarge builds the model of the large plan from its bytes.
func BenchmarkParseLarge(b *testing.B) {
	data := largeplan.Bytes(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("plan.json", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodePlanLarge is the one pass over the bytes: validation and
// the parts of the plan the model reads.
func BenchmarkDecodePlanLarge(b *testing.B) {
	data := largeplan.Bytes(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodePlan(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScanLarge only validates the bytes, as json.Valid does.
func BenchmarkScanLarge(b *testing.B) {
	data := largeplan.Bytes(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if !scanValid(data) {
			b.Fatal("not valid")
		}
	}
}
