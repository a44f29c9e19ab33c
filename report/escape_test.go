package report

import (
	"encoding/json"
	"encoding/xml"
	"net/netip"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
	"github.com/returnpath-dev/returnpath/source"
)

func TestEscapeControl(t *testing.T) {
	for in, want := range map[string]string{
		"plain → text é":             "plain → text é",
		"a\nb\r\tc":                  `a\nb\r\tc`,
		"esc\x1b[31m bell\x07":       `esc\x1b[31m bell\x07`,
		"del\x7f nul\x00":            `del\x7f nul\x00`,
		"c1\u0085 ls\u2028 ps\u2029": `c1\u0085 ls\u2028 ps\u2029`,
		"bidi\u202e\u2066x\u2069":    `bidi\u202e\u2066x\u2069`,
		"nonchar\uffff":              `nonchar\uffff`,
		`keep \" backslash \n`:       `keep \" backslash \n`,
	} {
		if got := escapeControl(in); got != want {
			t.Errorf("escapeControl(%q) = %q, want %q", in, got, want)
		}
	}
	if got, want := escapeControlKeepBreaks("a\r\n\tb\x1b\x0b"), "a\r\n\tb\\x1b\\x0b"; got != want {
		t.Errorf("escapeControlKeepBreaks = %q, want %q", got, want)
	}
	if got, want := escapeControlLines("# add to x[\"a\nb\"]\r\nblock {\n}", "x[\"a\nb\"]"), "# add to x[\"a\\nb\"]\\r\nblock {\n}"; got != want {
		t.Errorf("escapeControlLines = %q, want %q", got, want)
	}
}

// hostileAddress is a for_each key a hand-made plan may hold raw: a line
// break that starts a workflow command, a terminal escape, a bidi override.
const hostileAddress = "aws_network_acl.public[\"a\n::error file=x::pwned\x1b[31m\u202e\"]"

// hostileReport has plan text with control characters in every field a
// format shows: addresses (of the NACL, inside a module, in the suggested
// HCL, of the subnet), CIDR, message, file, terraform version.
func hostileReport() *Report {
	addr := plan.Address("module.net[\"m\r::warning::x\"]." + hostileAddress)
	m := &plan.Model{
		Info:    plan.Info{FormatVersion: "1.2", TerraformVersion: "1.11.4\n::error::version", Resources: 3},
		Planned: &plan.Network{NACLs: []*plan.NACL{{Address: addr}}},
	}
	f := checks.Finding{
		Rule: "RP001", Severity: checks.Error, Resource: addr, Status: checks.New,
		Message: "inbound tcp/443 on " + string(addr) + " is allowed, but replies are dropped",
		Subnets: []checks.SubnetRef{{Address: "aws_subnet.s[\"\n::notice::subnet\"]", CIDR: "10.0.1.0/24\n::error::cidr"}},
		Flow: &checks.Flow{
			Direction: plan.Ingress, Leg: checks.ReplyLeg, Family: plan.IPv4, Protocol: plan.ProtocolTCP,
			PeerCIDR: netip.MustParsePrefix("0.0.0.0/0"), ServicePorts: plan.PortRange{Lo: 443, Hi: 443},
			ClientPorts: plan.BroadEphemeral, MissingPorts: []plan.PortRange{plan.BroadEphemeral},
			IntentRule:   checks.RuleRef{Address: addr, Number: 100},
			Witness:      checks.Packet{Protocol: plan.ProtocolTCP, Src: netip.MustParseAddrPort("10.0.1.10:443"), Dst: netip.MustParseAddrPort("203.0.113.7:49731")},
			FailingShare: 1,
			// As checks writes it: the address in a comment, and in a
			// reference (the local address when it parses, else whole).
			Suggestion: "# add to " + string(addr) + ", next to its other egress blocks\n" +
				"resource \"aws_network_acl_rule\" \"r\" {\n  network_acl_id = " + string(addr) + ".id\n}\n",
		},
	}
	r := New(m, []checks.Finding{f}, "plan\n::error::file.json", "test")
	r.Findings[0].Location = source.Location{File: "main\n::error::x.tf", Line: 4}
	return r
}

// rawControl reports the first control character (but the line feeds that
// separate lines) in out.
func rawControl(out string) (rune, bool) {
	for _, r := range out {
		if r != '\n' && needsEscape(r) {
			return r, true
		}
	}
	return 0, false
}

// commandLines are the lines of out that a GitHub Actions runner would run
// as workflow commands: "::" after leading white space.
func commandLines(out string) []string {
	var cmds []string
	for line := range strings.Lines(out) {
		if strings.HasPrefix(strings.TrimLeft(line, " \t"), "::") {
			cmds = append(cmds, line)
		}
	}
	return cmds
}

func TestTextEscapesControlCharacters(t *testing.T) {
	for _, color := range []bool{false, true} {
		out := format(t, Text{Color: color}, hostileReport())
		if cmds := commandLines(out); len(cmds) > 0 {
			t.Errorf("color %v: text output has workflow commands %q:\n%s", color, cmds, out)
		}
		if !color {
			if r, ok := rawControl(out); ok {
				t.Errorf("text output holds %U raw:\n%s", r, out)
			}
		}
		for _, want := range []string{`a\n::error file=x::pwned\x1b[31m\u202e`, `m\r::warning::x`, `aws_subnet.s["\n::notice::subnet"] 10.0.1.0/24\n::error::cidr`, `main\n::error::x.tf:4`, `terraform 1.11.4\n::error::version`} {
			if !strings.Contains(out, want) {
				t.Errorf("text output lacks %s:\n%s", want, out)
			}
		}
	}
}

func TestMarkdownEscapesControlCharacters(t *testing.T) {
	out, _, err := Markdown{}.Render(hostileReport())
	if err != nil {
		t.Fatal(err)
	}
	if cmds := commandLines(out); len(cmds) > 0 {
		t.Errorf("markdown has lines that are workflow commands %q:\n%s", cmds, out)
	}
	if r, ok := rawControl(out); ok {
		t.Errorf("markdown holds %U raw:\n%s", r, out)
	}
	// In code spans and the code block the escapes show as written.
	for _, want := range []string{"pwned\\x1b[31m\\u202e", "network_acl_id = module.net[\"m\\r::warning::x\"].aws_network_acl.public[\"a\\n::error"} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %s:\n%s", want, out)
		}
	}
}

func TestGitHubEscapesControlCharacters(t *testing.T) {
	r := hostileReport()
	out := format(t, GitHub{}, r)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(r.Findings)+1 {
		t.Fatalf("%d lines for %d findings and the summary:\n%s", len(lines), len(r.Findings), out)
	}
	if !strings.HasPrefix(lines[0], "::error file=main\\n%3A%3Aerror%3A%3Ax.tf,line=4,title=RP001 ") {
		t.Errorf("command line: %s", lines[0])
	}
	if cmds := commandLines(out); len(cmds) != 1 {
		t.Errorf("workflow commands %q, want only the finding's", cmds)
	}
	if r, ok := rawControl(out); ok {
		t.Errorf("github output holds %U raw:\n%s", r, out)
	}
}

func TestJUnitEscapesControlCharacters(t *testing.T) {
	out := format(t, JUnit{}, hostileReport())
	var doc junitDoc
	if err := xml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, out)
	}
	if strings.ContainsRune(out, '\uFFFD') {
		t.Errorf("a character was lost to U+FFFD:\n%s", out)
	}
	if r, ok := rawControl(out); ok {
		t.Errorf("junit holds %U raw:\n%s", r, out)
	}
	if !strings.Contains(out, `pwned\x1b[31m\u202e`) {
		t.Errorf("junit does not show the escape:\n%s", out)
	}
}

// JSON and SARIF keep the plan's text: JSON escapes the control
// characters that could break a line or rewrite a terminal.
func TestJSONKeepsControlCharacters(t *testing.T) {
	for _, f := range []Formatter{JSON{}, SARIF{}} {
		out := format(t, f, hostileReport())
		if i := strings.IndexFunc(out, func(r rune) bool { return r != '\n' && (r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029') }); i >= 0 {
			t.Errorf("%T holds %q raw", f, out[i:i+1])
		}
		if !json.Valid([]byte(out)) {
			t.Fatalf("%T is not JSON", f)
		}
		if !strings.Contains(out, `pwned\u001b[31m`) {
			t.Errorf("%T lost the address as the plan has it", f)
		}
	}
}
