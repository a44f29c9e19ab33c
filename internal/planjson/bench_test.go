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

// BenchmarkValuesLarge reads the id of every resource the large plan
// keeps: mostly the skipping of the other attributes.
func BenchmarkValuesLarge(b *testing.B) {
	d := NewDecoder(func(string) bool { return true })
	doc, err := d.Decode(largeplan.Bytes(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, rc := range doc.ResourceChanges {
			var v IDValues
			if err := d.Values(rc.Address, rc.Change.After, &v); err != nil {
				b.Fatal(err)
			}
		}
	}
}
