package report

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
)

func TestMarkdown(t *testing.T) {
	m, findings := sample()
	const header = "<!-- hidden -->\n"
	got := format(t, Markdown{Header: header}, New(m, findings, "plan.json", "test"))
	want := header +
		"❌ **returnpath: 1 error, 2 warnings** — 3 NACLs (14 rules) checked\n" +
		"\n" +
		"| | rule | resource | problem |\n" +
		"|---|---|---|---|\n" +
		"| ❌ error | RP001 | `aws_network_acl.public`<br>subnets `aws_subnet.public[\"a\"]` 10.0.1.0/24, `aws_subnet.public[\"b\"]` 10.0.2.0/24 | " +
		"inbound tcp/443 from 0.0.0.0/0 is allowed (ingress rule 100), but replies are dropped: egress to 0.0.0.0/0 misses tcp 1024-65535 (implicit deny)<br>" +
		"e.g. 10.0.1.10:443 → 203.0.113.7:49731 dropped; 100% of Linux clients fail |\n" +
		"| ⚠️ warning | RP006 | `aws_network_acl.public`<br>subnets `aws_subnet.public[\"a\"]` 10.0.1.0/24, `aws_subnet.public[\"b\"]` 10.0.2.0/24 | " +
		"inline ingress blocks and aws\\_network\\_acl\\_rule.extra both manage this NACL |\n" +
		"| ⚠️ warning | RP008 | `aws_network_acl_rule.legacy` | " +
		"network\\_acl\\_id comes from a data source: the rule cannot be linked to a NACL (already so before this plan) |\n" +
		"\n" +
		"**Fixes**\n" +
		"\n" +
		"<details><summary>RP001 on <code>aws_network_acl.public</code>: inbound tcp/443 from 0.0.0.0/0</summary>\n" +
		"\n" +
		"```hcl\n" + strings.TrimSuffix(suggestion, "\n") + "\n```\n" +
		"\n" +
		"</details>\n" +
		"\n" +
		"<sub>returnpath test · plan <code>plan.json</code> · terraform 1.11.4 · 42 resources</sub>\n"
	if got != want {
		t.Errorf("markdown:\n%s\nwant:\n%s", got, want)
	}
	if f, ok := Lookup("markdown"); !ok || f.New(Options{MarkdownHeader: header}) != (Markdown{Header: header}) {
		t.Error("Formats() lacks markdown, or it does not start with Options.MarkdownHeader")
	}
}

func TestMarkdownVerdicts(t *testing.T) {
	m, findings := sample()
	for _, tc := range []struct {
		name     string
		findings []checks.Finding
		want     string
	}{
		{"clean", nil, "✅ **returnpath: no return-path problems** — 3 NACLs (14 rules) checked\n"},
		{"warnings", findings[:2], "⚠️ **returnpath: 0 errors, 2 warnings** — "},
		{"notice", []checks.Finding{{Rule: "RP007", Severity: checks.Notice, Resource: "aws_network_acl.public", Status: checks.New, Message: "m"}},
			"ℹ️ **returnpath: 0 errors, 0 warnings, 1 notice** — "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := format(t, Markdown{}, New(m, tc.findings, "plan.json", "test"))
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("got:\n%s\nwant it to start with:\n%s", got, tc.want)
			}
			if tc.findings == nil && (strings.Contains(got, "|") || strings.Contains(got, "<details>")) {
				t.Errorf("a clean report has a table or fixes:\n%s", got)
			}
		})
	}
	got := format(t, Markdown{Key: "envs/prod_eu@x"}, New(m, nil, "plan.json", "test"))
	if !strings.Contains(got, "✅ **returnpath** `envs/prod_eu@x`: **no return-path problems** — ") {
		t.Errorf("the key is not in the verdict as code:\n%s", got)
	}
}

// TestMarkdownFooter: the commit and the CI run are named when known.
func TestMarkdownFooter(t *testing.T) {
	m, findings := sample()
	got := format(t, Markdown{Commit: "0123456789abcdef0123456789abcdef01234567", FullReportURL: "https://github.example/o/r/actions/runs/1234567890123"}, New(m, findings, "plan.json", "test"))
	if !strings.HasSuffix(got, "· 42 resources · commit <code>0123456</code> · <a href=\"https://github.example/o/r/actions/runs/1234567890123\">CI run</a></sub>\n") {
		t.Errorf("footer lacks the commit and the run:\n%s", got)
	}
	got = format(t, Markdown{Commit: "abcd"}, New(m, nil, "plan.json", "test"))
	if !strings.HasSuffix(got, "· 42 resources · commit <code>abcd</code></sub>\n") {
		t.Errorf("short commit:\n%s", got)
	}
}

func TestMarkdownRefusesInvalidSeverity(t *testing.T) {
	m, findings := sample()
	bad := findings[2]
	bad.Severity = 0
	var b strings.Builder
	if err := (Markdown{}).Format(&b, New(m, []checks.Finding{bad}, "plan.json", "test")); err == nil || b.Len() != 0 {
		t.Errorf("invalid severity: err %v, wrote %q", err, b.String())
	}
}

// TestMarkdownEscaping feeds text that would be markup: it must stay text,
// inside its table cell.
func TestMarkdownEscaping(t *testing.T) {
	f := checks.Finding{
		Rule: "RP008", Severity: checks.Warning, Status: checks.New,
		Resource: "aws_network_acl_rule.r[\"a|b`c\"]",
		Message:  "key <b>x</b> | *bold* _em_ [link](u) ~s~ @team\nsecond line & more",
	}
	got := format(t, Markdown{}, New(nil, []checks.Finding{f}, "plan.json", "test"))
	row := strings.Split(got, "\n")[4]
	wantRow := "| ⚠️ warning | RP008 | ``aws_network_acl_rule.r[\"a\\|b`c\"]`` | " +
		"key &lt;b&gt;x&lt;/b&gt; \\| \\*bold\\* \\_em\\_ \\[link\\](u) \\~s\\~ @&#8203;team<br>second line &amp; more |"
	if row != wantRow {
		t.Errorf("row:\n%s\nwant:\n%s", row, wantRow)
	}
	if cells := strings.Count(strings.ReplaceAll(row, `\|`, ""), "|"); cells != 5 {
		t.Errorf("row has %d unescaped pipes, want 5: %s", cells, row)
	}
}

// TestMarkdownTruncation fills a report past the limit: the body stays
// within it, keeps whole rows before fixes, and says what it left out.
func TestMarkdownTruncation(t *testing.T) {
	m, findings := sample()
	flow := findings[2]
	var many []checks.Finding
	for i := range 2000 {
		f := flow
		f.Resource = plan.Address(fmt.Sprintf("aws_network_acl.n%04d", i))
		many = append(many, f)
	}
	r := New(m, many, "plan.json", "test")

	full := format(t, Markdown{MaxBytes: 1 << 24}, r)
	if strings.Contains(full, "Truncated") || strings.Count(full, "<details>") != 2000 {
		t.Fatalf("a large limit truncated the report (%d bytes)", len(full))
	}

	for _, tc := range []struct {
		name  string
		md    Markdown
		limit int
		note  string
	}{
		{"comment with run link", Markdown{Header: "<!-- hidden -->\n", FullReportURL: "https://github.com/o/r/actions/runs/42"}, MaxCommentBytes,
			"the full report is in [the CI run](https://github.com/o/r/actions/runs/42)."},
		{"no link", Markdown{}, MaxCommentBytes, "run `returnpath check` on the plan for the full report."},
		{"small limit", Markdown{MaxBytes: 5000}, 5000, "Truncated to fit a GitHub comment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, truncated, err := tc.md.Render(r)
			if err != nil {
				t.Fatal(err)
			}
			if !truncated || len(body) > tc.limit || utf8.RuneCountInString(body) > tc.limit {
				t.Errorf("truncated %v, %d bytes, limit %d", truncated, len(body), tc.limit)
			}
			if !strings.HasPrefix(body, tc.md.Header+"❌ **returnpath: 2000 errors") || !strings.Contains(body, tc.note) || !strings.HasSuffix(body, "</sub>\n") {
				t.Errorf("truncated body lacks the header, the verdict, the note %q or the footer:\n%s…%s", tc.note, body[:min(len(body), 200)], body[max(0, len(body)-600):])
			}
			rows := strings.Count(body, "\n| ❌ error | RP001 |")
			note := fmt.Sprintf("%d of 2000 findings and 0 of 2000 fixes are shown", rows)
			if rows == 0 || rows == 2000 || !strings.Contains(body, note) || strings.Contains(body, "<details>") {
				t.Errorf("%d rows shown; want some rows, no fixes and %q", rows, note)
			}
			// Whole rows only: the last row before the note is complete.
			last := body[:strings.Index(body, "\n> [!WARNING]")]
			if !strings.HasSuffix(last, "clients fail |\n") {
				t.Errorf("a row was cut:\n…%s", last[max(0, len(last)-200):])
			}
		})
	}

	// All rows fit but not all fixes: fixes are cut, whole.
	few := New(m, many[:40], "plan.json", "test")
	whole := format(t, Markdown{MaxBytes: 1 << 20}, few)
	limit := len(whole) - 1000
	body, truncated, err := Markdown{MaxBytes: limit}.Render(few)
	if err != nil {
		t.Fatal(err)
	}
	fixes := strings.Count(body, "<details>")
	if !truncated || len(body) > limit || strings.Count(body, "| RP001 |") != 40 || fixes == 0 || fixes == 40 ||
		strings.Count(body, "</details>") != fixes || !strings.Contains(body, fmt.Sprintf("40 of 40 findings and %d of 40 fixes", fixes)) {
		t.Errorf("fix truncation: truncated %v, %d bytes (limit %d), %d fixes:\n%s", truncated, len(body), limit, fixes, body)
	}

	if _, _, err := (Markdown{MaxBytes: 100}).Render(r); err == nil {
		t.Error("a limit with no room for findings gave no error")
	}
	if _, _, err := (Markdown{MaxBytes: 50}).Render(New(m, nil, "plan.json", "test")); err == nil {
		t.Error("a clean report over the limit gave no error")
	}
}

func TestFindingBodyWithoutFlow(t *testing.T) {
	f := checks.Finding{
		Rule: "RP008", Severity: checks.Warning, Resource: `aws_network_acl_rule.legacy["a*b|c"]`, Status: checks.Existing,
		Message: "network_acl_id comes from a data source:\nthe rule <x> cannot be linked to a NACL",
	}
	body := Markdown{}.FindingBody(Finding{Finding: f}, nil)
	for _, want := range []string{
		// Outside a table a pipe in code stays as it is.
		"**warning RP008** on `aws_network_acl_rule.legacy[\"a*b|c\"]` (already so before this plan)\n\n",
		"network\\_acl\\_id comes from a data source:; the rule &lt;x&gt; cannot be linked to a NACL\n\n",
		"**About RP008:** The plan holds",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	for _, unwanted := range []string{"**Fix:**", "**Subnets:**", "Dropped reply", "<br>"} {
		if strings.Contains(body, unwanted) {
			t.Errorf("body has %q:\n%s", unwanted, body)
		}
	}
}

func TestFindingBodyWithDeny(t *testing.T) {
	f := checks.Finding{
		Rule: "RP002", Severity: checks.Warning, Resource: "aws_network_acl.private", Status: checks.New, Message: "m",
		Subnets: []checks.SubnetRef{{Address: "aws_subnet.a", CIDR: "10.0.1.0/24"}, {Address: "aws_subnet.b"}},
		Flow: &checks.Flow{
			Direction: plan.Egress, Family: plan.IPv6, Protocol: plan.ProtocolUDP,
			PeerCIDR: netip.MustParsePrefix("::/0"), ServicePorts: plan.PortRange{Lo: 53, Hi: 53},
			ClientPorts:  plan.PortRange{Lo: 1024, Hi: 65535},
			MissingPorts: []plan.PortRange{{Lo: 1024, Hi: 32767}, {Lo: 61000, Hi: 65535}},
			BlockingRule: &checks.RuleRef{Address: "aws_network_acl_rule.deny", Number: 90},
			Witness:      checks.Packet{Protocol: plan.ProtocolUDP, Dst: netip.MustParseAddrPort("[2001:db8::7]:1024")},
			FailingShare: 0.004,
			Suggestion:   "ingress {\n  x = \"```\"\n}\n",
		},
	}
	f.Rule = "RP999" // a rule without a check: no "About" line
	body := Markdown{}.FindingBody(Finding{Finding: f}, nil)
	for _, want := range []string{
		"**warning RP999** on `aws_network_acl.private` (new in this plan)\n\nm\n\n",
		"- **Subnets:** `aws_subnet.a` 10.0.1.0/24, `aws_subnet.b`\n",
		"- **Replies must reach:** udp 1024-65535 (the clients' ephemeral ports)\n",
		"- **Missing:** udp 1024-32767, 61000-65535, dropped by `aws_network_acl_rule.deny` rule 90\n",
		"- **Dropped reply, e.g.:** the reply to `[2001:db8::7]:1024`; <1% of Linux clients fail\n\n",
		"**Fix:**\n\n````hcl\ningress {\n  x = \"```\"\n}\n````",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "About") || strings.HasSuffix(body, "\n") {
		t.Errorf("body with an About line or a trailing newline:\n%s", body)
	}
	f.Flow.Witness.Src = netip.MustParseAddrPort("[2001:db8::1]:53")
	if body := (Markdown{}).FindingBody(Finding{Finding: f}, nil); !strings.Contains(body, "e.g.:** `[2001:db8::1]:53 → [2001:db8::7]:1024`; ") {
		t.Errorf("witness with both ends:\n%s", body)
	}
}

func TestMarkdownHelpers(t *testing.T) {
	for in, want := range map[string]string{
		"":                      "",
		`aws_subnet.x`:          "`aws_subnet.x`",
		"aws_subnet.x[\"a`b\"]": "``aws_subnet.x[\"a`b\"]``",
		"`edge":                 "`` `edge ``",
		"a``b":                  "```a``b```",
		"a|b\nc":                "`a|b\\nc`", // escapeControl's, as in text
	} {
		if got := code(in); got != want {
			t.Errorf("code(%q) = %q, want %q", in, got, want)
		}
	}
	if got, want := tableCode("a|b"), "`a\\|b`"; got != want {
		t.Errorf("tableCode: %q, want %q", got, want)
	}
	if got, want := codeBlock("hcl", "a\n```\nb\n"), "````hcl\na\n```\nb\n````"; got != want {
		t.Errorf("codeBlock: %q, want %q", got, want)
	}
	for share, want := range map[float64]string{0: "0%", 0.004: "<1%", 0.5: "50%", 0.996: ">99%", 1: "100%"} {
		if got := percent(share); got != want {
			t.Errorf("percent(%v) = %q, want %q", share, got, want)
		}
	}
}

func TestVerdict(t *testing.T) {
	for _, tc := range []struct {
		summary  Summary
		findings int
		want     string
	}{
		{Summary{NACLs: 3}, 0, "no return-path problems in 3 NACLs"},
		{Summary{NACLs: 1}, 0, "no return-path problems in 1 NACL"},
		{Summary{NACLs: 2, Suppressed: 1}, 0, "no return-path problems in 2 NACLs (1 finding suppressed)"},
		{Summary{Errors: 1, NACLs: 1, Rules: 1}, 1, "1 error, 0 warnings — 1 NACL (1 rule) checked"},
		{Summary{Warnings: 2, Notices: 1, NACLs: 2, Rules: 9}, 3, "0 errors, 2 warnings, 1 notice — 2 NACLs (9 rules) checked"},
		{Summary{Warnings: 1, Suppressed: 2, NACLs: 2, Rules: 4}, 1, "0 errors, 1 warning, 2 findings suppressed — 2 NACLs (4 rules) checked"},
	} {
		r := &Report{Summary: tc.summary, Findings: make([]Finding, tc.findings)}
		if got := r.Verdict(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.summary, got, tc.want)
		}
	}
}
