package plan

import (
	"testing"

	"github.com/returnpath-dev/returnpath/internal/largeplan"
	"github.com/returnpath-dev/returnpath/internal/planjson"
)

// The loader's share of cli.BenchmarkCheckLarge (the scanner alone is
// planjson.BenchmarkScanLarge; compare with cli.BenchmarkJSONValidLarge):
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

// BenchmarkDecodeLarge is the one pass over the bytes: validation and
// the parts of the plan the model reads.
func BenchmarkDecodeLarge(b *testing.B) {
	data := largeplan.Bytes(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decode("plan.json", data, planjson.NewDecoder(modelled)); err != nil {
			b.Fatal(err)
		}
	}
}
