package plan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/returnpath-dev/returnpath/internal/planjson"
)

// InputError is a plan that cannot be read: it names the file and the
// problem in one line.
type InputError struct {
	File    string
	Problem string
}

func (e *InputError) Error() string { return e.File + ": " + e.Problem }

func inputErrorf(file, format string, args ...any) error {
	return &InputError{File: file, Problem: fmt.Sprintf(format, args...)}
}

// stdinName is how standard input is named in messages.
const stdinName = "<stdin>"

// terraformShowTimeout bounds `terraform show -json` on a binary plan.
const terraformShowTimeout = 5 * time.Minute

// Load reads the plan named by name ("-" for standard input): the JSON of
// `terraform show -json`, or a binary plan file, which it converts with
// terraform. It returns the model or an *InputError.
func Load(name string, stdin io.Reader) (*Model, error) {
	return LoadIn(name, stdin, "")
}

// LoadIn is Load with the root configuration directory dir, whose module
// sources resolve the locals that references go through ("": none).
func LoadIn(name string, stdin io.Reader, dir string) (*Model, error) {
	return LoadWithContext(name, stdin, dir, nil)
}

func read(name string, stdin io.Reader) ([]byte, string, error) {
	if name == "-" {
		data, err := io.ReadAll(stdin)
		if err != nil {
			return nil, stdinName, inputErrorf(stdinName, "cannot read: %v", err)
		}
		return data, stdinName, nil
	}
	info, err := os.Stat(name)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, name, inputErrorf(name, "no such file")
		}
		return nil, name, inputErrorf(name, "cannot read: %v", unwrapPathError(err))
	}
	if info.IsDir() {
		return nil, name, inputErrorf(name, "is a directory, not a plan file (give the JSON of `terraform show -json PLANFILE`)")
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, name, inputErrorf(name, "cannot read: %v", unwrapPathError(err))
	}
	return data, name, nil
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// isBinaryPlan recognises the zip archive `terraform plan -out` writes.
func isBinaryPlan(data []byte) bool { return bytes.HasPrefix(data, []byte("PK\x03\x04")) }

// showBinaryPlan runs `terraform show -json` on a binary plan, in the plan
// file's directory, where terraform finds the initialised providers.
func showBinaryPlan(name, display string, data []byte) ([]byte, error) {
	tf, err := exec.LookPath("terraform")
	if err != nil {
		return nil, inputErrorf(display, "is a binary plan file and terraform is not on PATH to read it; run `terraform show -json PLANFILE > plan.json` and check that")
	}
	path, dir := name, filepath.Dir(name)
	if name == "-" {
		tmp, err := os.CreateTemp("", "returnpath-*.tfplan")
		if err != nil {
			return nil, inputErrorf(display, "is a binary plan file and cannot be saved for terraform: %v", err)
		}
		defer os.Remove(tmp.Name())
		_, werr := tmp.Write(data)
		if cerr := tmp.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return nil, inputErrorf(display, "is a binary plan file and cannot be saved for terraform: %v", werr)
		}
		path, dir = tmp.Name(), "."
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	ctx, cancel := context.WithTimeout(context.Background(), terraformShowTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, tf, "show", "-json", "-no-color", path)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := firstLine(strings.TrimSpace(stderr.String()))
		if msg == "" {
			msg = err.Error()
		}
		return nil, inputErrorf(display, "is a binary plan file and `terraform show -json` failed: %s", msg)
	}
	return stdout.Bytes(), nil
}

// firstLine picks terraform's own error line from its stderr, skipping the
// box drawing and warnings (such as a missing CLI configuration) before it.
func firstLine(s string) string {
	var first string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(strings.Trim(line, "│╷╵ "))
		if strings.HasPrefix(line, "Error: ") {
			return line
		}
		if first == "" && line != "" {
			first = line
		}
	}
	return first
}

// Parse reads the JSON of `terraform show -json` (name is only used in
// messages) and builds the model.
func Parse(name string, data []byte) (*Model, error) {
	return ParseIn(name, data, "")
}

// ParseIn is Parse with the root configuration directory dir (see LoadIn).
func ParseIn(name string, data []byte, dir string) (*Model, error) {
	return ParseWithContext(name, data, dir, nil)
}

// collectAfter is the input size from which Parse collects the input
// before building the model (a collection costs a few milliseconds).
const collectAfter = 4 << 20

// decode checks the input's shape and decodes the parts of the plan the
// model uses.
func decode(name string, data []byte, dec *planjson.Decoder) (*planjson.Plan, error) {
	doc, err := dec.Decode(data)
	if err != nil {
		return nil, &InputError{File: name, Problem: err.Error()}
	}
	return doc, nil
}
