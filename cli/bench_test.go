package cli

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkCheck measures `returnpath check --format json` end to end (load,
// model, checks, report) on the largest fixture:
//
//	go test ./cli -run '^$' -bench Check -benchmem
func BenchmarkCheck(b *testing.B) {
	planFile := filepath.Join("..", "fixtures", "vpc-module-style", "plan.json")
	var stderr strings.Builder
	for b.Loop() {
		code := testOptions.Main([]string{"check", "--format", "json", planFile}, nil, io.Discard, &stderr)
		if code != ExitFindings {
			b.Fatalf("exit %d, want %d (the fixture is broken): %s", code, ExitFindings, stderr.String())
		}
	}
}
