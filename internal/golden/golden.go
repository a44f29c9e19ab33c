package golden

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files from the current output")

// Check compares got with the golden file, or rewrites the file under
// -update.
func Check(t testing.TB, file, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		t.Errorf("%s is missing; run go test ./... -update and review it", file)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test ./... -update rewrites it)\n--- got:\n%s\n--- want:\n%s", file, got, want)
	}
}

// Absent checks that there is no golden file where a test keeps none, so
// that no file looks like an expectation nothing compares; -update removes
// it.
func Absent(t testing.TB, file string) {
	t.Helper()
	_, err := os.Stat(file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		t.Fatal(err)
	case *update:
		if err := os.Remove(file); err != nil {
			t.Fatal(err)
		}
	default:
		t.Errorf("%s is a golden file no test compares (go test ./... -update removes it)", file)
	}
}
