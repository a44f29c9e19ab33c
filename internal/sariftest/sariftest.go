package sariftest

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// SchemaFile is where the official schema is looked for, relative to the
// repository root.
const SchemaFile = "../shared/sarif-schema-2.1.0.json"

// Schema compiles the official SARIF 2.1.0 schema, with format assertions
// (uri, uri-reference) on. It returns nil when the schema file is absent;
// any other problem fails the test.
func Schema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(root, filepath.FromSlash(SchemaFile))
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(file, doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	s, err := c.Compile(file)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return s
}

// Validate fails the test when sarif does not validate against s.
func Validate(t testing.TB, s *jsonschema.Schema, sarif []byte) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(sarif))
	if err != nil {
		t.Errorf("SARIF is not JSON: %v", err)
		return
	}
	if err := s.Validate(doc); err != nil {
		t.Errorf("SARIF does not validate against the SARIF 2.1.0 schema: %v", err)
	}
}

// repoRoot is the nearest directory above the working directory that holds
// go.mod: tests run in their package's directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
