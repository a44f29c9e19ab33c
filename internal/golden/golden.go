package golden

import (
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files from the current output")

// Updating reports whether the run rewrites golden files.
func Updating() bool { return *update }

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
