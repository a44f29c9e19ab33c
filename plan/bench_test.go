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

// BenchmarkParseLargeContext is the loader's share of
// cli.BenchmarkCheckLargeContext: the large plan parsed as a context, then
// parsed with it as its context (three networks of the large plan's size).
func BenchmarkParseLargeContext(b *testing.B) {
	data := largeplan.Bytes(b)
	b.SetBytes(2 * int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		ctx, err := ParseContext("context.json", data, "")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ParseWithContext("plan.json", data, "", []*Context{ctx}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildLarge is the model built from the decoded large plan: what
// BenchmarkParseLarge adds to BenchmarkDecodeLarge.
func BenchmarkBuildLarge(b *testing.B) {
	benchmarkBuild(b, nil)
}

// BenchmarkBuildLargeContext is BenchmarkBuildLarge with the large plan as
// its own context, parsed once.
func BenchmarkBuildLargeContext(b *testing.B) {
	ctx, err := ParseContext("context.json", largeplan.Bytes(b), "")
	if err != nil {
		b.Fatal(err)
	}
	benchmarkBuild(b, []*Context{ctx})
}

func benchmarkBuild(b *testing.B, contexts []*Context) {
	dec := planjson.NewDecoder(modelled)
	doc, err := decode("plan.json", largeplan.Bytes(b), dec)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := build("plan.json", doc, dec, "", contexts); err != nil {
			b.Fatal(err)
		}
	}
}
