package report

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
)

func TestMarkdown(t *testing.T) {
	m, findings := sample()
	got := format(t, Markdown{}, New(m, findings, "plan.json", "test"))
	want := "<!-- returnpath -->\n" +
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
		"network\\_acl\\_id comes from a data source: the rule cannot be linked to a NACL (already broken today) |\n" +
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
	if f, ok := Lookup("markdown"); !ok || f.New(Options{}) != (Markdown{}) {
		t.Error("Formats() lacks markdown, or it is not the plain report")
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
			if !strings.HasPrefix(got, Marker+"\n"+tc.want) {
				t.Errorf("got:\n%s\nwant it to start with:\n%s%s", got, Marker+"\n", tc.want)
			}
			if tc.findings == nil && (strings.Contains(got, "|") || strings.Contains(got, "<details>")) {
				t.Errorf("a clean report has a table or fixes:\n%s", got)
			}
		})
	}
	got := format(t, Markdown{Meta: CommentMeta{Key: "envs/prod_eu@x"}}, New(m, nil, "plan.json", "test"))
	if !strings.Contains(got, "✅ **returnpath** `envs/prod_eu@x`: **no return-path problems** — ") {
		t.Errorf("the key is not in the verdict as code:\n%s", got)
	}
}

func TestCommentMeta(t *testing.T) {
	m, findings := sample()
	meta := CommentMeta{Key: "envs/prod", HeadSHA: "0123456789abcdef0123456789abcdef01234567", RunID: 1234567890123}
	got := format(t, Markdown{Meta: meta, FullReportURL: "https://github.example/o/r/actions/runs/1234567890123"}, New(m, findings, "plan.json", "test"))
	wantHead := "<!-- returnpath -->\n<!-- returnpath:envs/prod -->\n<!-- returnpath-run: sha=0123456789abcdef0123456789abcdef01234567 run_id=1234567890123 -->\n"
	if !strings.HasPrefix(got, wantHead) {
		t.Errorf("hidden lines:\n%s\nwant:\n%s", got, wantHead)
	}
	if !strings.Contains(got, "commit <code>0123456</code> · <a href=\"https://github.example/o/r/actions/runs/1234567890123\">CI run</a></sub>\n") {
		t.Errorf("footer lacks the commit and the run:\n%s", got)
	}
	if back, ok := ParseCommentMeta(got); !ok || back != meta {
		t.Errorf("ParseCommentMeta = %+v, %v; want %+v", back, ok, meta)
	}

	// No key: no key line; the run line alone.
	got = format(t, Markdown{Meta: CommentMeta{RunID: 7}}, New(m, nil, "plan.json", "test"))
	if !strings.HasPrefix(got, "<!-- returnpath -->\n<!-- returnpath-run: run_id=7 -->\n✅") {
		t.Errorf("run line without key:\n%s", got)
	}
}

func TestParseCommentMeta(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		want CommentMeta
		ok   bool
	}{
		{"plain", "<!-- returnpath -->\n✅ clean", CommentMeta{}, true},
		{"key", "<!-- returnpath -->\n<!-- returnpath:a -->\nx", CommentMeta{Key: "a"}, true},
		{"crlf from the web editor", "<!-- returnpath -->\r\n<!-- returnpath:a -->\r\n<!-- returnpath-run: sha=abcd run_id=9 -->\r\nx", CommentMeta{Key: "a", HeadSHA: "abcd", RunID: 9}, true},
		{"marker only", "<!-- returnpath -->", CommentMeta{}, true},
		{"not first", "hello\n<!-- returnpath -->", CommentMeta{}, false},
		{"quoted by a person", "> <!-- returnpath -->\nme too", CommentMeta{}, false},
		{"other bot", "<!-- tfcmt -->\nplan", CommentMeta{}, false},
		{"marker with text after it", "<!-- returnpath --> hi", CommentMeta{}, false},
		{"empty", "", CommentMeta{}, false},
		{"hidden lines end at the text", "<!-- returnpath -->\nverdict\n<!-- returnpath:late -->", CommentMeta{}, true},
		{"unreadable run fields", "<!-- returnpath -->\n<!-- returnpath-run: sha=not-hex run_id=-3 future=1 -->", CommentMeta{}, true},
		{"invalid key", "<!-- returnpath -->\n<!-- returnpath:a b -->", CommentMeta{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ParseCommentMeta(tc.body)
			if got != tc.want || ok != tc.ok {
				t.Errorf("ParseCommentMeta(%q) = %+v, %v; want %+v, %v", tc.body, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestMarkdownRefusesBadMeta(t *testing.T) {
	m, findings := sample()
	for _, meta := range []CommentMeta{
		{Key: "a -->"}, {Key: "a--b"}, {Key: strings.Repeat("k", 101)}, {Key: "with space"},
		{HeadSHA: "main"}, {HeadSHA: "abc -->"}, {RunID: -1},
	} {
		var b strings.Builder
		if err := (Markdown{Meta: meta}).Format(&b, New(m, findings, "plan.json", "test")); err == nil || b.Len() != 0 {
			t.Errorf("%+v: err %v, wrote %d bytes", meta, err, b.Len())
		}
	}
	for _, key := range []string{"prod", "envs/prod", "eu-west-1.vpc_a", "ws:staging", "team@x", "a=b+c"} {
		if err := ValidateKey(key); err != nil {
			t.Errorf("ValidateKey(%q): %v", key, err)
		}
	}
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
	row := strings.Split(got, "\n")[5]
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
		{"comment with run link", Markdown{FullReportURL: "https://github.com/o/r/actions/runs/42"}, MaxCommentBytes,
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
			if !strings.HasPrefix(body, Marker+"\n") || !strings.Contains(body, tc.note) || !strings.HasSuffix(body, "</sub>\n") {
				t.Errorf("truncated body lacks the marker, the note %q or the footer:\n…%s", tc.note, body[max(0, len(body)-600):])
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
