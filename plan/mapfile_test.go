package plan

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/internal/planjson"
)

// A plan file is mapped into memory where the system allows it: the model
// must be the one reading it builds, and must not point into the mapping,
// which is gone by the time the model is used.
func TestMappedPlanIsTheReadPlan(t *testing.T) {
	for _, fixture := range []string{"web-missing-return", "update-deletes-return", "modules-locals"} {
		path := filepath.Join("..", "fixtures", fixture, "plan.json")
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Dir(path)
		fromFile, err := LoadIn(path, nil, dir)
		if err != nil {
			t.Fatalf("%s from the file: %v", fixture, err)
		}
		fromMemory, err := ParseIn(path, data, dir)
		if err != nil {
			t.Fatalf("%s from memory: %v", fixture, err)
		}
		// The mapping is gone: comparing reads every byte the model holds,
		// and one that pointed into the mapping would fault here.
		if !reflect.DeepEqual(fromFile, fromMemory) {
			t.Errorf("%s: the model of the mapped file differs from the model of the same bytes in memory", fixture)
		}
	}
}

// A mapped file that shrinks while it is read (another process rewrites
// it) faults past its new end: that is an input error, not a crash.
func TestMappedFileThatShrinksIsAnInputError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plan.json")
	body := `{"format_version":"1.2","resource_changes":[]}` + strings.Repeat(" ", 1<<20)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, unmap, err := mapFile(f, int64(len(body)))
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skip("files are not mapped on this system")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer unmap()
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	err = guardFault(path, func() error {
		_, err := decode(path, data, planjson.NewDecoder(modelled))
		return err
	})
	var inputErr *InputError
	if !errors.As(err, &inputErr) || !strings.HasSuffix(err.Error(), "plan.json: changed while it was read (was it rewritten during the check?)") {
		t.Errorf("reading a mapped file that shrank: %v, want an input error saying it changed", err)
	}
}

// Binary data in a mapped file is refused from its start, as when read.
func TestMappedFileOfBinaryData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(path, make([]byte, 2*sniffBytes), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, nil); err == nil || !strings.HasSuffix(err.Error(), "plan.json: is binary data, not the JSON of `terraform show -json PLANFILE`") {
		t.Errorf("a file of zeros: %v", err)
	}
}
