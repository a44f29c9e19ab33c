package planjson

import (
	"testing"

	"github.com/returnpath-dev/returnpath/internal/largeplan"
)

// The scanner alone, to compare with cli.BenchmarkJSONValidLarge:
//
//	go test ./internal/planjson -run '^$' -bench Large -benchmem

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
