package plan

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
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
	data, display, err := read(name, stdin)
	if err != nil {
		return nil, err
	}
	if isBinaryPlan(data) {
		data, err = showBinaryPlan(name, display, data)
		if err != nil {
			return nil, err
		}
	}
	return Parse(display, data)
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
	doc, err := decode(name, data)
	if err != nil {
		return nil, err
	}
	if len(data) >= collectAfter {
		// The model keeps copies of what it reads: the input is garbage
		// now, unless the caller holds it. Collecting it here lets the
		// build reuse its memory; without this, a collection that
		// happened to run during the pass sets the heap's next goal to
		// twice the input, and peak memory depends on that timing.
		data = nil
		runtime.GC()
	}
	return build(name, doc)
}

// collectAfter is the input size from which Parse collects the input
// before building the model (a collection costs a few milliseconds).
const collectAfter = 4 << 20

// decode checks the input's shape and decodes the parts of the plan the
// model uses.
func decode(name string, data []byte) (*rawPlan, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, inputErrorf(name, "is empty, expected the JSON of `terraform show -json PLANFILE`")
	}
	data = skipWrapperLines(data)
	if data == nil {
		return nil, inputErrorf(name, "is not JSON, expected the JSON of `terraform show -json PLANFILE`")
	}
	if isLogStream(data) {
		return nil, inputErrorf(name, "is the log stream of `terraform plan -json`, not a plan: run `terraform plan -out=tfplan` then `terraform show -json tfplan > plan.json`")
	}
	doc, err := decodePlan(data)
	if err != nil {
		// The fast path names no problem: encoding/json, reading the
		// whole plan into the same shape, does (line and column of a
		// syntax error, the path of a field of the wrong type).
		if jerr := json.Unmarshal(data, new(rawPlan)); jerr != nil {
			err = jerr
		}
		return nil, inputErrorf(name, "%s", describeJSONError(err, data))
	}
	switch {
	case doc.FormatVersion == nil && bool(doc.Values):
		return nil, inputErrorf(name, "is not a plan: no format_version")
	case doc.FormatVersion == nil:
		return nil, inputErrorf(name, "is not a Terraform plan: no format_version (expected the JSON of `terraform show -json PLANFILE`)")
	}
	if !supportedFormat(*doc.FormatVersion) {
		return nil, inputErrorf(name, "unsupported format_version %q (returnpath reads plan JSON format 0.x and 1.x)", *doc.FormatVersion)
	}
	if bool(doc.Values) && doc.ResourceChanges == nil && !bool(doc.PlannedValues) {
		return nil, inputErrorf(name, "is a Terraform state (`terraform show -json` without a plan file), not a plan: run `terraform plan -out=tfplan` and `terraform show -json tfplan`")
	}
	if doc.ResourceChanges == nil && !doc.PlannedValues {
		return nil, inputErrorf(name, "is not a Terraform plan: it has neither resource_changes nor planned_values")
	}
	return doc, nil
}

// skipWrapperLines drops what wrappers print around the JSON, such as
// setup-terraform's "[command]/usr/bin/terraform show -json" line before it
// and its "::debug::" lines after it. It returns nil when no line starts a
// JSON object or array and the input is no JSON value either.
func skipWrapperLines(data []byte) []byte {
	start := -1
	for offset := 0; offset < len(data); {
		line := data[offset:]
		if nl := bytes.IndexByte(line, '\n'); nl >= 0 {
			line = line[:nl+1]
		}
		if startsJSON(bytes.TrimLeft(line, " \t\r")) {
			start = offset
			break
		}
		offset += len(line)
	}
	if start < 0 {
		if trimmed := bytes.TrimSpace(data); json.Valid(trimmed) {
			return trimmed // a scalar: decode names it
		}
		return nil
	}
	data = data[start:]
	if !bytes.Contains(data, []byte("\n::")) {
		// No workflow command line: no need to walk back from the end
		// of a plan that is one long line.
		return bytes.TrimRight(data, " \t\r\n")
	}
	for {
		body := bytes.TrimRight(data, " \t\r\n")
		nl := bytes.LastIndexByte(body, '\n')
		if nl < 0 || !bytes.HasPrefix(bytes.TrimLeft(body[nl+1:], " \t"), []byte("::")) {
			return body
		}
		data = body[:nl]
	}
}

// startsJSON reports whether a line opens a JSON object or array; a line
// such as "[command]/usr/bin/terraform" does not.
func startsJSON(line []byte) bool {
	if len(line) == 0 {
		return false
	}
	if line[0] == '{' {
		return true
	}
	if line[0] != '[' {
		return false
	}
	rest := bytes.TrimLeft(line[1:], " \t\r\n")
	if len(rest) == 0 {
		return true
	}
	switch c := rest[0]; {
	case c == '{' || c == '[' || c == ']' || c == '"' || c == '-' || c >= '0' && c <= '9':
		return true
	}
	return bytes.HasPrefix(rest, []byte("true")) || bytes.HasPrefix(rest, []byte("false")) || bytes.HasPrefix(rest, []byte("null"))
}

// isLogStream recognises the machine-readable UI stream of
// `terraform plan -json`: one object a line with "@level" and "type".
func isLogStream(data []byte) bool {
	line := data
	if nl := bytes.IndexByte(data, '\n'); nl >= 0 {
		line = data[:nl]
	}
	if len(line) > 1<<16 || !bytes.Contains(line, []byte(`"@level"`)) {
		return false
	}
	var first struct {
		Level   *string `json:"@level"`
		Message *string `json:"@message"`
	}
	return json.Unmarshal(line, &first) == nil && first.Level != nil && first.Message != nil
}

func supportedFormat(v string) bool {
	major, minor, ok := strings.Cut(v, ".")
	if !ok || (major != "0" && major != "1") || minor == "" {
		return false
	}
	for _, r := range minor {
		if (r < '0' || r > '9') && r != '.' {
			return false
		}
	}
	return true
}

// describeJSONError turns a decoding error into the problem half of a
// one-line message.
func describeJSONError(err error, data []byte) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || (errors.As(err, &syntax) && syntax.Offset >= int64(len(data)) && strings.Contains(err.Error(), "unexpected end")):
		return "is truncated: the JSON ends before the plan is complete"
	case errors.As(err, &syntax):
		line, col := position(data, syntax.Offset)
		return fmt.Sprintf("is not valid JSON at line %d, column %d: %s", line, col, strings.TrimPrefix(syntax.Error(), "json: "))
	case errors.As(err, &typ) && typ.Field == "":
		return fmt.Sprintf("is a JSON %s, not a plan object (expected the JSON of `terraform show -json PLANFILE`)", typ.Value)
	case errors.As(err, &typ):
		return fmt.Sprintf("is not a valid plan: %s is a JSON %s, expected %s", typ.Field, typ.Value, goTypeName(typ.Type.String()))
	}
	var fieldErr *fieldError
	if errors.As(err, &fieldErr) {
		return "is not a valid plan: " + fieldErr.Error()
	}
	var scan *scanError
	if errors.As(err, &scan) {
		// Only when encoding/json accepts what the scanner does not.
		line, col := position(data, int64(scan.Offset))
		return fmt.Sprintf("is not a valid plan at line %d, column %d: %s", line, col, scan.Msg)
	}
	return "is not a valid plan: " + strings.TrimPrefix(err.Error(), "json: ")
}

func goTypeName(t string) string {
	switch {
	case strings.HasPrefix(t, "[]"):
		return "an array"
	case strings.HasPrefix(t, "map[") || strings.Contains(t, "struct") || strings.Contains(t, "."):
		return "an object"
	case t == "string" || t == "*string":
		return "a string"
	case t == "bool":
		return "a boolean"
	}
	return "a " + t
}

// position converts a byte offset into a 1-based line and column.
func position(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - bytes.LastIndexByte(before, '\n')
	return line, col
}
