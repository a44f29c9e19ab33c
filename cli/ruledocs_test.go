package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/internal/golden"
)

// ruleDocsDir holds one generated page per rule, docs/rules/RPnnn.md, from
// the repository root. SARIF help and the README link to these pages.
const ruleDocsDir = "docs/rules"

// ruleExample names the fixtures a rule's page shows. broken must make the
// rule report; fixed (when set) must hold the fixedBlocks with no finding of
// the rule on them. Without fixed, the page shows the broken blocks with
// the findings' suggested fixes applied.
type ruleExample struct {
	broken      string   // fixture directory under fixtures/
	extraBlocks []string // blocks shown besides those the findings name
	fixed       string   // fixture directory, or "" for "the fix applied"
	fixedBlocks []string // addresses of the blocks shown from fixed
}

// ruleExamples picks, for each rule, the fixtures that show it best. A rule
// missing here gets the first fixture whose "# expect:" lines name it, with
// its fix applied: adding a rule needs no entry, only a fixture.
var ruleExamples = map[string]ruleExample{
	"RP001": {broken: "web-missing-return", fixed: "web-ok", fixedBlocks: []string{"aws_network_acl.public"}},
	"RP002": {broken: "udp-dns-internet"},
	"RP003": {
		broken: "alb-narrow-return", extraBlocks: []string{"aws_security_group.app"},
		fixed: "ecs-service", fixedBlocks: []string{"aws_security_group.task", "aws_network_acl.app"},
	},
	"RP004": {
		broken: "nat-gateway-return",
		fixed:  "ecs-service", fixedBlocks: []string{"aws_network_acl.public"},
	},
	"RP005": {
		broken: "sg-ephemeral-world", extraBlocks: []string{"aws_vpc_security_group_ingress_rule.web_udp_return"},
		fixed: "ecs-service", fixedBlocks: []string{"aws_security_group.alb"},
	},
	"RP006": {
		broken: "mixed-inline-standalone", extraBlocks: []string{"aws_network_acl_rule.ssh_from_corp"},
		fixed:       "update-standalone-unchanged",
		fixedBlocks: []string{"aws_network_acl.public", "aws_network_acl_rule.https_in", "aws_network_acl_rule.return_out"},
	},
	"RP007": {broken: "icmp-pmtud", fixed: "icmp-pmtud", fixedBlocks: []string{"aws_network_acl.fixed"}},
	"RP008": {
		broken: "unlinked-rule-uncertain", extraBlocks: []string{"locals", "terraform_data.acl_id"},
		fixed: "local-reference", fixedBlocks: []string{"locals", "aws_network_acl_rule.ssh_in"},
	},
	"RP009": {broken: "ignore-comment", fixed: "ignore-comment", fixedBlocks: []string{"aws_network_acl.legacy"}},
}

// TestRuleDocs generates docs/rules/RPnnn.md from checks.All() (ID,
// Severity, Title, Doc, Explain: the texts of `returnpath rules`, `returnpath
// explain` and SARIF help) and from what `returnpath check` reports on real
// fixtures, so that the pages cannot drift from the code: go test ./...
// fails when a page differs, and go test ./... -update rewrites it.
func TestRuleDocs(t *testing.T) {
	t.Chdir("..") // fixture paths as a user in the repository root sees them
	want := map[string]bool{}
	for _, c := range checks.All() {
		file := path.Join(ruleDocsDir, c.ID+".md")
		want[file] = true
		t.Run(c.ID, func(t *testing.T) {
			ex, ok := ruleExamples[c.ID]
			if !ok {
				ex = defaultExample(t, c.ID)
			}
			golden.Check(t, file, rulePage(t, c, ex))
		})
	}
	for id := range ruleExamples {
		if !want[path.Join(ruleDocsDir, id+".md")] {
			t.Errorf("ruleExamples has %s, which checks.All() does not have", id)
		}
	}
	pages, err := filepath.Glob(filepath.Join(ruleDocsDir, "RP*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		if !want[filepath.ToSlash(p)] {
			golden.Absent(t, p) // a rule checks.All() no longer has
		}
	}
}

// defaultExample is the first fixture (by name) whose expectations name the
// rule unsuppressed, shown with its fix applied.
func defaultExample(t *testing.T, id string) ruleExample {
	t.Helper()
	mains, err := filepath.Glob("fixtures/*/main.tf")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mains {
		want, err := expectations(m)
		if err != nil {
			continue // the large plan's tiers; TestGolden reports real mistakes
		}
		for e := range want {
			if e.rule == id && e.suppressed == "" {
				return ruleExample{broken: filepath.Base(filepath.Dir(m))}
			}
		}
	}
	t.Fatalf("no fixture expects %s: add one (see CONTRIBUTING.md)", id)
	return ruleExample{}
}

// docFinding is what a page needs of a finding in the JSON report.
type docFinding struct {
	Rule       string
	Resource   string
	Suppressed *struct{ Kind string }
	Message    string
	Suggestion string
}

// checkFixture runs `returnpath check` on a fixture, as text (what the page
// shows) and as JSON (what it reads).
func checkFixture(t *testing.T, fixture string) (cmd string, text result, findings []docFinding) {
	t.Helper()
	planArg := path.Join("fixtures", fixture, "plan.json")
	text = run(testOptions, "", "check", "--no-color", planArg)
	js := run(testOptions, "", "check", "--format", "json", planArg)
	if js.code == ExitError || text.code != js.code {
		t.Fatalf("check %s: exit %d (text %d): %s", planArg, js.code, text.code, js.stderr)
	}
	var doc struct{ Findings []docFinding }
	if err := json.Unmarshal([]byte(js.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	return "returnpath check " + planArg, text, doc.Findings
}

func rulePage(t *testing.T, c *checks.Check, ex ruleExample) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "<!-- Generated from checks.All() and fixtures/ by TestRuleDocs (cli/ruledocs_test.go): edit those, then run go test ./... -update. -->\n\n")
	fmt.Fprintf(&b, "# %s: %s\n\n", c.ID, c.Title)
	other := checks.Notice // a severity to show in the example, not the default
	if c.Severity == checks.Notice {
		other = checks.Warning
	}
	fmt.Fprintf(&b, "Default severity: **%s**. A `.returnpath.hcl` can change it "+
		"(`rule \"%s\" { severity = \"%s\" }`) or turn the rule off "+
		"(`rule \"%s\" { enabled = false }`); see [configuration](../configuration.md).\n\n", c.Severity, c.ID, other, c.ID)
	if src, _ := filepath.Glob("checks/" + strings.ToLower(c.ID) + "_*.go"); len(src) > 0 {
		var links []string
		for _, s := range src {
			links = append(links, fmt.Sprintf("[%s](../../%s)", s, s))
		}
		fmt.Fprintf(&b, "Code and tests: %s.\n\n", strings.Join(links, ", "))
	}
	b.WriteString(c.Doc + "\n\n")
	fmt.Fprintf(&b, "## Explanation\n\n`returnpath explain %s` prints the paragraph above, then this:\n\n", c.ID)
	b.WriteString(explainMarkdown(c.Explain))

	cmd, out, findings := checkFixture(t, ex.broken)
	var mine []docFinding
	for _, f := range findings {
		if f.Rule == c.ID && f.Suppressed == nil {
			mine = append(mine, f)
		}
	}
	if len(mine) == 0 {
		t.Fatalf("fixtures/%s is the broken example of %s, but check reports no unsuppressed %s finding on it", ex.broken, c.ID, c.ID)
	}
	var blocks []string
	for _, f := range mine {
		blocks = append(blocks, f.Resource)
	}
	blocks = append(blocks, ex.extraBlocks...)
	mainTF := path.Join("fixtures", ex.broken, "main.tf")
	brokenHCL := excerpt(t, mainTF, blocks)

	b.WriteString("## Example\n\n")
	if c.ID == checks.ExpiredIgnore {
		fmt.Fprintf(&b, "The reports below read expiry dates on %s, the day the tests use.\n\n", testOptions.Now().Format(time.DateOnly))
	}
	fmt.Fprintf(&b, "### Broken\n\nFrom [%s](../../%s):\n\n", mainTF, mainTF)
	fence(&b, "hcl", brokenHCL)
	fmt.Fprintf(&b, "`%s` prints (exit %d):\n\n", cmd, out.code)
	fence(&b, "text", out.stdout)

	b.WriteString("### The fix\n\n")
	var fixes []string
	for _, f := range mine {
		if f.Suggestion != "" {
			fixes = append(fixes, f.Suggestion)
		}
	}
	if len(fixes) > 0 {
		what := "What the " + c.ID + " finding suggests"
		if len(fixes) > 1 {
			what = "What the " + c.ID + " findings suggest"
		}
		fmt.Fprintf(&b, "%s (the `fix:` of the text report, `suggestion` in JSON):\n\n", what)
		fence(&b, "hcl", strings.Join(fixes, "\n\n")+"\n")
	} else {
		b.WriteString("The finding carries no HCL: its message says what to do.\n\n")
		for _, m := range uniq(mine, func(f docFinding) string { return f.Message }) {
			fmt.Fprintf(&b, "> %s\n\n", m)
		}
	}

	b.WriteString("### Fixed\n\n")
	switch {
	case ex.fixed == "":
		fixed := applyFixes(t, brokenHCL, mine)
		fmt.Fprintf(&b, "The broken configuration with the suggested fix applied (no fixture plans it, so it is not checked here):\n\n")
		fence(&b, "hcl", fixed)
	default:
		fixedTF := path.Join("fixtures", ex.fixed, "main.tf")
		fixedCmd, fixedOut, fixedFindings := checkFixture(t, ex.fixed)
		for _, f := range fixedFindings {
			if f.Rule == c.ID && slices.Contains(ex.fixedBlocks, f.Resource) {
				t.Fatalf("fixtures/%s is the fixed example of %s, but check reports %s on %s", ex.fixed, c.ID, c.ID, f.Resource)
			}
		}
		fmt.Fprintf(&b, "From [%s](../../%s):\n\n", fixedTF, fixedTF)
		fence(&b, "hcl", excerpt(t, fixedTF, ex.fixedBlocks))
		if ex.fixed == ex.broken {
			fmt.Fprintf(&b, "In the same plan, `%s` reports no %s finding on %s.\n", fixedCmd, c.ID, andList(ex.fixedBlocks))
		} else {
			fmt.Fprintf(&b, "`%s` reports no %s finding on %s (exit %d):\n\n", fixedCmd, c.ID, andList(ex.fixedBlocks), fixedOut.code)
			fence(&b, "text", fixedOut.stdout)
		}
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

// explainMarkdown turns Check.Explain (plain text for a terminal) into
// markdown: paragraphs indented throughout are code (consecutive ones one
// block), the rest is prose.
func explainMarkdown(explain string) string {
	var b strings.Builder
	var code []string // the lines of the code block being gathered
	flush := func() {
		if len(code) == 0 {
			return
		}
		lang := "text"
		if first := strings.TrimSpace(code[0]); strings.HasSuffix(first, "{") || strings.HasPrefix(first, "#") ||
			strings.HasPrefix(first, "locals") || strings.HasPrefix(first, "resource") {
			lang = "hcl"
		}
		fence(&b, lang, dedent(code))
		code = nil
	}
	for _, para := range strings.Split(strings.TrimSpace(explain), "\n\n") {
		lines := strings.Split(para, "\n")
		indented := true
		for _, l := range lines {
			if !strings.HasPrefix(l, "  ") {
				indented = false
			}
		}
		if !indented {
			flush()
			b.WriteString(para + "\n\n")
			continue
		}
		if len(code) > 0 {
			code = append(code, "")
		}
		code = append(code, lines...)
	}
	flush()
	return b.String()
}

// dedent removes the indentation the lines share.
func dedent(lines []string) string {
	common := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if n := len(l) - len(strings.TrimLeft(l, " ")); common < 0 || n < common {
			common = n
		}
	}
	var b strings.Builder
	for _, l := range lines {
		if len(l) >= common {
			l = l[common:]
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}

func fence(b *strings.Builder, lang, body string) {
	fmt.Fprintf(b, "```%s\n%s", lang, body)
	if !strings.HasSuffix(body, "\n") {
		b.WriteString("\n")
	}
	b.WriteString("```\n\n")
}

// excerpt returns the top-level blocks of a .tf file that the addresses
// name ("aws_network_acl.public", an instance key is ignored; "locals"), in
// file order, each with the comment lines directly above it.
func excerpt(t *testing.T, file string, addresses []string) string {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	f, diags := hclsyntax.ParseConfig(src, file, hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	lines := strings.Split(string(src), "\n")
	var ranges []hcl.Range
	for _, a := range addresses {
		name := a
		if i := strings.IndexByte(name, '['); i >= 0 {
			name = name[:i]
		}
		found := false
		for _, blk := range f.Body.(*hclsyntax.Body).Blocks {
			if strings.Join(append([]string{blk.Type}, blk.Labels...), ".") == "resource."+name || (len(blk.Labels) == 0 && blk.Type == name) {
				if !slices.Contains(ranges, blk.Range()) {
					ranges = append(ranges, blk.Range())
				}
				found = true
			}
		}
		if !found {
			t.Fatalf("%s has no block for %s", file, a)
		}
	}
	slices.SortFunc(ranges, func(a, b hcl.Range) int { return a.Start.Line - b.Start.Line })
	var parts []string
	for _, r := range ranges {
		start := r.Start.Line - 1 // 0-based index of the block's first line
		for start > 0 && strings.HasPrefix(strings.TrimSpace(lines[start-1]), "#") && !isHeader(lines, start-1) {
			start--
		}
		parts = append(parts, strings.Join(lines[start:r.End.Line], "\n"))
	}
	return strings.Join(parts, "\n\n") + "\n"
}

// isHeader reports whether line i belongs to the comment block that opens
// the file (the scenario and its "# expect:" lines), which no excerpt shows.
func isHeader(lines []string, i int) bool {
	for _, l := range lines[:i+1] {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			return false
		}
	}
	return true
}

// applyFixes adds each finding's suggestion to the excerpt: an inline block
// ("# add to ADDRESS, next to its other egress blocks") at the end of that
// resource's block, a standalone resource after the excerpt.
func applyFixes(t *testing.T, hclText string, findings []docFinding) string {
	t.Helper()
	text := strings.TrimRight(hclText, "\n")
	for _, f := range findings {
		if f.Suggestion == "" {
			t.Fatalf("%s on %s suggests no fix: give the rule a fixed fixture in ruleExamples", f.Rule, f.Resource)
		}
		head, body, _ := strings.Cut(f.Suggestion, "\n")
		if !strings.HasPrefix(head, "# add to ") {
			text += "\n\n" + f.Suggestion
			continue
		}
		// The resource block is the excerpt's block whose header names it;
		// its closing brace is the first line "}" after that header.
		typ, name, _ := strings.Cut(strings.Fields(strings.TrimPrefix(head, "# add to "))[0], ".")
		name = strings.TrimSuffix(name, ",")
		if i := strings.IndexByte(name, '['); i >= 0 {
			name = name[:i]
		}
		lines := strings.Split(text, "\n")
		header := fmt.Sprintf("resource %q %q {", typ, name)
		at := slices.Index(lines, header)
		if at < 0 {
			t.Fatalf("the excerpt has no %s block for the fix %q", header, head)
		}
		end := at + slices.Index(lines[at:], "}")
		inserted := append([]string{""}, strings.Split(body, "\n")...)
		lines = slices.Insert(lines, end, inserted...)
		text = strings.Join(lines, "\n")
	}
	formatted := hclwrite.Format([]byte(text + "\n"))
	if _, diags := hclsyntax.ParseConfig(formatted, "fixed.tf", hcl.InitialPos); diags.HasErrors() {
		t.Fatalf("the fix applied does not parse: %s\n%s", diags, formatted)
	}
	return string(formatted)
}

func uniq[T any](xs []T, key func(T) string) []string {
	var out []string
	for _, x := range xs {
		if k := key(x); !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

func andList(xs []string) string {
	if len(xs) <= 1 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}
