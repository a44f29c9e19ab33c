package planjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// problemf is an input problem, said as the rest of a sentence that starts
// with the file's name.
func problemf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// bom is the UTF-8 byte order mark some editors write before the JSON.
const bom = "\xef\xbb\xbf"

// Body is the JSON a plan file holds: without a byte order mark and the
// lines wrappers print around it; nil when no line starts a JSON value.
func Body(data []byte) []byte { return skipWrapperLines(bytes.TrimPrefix(data, []byte(bom))) }

// Decode checks the input's shape and decodes the parts of the plan the
// model uses. An error is the problem half of a one-line message ("is not
// valid JSON at line 3, column 5: …"): the caller names the file.
func (d *Decoder) Decode(data []byte) (*Plan, error) {
	data = bytes.TrimPrefix(data, []byte(bom))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, problemf("is empty, expected the JSON of `terraform show -json PLANFILE`")
	}
	data = skipWrapperLines(data)
	if data == nil {
		return nil, problemf("is not JSON, expected the JSON of `terraform show -json PLANFILE`")
	}
	if isLogStream(data) {
		return nil, problemf("is the log stream of `terraform plan -json`, not a plan: run `terraform plan -out=tfplan` then `terraform show -json tfplan > plan.json`")
	}
	doc, err := d.decodePlan(data)
	if err != nil {
		// The fast path names no problem: encoding/json, reading the
		// whole plan into the same shape, does (line and column of a
		// syntax error, the path of a field of the wrong type).
		if jerr := json.Unmarshal(data, new(Plan)); jerr != nil {
			err = jerr
		}
		return nil, problemf("%s", describeJSONError(err, data))
	}
	switch {
	case doc.FormatVersion == nil && bool(doc.Values):
		return nil, problemf("is not a plan: no format_version")
	case doc.FormatVersion == nil:
		return nil, problemf("is not a Terraform plan: no format_version (expected the JSON of `terraform show -json PLANFILE`)")
	}
	if !supportedFormat(*doc.FormatVersion) {
		return nil, problemf("unsupported format_version %q (returnpath reads plan JSON format 0.x and 1.x)", *doc.FormatVersion)
	}
	if bool(doc.Values) && doc.ResourceChanges == nil && !bool(doc.PlannedValues) {
		return nil, problemf("is a Terraform state (`terraform show -json` without a plan file), not a plan: run `terraform plan -out=tfplan` and `terraform show -json tfplan`")
	}
	if doc.ResourceChanges == nil && !doc.PlannedValues {
		return nil, problemf("is not a Terraform plan: it has neither resource_changes nor planned_values")
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
	var fieldErr *FieldError
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
