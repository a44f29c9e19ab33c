package golden

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestEveryTestBinaryTakesUpdate keeps `go test ./... -update` working: go
// test passes -update to every test binary, and one that does not define
// it fails before its tests run. Each test binary of the module must link
// this package, which defines the flag.
func TestEveryTestBinaryTakesUpdate(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("go not found: %v", err)
	}
	root := filepath.Join("..", "..")
	// go test caches a result by the files the test reads, not by what go
	// list reads: reading every test file here reruns the test when one
	// is added or changed.
	testDirs := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "fixtures"):
			return filepath.SkipDir
		case d.IsDir():
			if tests, _ := filepath.Glob(filepath.Join(path, "*_test.go")); len(tests) > 0 {
				testDirs++
			}
		case strings.HasSuffix(path, "_test.go"):
			_, err := os.ReadFile(path)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	const self = "github.com/returnpath-dev/returnpath/internal/golden"
	cmd := exec.Command(gobin, "list", "-test", "-f", "{{.ImportPath}} {{join .Deps \" \"}}", "./...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	binaries := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, deps, _ := strings.Cut(line, " ")
		if !strings.HasSuffix(pkg, ".test") {
			continue
		}
		binaries++
		linked := slices.ContainsFunc(strings.Fields(deps), func(dep string) bool {
			return dep == self || strings.HasPrefix(dep, self+" [")
		})
		if !linked && pkg != self+".test" {
			t.Errorf("%s does not link %s: `go test ./... -update` fails there; its golden test imports it, or, without one, a golden_flag_test.go does", pkg, self)
		}
	}
	if binaries != testDirs {
		t.Errorf("go list found %d test binaries, the module has %d directories with tests:\n%s", binaries, testDirs, out)
	}
}

func TestCheckAndAbsent(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "report.txt")
	if err := os.WriteFile(file, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	// Under -update: Check writes the file, Absent removes it.
	*update = true
	t.Cleanup(func() { *update = false })
	Check(t, file, "new\n")
	if data, err := os.ReadFile(file); err != nil || string(data) != "new\n" {
		t.Fatalf("Check under -update wrote %q, %v", data, err)
	}
	Absent(t, file)
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Fatalf("Absent under -update left the file: %v", err)
	}
	*update = false

	// Without it they only compare, and report what differs.
	if err := os.WriteFile(file, []byte("new\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	Check(t, file, "new\n")
	Absent(t, filepath.Join(dir, "none.txt"))
	for name, fails := range map[string]func(testing.TB){
		"a difference":        func(tb testing.TB) { Check(tb, file, "other\n") },
		"a missing file":      func(tb testing.TB) { Check(tb, filepath.Join(dir, "none.txt"), "x") },
		"a stale golden file": func(tb testing.TB) { Absent(tb, file) },
	} {
		rec := &recorder{TB: t}
		fails(rec)
		if !rec.failed {
			t.Errorf("%s did not fail the test", name)
		}
	}
	if data, err := os.ReadFile(file); err != nil || string(data) != "new\n" {
		t.Errorf("comparing changed the file: %q, %v", data, err)
	}
}

// recorder notes a failure instead of failing the test.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }
