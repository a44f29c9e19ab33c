package plan

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseRejectsBadInput(t *testing.T) {
	tests := []struct {
		name, input, want string
	}{
		{"empty", "", "is empty"},
		{"blank", " \n\t\n", "is empty"},
		{"not JSON", "hello world\n", "is not JSON"},
		{"truncated", `{"format_version":"1.2","resource_changes":[{"address":"a"`, "is truncated"},
		{"syntax", "{\"format_version\": \"1.2\",\n  \"resource_changes\": [}\n", "line 2, column"},
		{"array", `[{"format_version":"1.2"}]`, "is a JSON array, not a plan object"},
		{"number", `42`, "is a JSON number, not a plan object"},
		{"null", `null`, "no format_version"},
		{"object without format", `{"resource_changes":[]}`, "no format_version"},
		{"format 2.0", `{"format_version":"2.0","resource_changes":[]}`, `unsupported format_version "2.0"`},
		{"format junk", `{"format_version":"1.x","resource_changes":[]}`, `unsupported format_version "1.x"`},
		{"format number", `{"format_version":1.2}`, "format_version is a JSON number, expected a string"},
		{"state", `{"format_version":"1.0","terraform_version":"1.11.4","values":{"root_module":{}}}`, "is a Terraform state"},
		{"no changes no values", `{"format_version":"1.2"}`, "neither resource_changes nor planned_values"},
		{"resource_changes object", `{"format_version":"1.2","resource_changes":{}}`, "resource_changes is a JSON object, expected an array"},
		{"actions string", `{"format_version":"1.2","resource_changes":[{"address":"aws_vpc.a","mode":"managed","type":"aws_vpc","name":"a","change":{"actions":"create"}}]}`, "resource_changes.change.actions is a JSON string"},
		{"after wrong type", `{"format_version":"1.2","resource_changes":[{"address":"aws_vpc.a","mode":"managed","type":"aws_vpc","name":"a","change":{"actions":["create"],"after":{"cidr_block":7}}}]}`, "aws_vpc.a: attribute cidr_block is a JSON number, expected a string"},
		{"after_unknown wrong type", `{"format_version":"1.2","resource_changes":[{"address":"aws_vpc.a","mode":"managed","type":"aws_vpc","name":"a","change":{"actions":["create"],"after":{},"after_unknown":[1]}}]}`, "after_unknown is not an object"},
		{"bad index", `{"format_version":"1.2","resource_changes":[{"address":"aws_vpc.a","mode":"managed","type":"aws_vpc","name":"a","index":1.5,"change":{"actions":["create"]}}]}`, "neither an integer nor a string"},
		{"log stream", `{"@level":"info","@message":"Terraform 1.9.0","@module":"terraform.ui","type":"version","terraform":"1.9.0","ui":"1.2"}` + "\n" + `{"@level":"info","@message":"Plan: 1 to add","type":"change_summary"}` + "\n", "log stream of `terraform plan -json`"},
		{"duplicate resource_changes", `{"format_version":"1.2","resource_changes":[{"address":"aws_vpc.a","mode":"managed","type":"aws_vpc","name":"a","change":{"actions":["create"],"after":{}}}],"resource_changes":[]}`, `is not a valid plan: "resource_changes" appears twice at the top level`},
		{"duplicate format_version", `{"format_version":"1.2","format_version":"9.0","resource_changes":[]}`, `"format_version" appears twice`},
		{"duplicate unused key", `{"format_version":"1.2","resource_changes":[],"timestamp":"a","timestamp":"b"}`, `"timestamp" appears twice`},
		{"newline in an address", "{\"format_version\":\"0.0\",\"resource_changes\":[{\"address\":\"\\n::error::x\",\"mode\":\"managed\",\"type\":\"aws_network_acl\",\"change\":{\"after\":{\"egress\":[0]}}}]}", `is not a valid plan: \n::error::x: attribute egress is a JSON number`},
		{"deep nesting", strings.Repeat("[", 20000) + strings.Repeat("]", 20000), "is not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse("plan.json", []byte(tt.input))
			if err == nil {
				t.Fatalf("Parse accepted %q: %+v", tt.name, m)
			}
			var ie *InputError
			if !errors.As(err, &ie) || ie.File != "plan.json" {
				t.Fatalf("error %v is not an InputError naming plan.json", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not contain %q", msg, tt.want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error %q spans several lines", msg)
			}
		})
	}
}

func TestParseSkipsWrapperLines(t *testing.T) {
	plan := `{"format_version":"1.2","terraform_version":"1.11.4","resource_changes":[]}`
	inputs := map[string]string{
		"setup-terraform command line": "[command]/home/runner/work/_temp/terraform-bin show -json tfplan\n" + plan + "\n",
		"debug lines after":            plan + "\n::debug::Terraform exited with code 0.\n::debug::stdout: ...\n",
		"both":                         "[command]terraform show -json tfplan\n" + plan + "\n::debug::exitcode: 0\n",
		"byte order mark":              "\xef\xbb\xbf" + plan,
	}
	for name, input := range inputs {
		t.Run(name, func(t *testing.T) {
			m, err := Parse("plan.json", []byte(input))
			if err != nil {
				t.Fatal(err)
			}
			if m.Info.TerraformVersion != "1.11.4" {
				t.Errorf("terraform version %q, want 1.11.4", m.Info.TerraformVersion)
			}
		})
	}
}

func TestParseAcceptsFormatVersions(t *testing.T) {
	for _, v := range []string{"0.1", "0.2", "1.0", "1.2", "1.10"} {
		_, err := Parse("plan.json", []byte(`{"format_version":"`+v+`","planned_values":{}}`))
		if err != nil {
			t.Errorf("format_version %s: %v", v, err)
		}
	}
}

func TestLoadFiles(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(filepath.Join(dir, "missing.json"), nil); err == nil || !strings.Contains(err.Error(), "missing.json: no such file") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Load(dir, nil); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}
	m, err := Load("-", strings.NewReader(`{"format_version":"1.2","resource_changes":[]}`))
	if err != nil || m.Planned == nil {
		t.Errorf("stdin: %v", err)
	}
	if _, err := Load("-", strings.NewReader("")); err == nil || !strings.HasPrefix(err.Error(), "<stdin>: is empty") {
		t.Errorf("empty stdin: %v", err)
	}
}

func TestLoadBinaryPlanWithoutTerraform(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tfplan")
	if err := os.WriteFile(path, []byte("PK\x03\x04rest-of-a-zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir) // no terraform here
	_, err := Load(path, nil)
	if err == nil || !strings.Contains(err.Error(), "binary plan file and terraform is not on PATH") {
		t.Errorf("binary plan without terraform: %v", err)
	}
}

func TestLoadBinaryPlanRunsTerraform(t *testing.T) {
	dir := t.TempDir()
	// A stand-in terraform that prints a plan, as `terraform show -json` would.
	script := "#!/bin/sh\n[ \"$1 $2\" = \"show -json\" ] || exit 3\necho '{\"format_version\":\"1.2\",\"terraform_version\":\"9.9.9\",\"resource_changes\":[]}'\n"
	if err := os.WriteFile(filepath.Join(dir, "terraform"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "tfplan")
	if err := os.WriteFile(path, []byte("PK\x03\x04zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	m, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Info.TerraformVersion != "9.9.9" {
		t.Errorf("terraform version %q: the plan did not come from terraform show", m.Info.TerraformVersion)
	}
	failing := "#!/bin/sh\necho 'Error: Failed to read the given file as a state or plan file' >&2\nexit 1\n"
	if err := os.WriteFile(filepath.Join(dir, "terraform"), []byte(failing), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = Load(path, nil)
	if err == nil || !strings.Contains(err.Error(), "`terraform show -json` failed: Error: Failed to read") {
		t.Errorf("failing terraform: %v", err)
	}
}

// endless is standard input that never ends (/dev/zero, /dev/urandom, a
// stuck pipe): it serves fill bytes, and fails past failAfter so that a
// reader that does not stop ends the test instead of exhausting memory.
type endless struct {
	fill      byte
	read      int64
	failAfter int64
}

func (e *endless) Read(p []byte) (int, error) {
	if e.read >= e.failAfter {
		return 0, errors.New("read past the point where the reader should have stopped")
	}
	for i := range p {
		p[i] = e.fill
	}
	e.read += int64(len(p))
	return len(p), nil
}

func TestLoadStopsEarlyOnWhatCannotBeAPlan(t *testing.T) {
	zeros := &endless{fill: 0, failAfter: 64 << 20}
	_, err := LoadLimited("-", zeros, "", nil, DefaultMaxBytes)
	if err == nil || !strings.Contains(err.Error(), "<stdin>: is binary data") {
		t.Errorf("/dev/zero on stdin: %v", err)
	}
	if zeros.read > sniffBytes {
		t.Errorf("read %d bytes of zeros before giving up, want at most %d", zeros.read, sniffBytes)
	}
	notUTF8 := &endless{fill: 0xff, failAfter: 64 << 20}
	if _, err := LoadLimited("-", notUTF8, "", nil, DefaultMaxBytes); err == nil || !strings.Contains(err.Error(), "is not UTF-8 text") {
		t.Errorf("bytes that are not UTF-8: %v", err)
	}
	if notUTF8.read > sniffBytes {
		t.Errorf("read %d bytes that are not UTF-8, want at most %d", notUTF8.read, sniffBytes)
	}
}

func TestLoadCapsWhatItReads(t *testing.T) {
	const limit = 256 << 10
	spaces := &endless{fill: ' ', failAfter: 64 << 20}
	_, err := LoadLimited("-", spaces, "", nil, limit)
	if err == nil || !strings.Contains(err.Error(), "<stdin>: is larger than the limit of 256 KiB for a plan (raise it with --max-plan-bytes)") {
		t.Errorf("endless stdin: %v", err)
	}
	if spaces.read > 2*limit {
		t.Errorf("read %d bytes of an endless stdin with a limit of %d", spaces.read, limit)
	}

	// A file's size is known: a larger one is refused unread.
	dir := t.TempDir()
	big := filepath.Join(dir, "big.json")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(3 << 30); err != nil { // sparse: no disk used
		t.Skip("no sparse files here:", err)
	}
	f.Close()
	_, err = Load(big, nil)
	if err == nil || !strings.HasSuffix(err.Error(), "big.json: is 3 GiB, more than the limit of 1 GiB for a plan (raise it with --max-plan-bytes)") {
		t.Errorf("a 3 GiB file: %v", err)
	}

	// Up to the limit, a plan is read whole.
	plan := []byte(`{"format_version":"1.2","terraform_version":"1.11.4","resource_changes":[]}`)
	padded := append(plan, bytes.Repeat([]byte(" "), limit-len(plan))...)
	if _, err := LoadLimited("-", bytes.NewReader(padded), "", nil, limit); err != nil {
		t.Errorf("a plan of exactly the limit: %v", err)
	}
	if _, err := LoadLimited("-", bytes.NewReader(append(padded, ' ')), "", nil, limit); err == nil {
		t.Error("a plan one byte over the limit was read")
	}
	path := filepath.Join(dir, "plan.json")
	if err := os.WriteFile(path, append(padded, ' '), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadLimited(path, nil, "", nil, limit); err == nil || !strings.Contains(err.Error(), "is 262145 bytes, more than the limit of 256 KiB") {
		t.Errorf("a file one byte over the limit: %v", err)
	}
}

func TestLoadSniffDoesNotSplitACharacter(t *testing.T) {
	// "é" (two bytes) straddles the end of the part sniffed first.
	head := `{"format_version":"1.2","terraform_version":"1.11.4","resource_changes":[],"x":"`
	body := strings.Repeat("a", sniffBytes-len(head)-1) + "é" + `"}`
	if _, err := Load("-", strings.NewReader(head+body)); err != nil {
		t.Errorf("a plan with a character across the sniffed part: %v", err)
	}
}
