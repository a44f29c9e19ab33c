// Package largeplan gives tests and benchmarks the large real plan of
// fixtures/large-monorepo (committed gzipped: it is ~18 MB of JSON) and the
// findings its configuration announces per tier.
package largeplan

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Dir is the fixture's directory.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "fixtures", "large-monorepo")
}

var (
	once sync.Once
	data []byte
	err  error
)

// Bytes returns the plan JSON, decompressed once per test binary.
func Bytes(tb testing.TB) []byte {
	tb.Helper()
	once.Do(func() {
		var f *os.File
		if f, err = os.Open(filepath.Join(Dir(), "plan.json.gz")); err != nil {
			return
		}
		defer f.Close()
		var z *gzip.Reader
		if z, err = gzip.NewReader(f); err != nil {
			return
		}
		data, err = io.ReadAll(z)
	})
	if err != nil {
		tb.Fatalf("large plan: %v", err)
	}
	return data
}

// File writes the plan JSON into a temporary directory of tb and returns
// its path, for what reads plans from files (the CLI).
func File(tb testing.TB) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "plan.json")
	if err := os.WriteFile(path, Bytes(tb), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

// Expected is one "# expect-tier:" line of the fixture's main.tf: the
// findings every tier of one kind must have.
type Expected struct {
	Kind     string // the tier key's suffix: t001-high-return is of kind high-return
	Rule     string
	Severity string
	Resource string // the address inside the tier's module instance
	Count    int    // how many findings
}

// Expectations reads the "# expect-tier: KIND RULE SEVERITY RESOURCE COUNT"
// lines of the fixture's main.tf.
func Expectations() ([]Expected, error) {
	src, err := os.ReadFile(filepath.Join(Dir(), "main.tf"))
	if err != nil {
		return nil, err
	}
	var out []Expected
	sc := bufio.NewScanner(bytes.NewReader(src))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "# expect-tier:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 5 {
			return nil, fmt.Errorf("main.tf: %q: want KIND RULE SEVERITY RESOURCE COUNT", sc.Text())
		}
		n, err := strconv.Atoi(f[4])
		if err != nil {
			return nil, fmt.Errorf("main.tf: %q: %v", sc.Text(), err)
		}
		out = append(out, Expected{Kind: f[0], Rule: f[1], Severity: f[2], Resource: f[3], Count: n})
	}
	return out, sc.Err()
}
