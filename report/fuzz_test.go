package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
)

// FuzzEndToEnd runs what `returnpath check` runs on any input: the plan's
// parse, every check, and every format. Whatever the input, there is no
// panic; it is either an input error in one line or a report in every
// format, JSON and SARIF valid JSON, markdown within GitHub's comment size,
// and no format but JSON with raw control characters from the plan.
//
// CI runs it for a short time (.ci/run); go test runs the seeds: small
// fixtures and plans written to reach the limits.
func FuzzEndToEnd(f *testing.F) {
	for _, name := range []string{"web-missing-return", "module-output-input", "update-deletes-return", "sg-blocked-by-nacl", "icmp-pmtud", "deny-partial-cidr", "ipv6-missing-return", "nat-gateway-escalation"} {
		data, err := os.ReadFile(filepath.Join("..", "fixtures", name, "plan.json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	rule := func(number, icmpType string) string {
		return `{"rule_no":` + number + `,"action":"allow","protocol":"icmp","cidr_block":"0.0.0.0/0","from_port":0,"to_port":0,"icmp_type":` + icmpType + `,"icmp_code":-1}`
	}
	for _, s := range []string{
		`{"format_version":"1.2","resource_changes":[{"address":"aws_network_acl.a","mode":"managed","type":"aws_network_acl","name":"a","change":{"actions":["create"],"after":{"ingress":[` +
			rule("9223372036854775807", "3") + `,` + rule("0", "259") + `,` + rule("100", "-7") + `],"egress":[]},"after_unknown":{}}}]}`,
		`{"format_version":"1.2","resource_changes":[{"address":"aws_network_acl.a\n::error file=x::pwned","mode":"managed","type":"aws_network_acl","name":"a","change":{"actions":["create"],"after":{"ingress":[{"rule_no":100,"action":"allow","protocol":"tcp","cidr_block":"0.0.0.0/0","from_port":443,"to_port":443}],"egress":[]},"after_unknown":{}}}]}`,
		`{"format_version":"1.2","resource_changes":[],"resource_changes":[]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := plan.Parse("fuzz.json", data)
		if err != nil {
			var ie *plan.InputError
			if !errors.As(err, &ie) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("not a one-line input error: %q", err)
			}
			return
		}
		r := New(m, checks.Run(m, checks.DefaultConfig()), "fuzz.json", "fuzz")
		for _, format := range Formats() {
			for _, color := range []bool{false, true} {
				var out bytes.Buffer
				if err := format.New(Options{Color: color, MarkdownHeader: "<!-- returnpath -->\n"}).Format(&out, r); err != nil {
					t.Fatalf("%s: %v", format.Name, err)
				}
				checkOutput(t, format.Name, out.Bytes())
			}
		}
	})
}

func checkOutput(t *testing.T, format string, out []byte) {
	t.Helper()
	if len(out) == 0 {
		t.Fatalf("%s: no output", format)
	}
	switch format {
	case "json", "sarif":
		if !json.Valid(out) {
			t.Fatalf("%s: not valid JSON:\n%s", format, out)
		}
		return
	case "markdown":
		if n := utf8.RuneCount(out); n > 65536 {
			t.Fatalf("markdown of %d characters, more than a comment holds", n)
		}
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "::") && format != "github" {
			t.Fatalf("%s: a line that GitHub would run as a workflow command: %q", format, line)
		}
		for _, r := range line {
			if r < 0x20 && r != '\t' && r != 0x1b {
				t.Fatalf("%s: control character %q in %q", format, r, line)
			}
		}
	}
}
