package report

import (
	"cmp"
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/internal/oneline"
	"github.com/returnpath-dev/returnpath/plan"
)

// MaxCommentBytes is GitHub's limit on a comment body (65,536 characters).
// The markdown format counts bytes, which are never fewer than characters.
const MaxCommentBytes = 65536

// Markdown is the one markdown renderer: GitHub-flavoured markdown of a
// report, with one escaping of plan-derived text, one way to write code
// and fixes, and the same wording, in two layouts:
//
//   - Render and Format write the report as a pull-request comment body
//     (SPEC.md "Integrations"; what `returnpath comment` posts and
//     `returnpath check --format markdown` prints): Header, a one-line
//     verdict, a table of the findings, each fix in a collapsed <details>,
//     and a footer. A body that would exceed MaxBytes keeps every part it
//     can whole and ends with a note that says what was left out and where
//     the full report is.
//   - FindingBody writes one finding on its own page (an HCP Terraform
//     run-task outcome): what is broken, one dropped packet, the fix and
//     what the rule is about.
//
// The fields shape the comment body; FindingBody reads none of them.
type Markdown struct {
	// Header is written first, verbatim: the hidden lines by which the
	// pull-request comment is found again (prcomment.CommentMeta.Header).
	// Each line ends in "\n"; "" writes none.
	Header string
	// Key names the report in the verdict when a pull request has several
	// (one per workspace or directory); "" for none.
	Key string
	// Commit is the commit the plan was made for, named in the footer; ""
	// when unknown.
	Commit string
	// FullReportURL is where the complete report is (the CI run); "" when
	// there is none.
	FullReportURL string
	// MaxBytes bounds the body; 0 means MaxCommentBytes.
	MaxBytes int
}

// Format writes r as markdown.
func (m Markdown) Format(w io.Writer, r *Report) error {
	body, _, err := m.Render(r)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, body)
	return err
}

// Render returns the body and whether parts of the report were left out to
// keep it within MaxBytes.
func (m Markdown) Render(r *Report) (body string, truncated bool, err error) {
	limit := m.MaxBytes
	if limit == 0 {
		limit = MaxCommentBytes
	}
	head := m.Header + m.verdict(r) + "\n"
	footer := "\n" + m.footer(r) + "\n"
	shown := r.Shown()
	if len(shown) == 0 {
		body = head + footer
		if len(body) > limit {
			return "", false, fmt.Errorf("a report without findings needs %d bytes, more than the limit of %d", len(body), limit)
		}
		return body, false, nil
	}

	rows := make([]string, 0, len(shown))
	var fixes []string
	for i, f := range shown {
		row, err := tableRow(f)
		if err != nil {
			return "", false, fmt.Errorf("finding %d (%s %s): %v", i+1, f.Rule, f.Resource, err)
		}
		rows = append(rows, row)
		if fix := fixDetails(f); fix != "" {
			fixes = append(fixes, fix)
		}
	}

	drawn, broken := m.brokenPaths(r, shown)
	whole := func(diagrams int) string {
		var b strings.Builder
		b.WriteString(head)
		b.WriteString(tableHead)
		for _, row := range rows {
			b.WriteString(row)
		}
		if len(fixes) > 0 {
			b.WriteString(fixesHead)
			for _, fix := range fixes {
				b.WriteString(fix)
			}
		}
		b.WriteString(pathsSection(drawn[:diagrams], broken))
		b.WriteString(footer)
		return b.String()
	}
	// Every finding and fix, with as many of the worst paths drawn as fit;
	// the others are counted.
	for k := len(drawn); k >= 0; k-- {
		if body := whole(k); len(body) <= limit {
			return body, false, nil
		}
	}

	// Too long: keep whole rows first (every finding named), then whole
	// fixes, and say what is missing. The note is longest when every count
	// is at its total, so reserving that much always leaves room for it.
	reserve := len(m.truncationNote(len(rows), len(rows), len(fixes), len(fixes)))
	budget := limit - len(head) - len(tableHead) - len(fixesHead) - len(footer) - reserve
	if budget < 0 {
		return "", false, fmt.Errorf("the limit of %d bytes leaves no room for findings", limit)
	}
	var b strings.Builder
	b.WriteString(head)
	b.WriteString(tableHead)
	shownRows := 0
	for _, row := range rows {
		if len(row) > budget {
			break
		}
		b.WriteString(row)
		budget -= len(row)
		shownRows++
	}
	shownFixes := 0
	if shownRows == len(rows) {
		for _, fix := range fixes {
			if len(fix) > budget {
				break
			}
			if shownFixes == 0 {
				b.WriteString(fixesHead)
			}
			b.WriteString(fix)
			budget -= len(fix)
			shownFixes++
		}
	}
	b.WriteString(m.truncationNote(shownRows, len(rows), shownFixes, len(fixes)))
	b.WriteString(footer)
	return b.String(), true, nil
}

const (
	tableHead = "\n| | rule | resource | problem |\n|---|---|---|---|\n"
	fixesHead = "\n**Fixes**\n"
)

func (m Markdown) truncationNote(shownRows, rows, shownFixes, fixes int) string {
	where := "run `returnpath check` on the plan for the full report."
	if m.FullReportURL != "" {
		where = "the full report is in [the CI run](" + markdownURL(m.FullReportURL) + ")."
	}
	return fmt.Sprintf("\n> [!WARNING]\n> Truncated to fit a GitHub comment: %d of %d findings and %d of %d fixes are shown; %s\n",
		shownRows, rows, shownFixes, fixes, where)
}

// verdict is the one line that says how the plan fared.
func (m Markdown) verdict(r *Report) string {
	s := r.Summary
	checked := naclsChecked(s) + " checked" + r.Scope()
	icon := "✅"
	switch {
	case s.Errors > 0:
		icon = iconOf(checks.Error)
	case s.Warnings > 0:
		icon = iconOf(checks.Warning)
	case len(r.Shown()) > 0:
		icon = iconOf(checks.Notice)
	}
	if m.Key != "" {
		// The key in code: it may hold "_" or "@", which are markup.
		return fmt.Sprintf("%s **returnpath** %s: **%s** — %s", icon, tableCode(m.Key), r.Tally(), checked)
	}
	return fmt.Sprintf("%s **returnpath: %s** — %s", icon, r.Tally(), checked)
}

func iconOf(s checks.Severity) string {
	switch s {
	case checks.Error:
		return "❌"
	case checks.Warning:
		return "⚠️"
	}
	return "ℹ️"
}

// footer names what was checked: the version, the plan, terraform, the
// commit and the run.
func (m Markdown) footer(r *Report) string {
	parts := []string{"returnpath " + html.EscapeString(escapeControl(r.Version)), "plan <code>" + html.EscapeString(escapeControl(r.Plan.File)) + "</code>"}
	if r.Plan.TerraformVersion != "" {
		parts = append(parts, "terraform "+html.EscapeString(escapeControl(r.Plan.TerraformVersion)))
	}
	parts = append(parts, plural(r.Plan.Resources, "resource"))
	if sha := m.Commit; sha != "" {
		parts = append(parts, "commit <code>"+sha[:min(len(sha), 7)]+"</code>")
	}
	if m.FullReportURL != "" {
		parts = append(parts, `<a href="`+html.EscapeString(m.FullReportURL)+`">CI run</a>`)
	}
	return "<sub>" + strings.Join(parts, " · ") + "</sub>"
}

// tableRow is one finding as a table row, ending in "\n".
func tableRow(f Finding) (string, error) {
	sev, err := f.Severity.MarshalText()
	if err != nil {
		return "", err
	}
	if _, err := f.Status.MarshalText(); err != nil {
		return "", err
	}
	resource := tableCode(string(f.Resource))
	if f.Plan != "" {
		resource = "plan " + tableCode(f.Plan) + ":<br>" + resource
	}
	if f.Location.IsValid() {
		resource += "<br>" + tableCode(f.Location.String())
	}
	if where := subnetsCell(f); where != "" {
		resource += "<br>" + where
	}
	problem := escapeText(f.Message)
	if f.Status == checks.Existing {
		problem += " (" + existingNote(f) + ")"
	}
	if f.Flow != nil {
		problem += "<br>" + escapeText(witnessLine(f.Flow))
	}
	cells := []string{iconOf(f.Severity) + " " + string(sev), f.Rule, resource, problem}
	return "| " + strings.Join(cells, " | ") + " |\n", nil
}

// maxSubnetsNamed keeps rows of NACLs with many subnets short.
const maxSubnetsNamed = 3

func subnetsCell(f Finding) string {
	var named []string
	for i, s := range f.Subnets {
		if i == maxSubnetsNamed {
			named = append(named, fmt.Sprintf("%d more", len(f.Subnets)-maxSubnetsNamed))
			break
		}
		named = append(named, strings.TrimSpace(tableCode(string(s.Address))+" "+escapeText(s.CIDR)))
	}
	switch {
	case len(f.Subnets) == 1:
		return "subnet " + named[0]
	case len(f.Subnets) > 1:
		return "subnets " + strings.Join(named, ", ")
	case isNACL(f.Resource) && !carriesNoSubnets(f):
		return "not associated with any subnet"
	}
	return ""
}

// fixDetails is the finding's suggestion in a collapsed <details> block
// after a blank line, or "" without a suggestion.
func fixDetails(f Finding) string {
	fl := f.Flow
	if fl == nil || strings.TrimSpace(fl.Suggestion) == "" {
		return ""
	}
	summary := fmt.Sprintf("%s on <code>%s</code>: %s", f.Rule, html.EscapeString(escapeControl(string(f.Resource))), html.EscapeString(flowSummary(fl)))
	return "\n<details><summary>" + summary + "</summary>\n\n" + codeBlock("hcl", suggestionText(f)) + "\n\n</details>\n"
}

// flowSummary is "inbound tcp/443 from 0.0.0.0/0".
func flowSummary(fl *checks.Flow) string {
	peer := prefixString(fl.PeerCIDR)
	if fl.Direction == plan.Egress {
		return fmt.Sprintf("outbound %s/%s to %s", fl.Protocol, fl.ServicePorts, peer)
	}
	return fmt.Sprintf("inbound %s/%s from %s", fl.Protocol, fl.ServicePorts, peer)
}

// tableCode is s as inline code inside a table cell: code with its pipes
// escaped, since GitHub splits cells before it reads code spans.
func tableCode(s string) string {
	return code(strings.ReplaceAll(s, "|", `\|`))
}

// code is s as a markdown code span: the delimiter is longer than any
// backtick run in s (instance keys may hold backticks), as CommonMark
// requires; control characters, line breaks included, are escapeControl's.
func code(s string) string {
	if s == "" {
		return ""
	}
	s = escapeControl(s)
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		pad = " "
	}
	return fence + pad + s + pad + fence
}

// codeBlock is text as a fenced code block in language lang, its fence
// longer than any backtick run inside; it ends without a newline.
func codeBlock(lang, text string) string {
	fence := strings.Repeat("`", max(3, longestRun(text, '`')+1))
	return fence + lang + "\n" + strings.TrimRight(text, "\n") + "\n" + fence
}

func longestRun(s string, c byte) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// textEscaper makes plan-derived text inert, in a table cell and in a
// paragraph: markdown punctuation is escaped, HTML is written as entities,
// "@" is followed by an invisible space so that "@team" in a resource key
// mentions no one, and a line break stays inside the cell (<br>). Other
// control characters are then escapeControl's.
var textEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "|", `\|`, "~", `\~`,
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
	"@", "@&#8203;",
	"\r\n", "<br>", "\n", "<br>",
)

func escapeText(s string) string { return escapeControl(textEscaper.Replace(s)) }

// markdownURL keeps a URL from ending the link early.
func markdownURL(u string) string {
	return strings.NewReplacer("(", "%28", ")", "%29", " ", "%20").Replace(u)
}

// FindingBody is one finding on its own page (a run-task outcome in HCP
// Terraform): the rule and resource, the message, the subnets, one dropped
// reply, the HCL that fixes it, the broken path drawn (path, the trace of
// its witness: Report.WitnessTrace; nil draws none), and what the rule is
// about.
func (Markdown) FindingBody(f Finding, path *checks.Trace) string {
	var b strings.Builder
	status := "new in this plan"
	if f.Status == checks.Existing {
		status = existingNote(f)
	}
	fmt.Fprintf(&b, "**%s %s** on %s (%s)\n\n", f.Severity, f.Rule, code(string(f.Resource)), status)
	b.WriteString(escapeText(oneline.Of(f.Message)) + "\n\n")

	var facts []string
	if len(f.Subnets) > 0 {
		var subnets []string
		for _, s := range f.Subnets {
			subnets = append(subnets, strings.TrimSpace(code(string(s.Address))+" "+escapeText(s.CIDR)))
		}
		facts = append(facts, "**Subnets:** "+strings.Join(subnets, ", "))
	}
	if fl := f.Flow; fl != nil {
		blocking := "the implicit deny"
		if fl.BlockingRule != nil {
			blocking = fmt.Sprintf("%s rule %d", code(string(fl.BlockingRule.Address)), fl.BlockingRule.Number)
		}
		var missing []string
		for _, p := range fl.MissingPorts {
			missing = append(missing, p.String())
		}
		facts = append(facts,
			fmt.Sprintf("**Replies must reach:** %s %s (the clients' ephemeral ports)", fl.Protocol, fl.ClientPorts),
			fmt.Sprintf("**Missing:** %s %s, dropped by %s", fl.Protocol, strings.Join(missing, ", "), blocking),
			"**Dropped reply, e.g.:** "+witnessCode(fl.Witness)+"; "+failingText(fl),
		)
	}
	for _, fact := range facts {
		b.WriteString("- " + fact + "\n")
	}
	if len(facts) > 0 {
		b.WriteString("\n")
	}
	if fl := f.Flow; fl != nil && strings.TrimSpace(fl.Suggestion) != "" {
		b.WriteString("**Fix:**\n\n" + codeBlock("hcl", suggestionText(f)) + "\n\n")
	}
	if path != nil && !path.Delivered() {
		b.WriteString("**Path:**\n\n" + codeBlock("mermaid", Mermaid(path)) + "\n\n" + code(traceCommand(path)) + "\n\n")
	}
	for _, c := range checks.All() {
		if c.ID == f.Rule {
			fmt.Fprintf(&b, "**About %s:** %s\n", c.ID, escapeText(c.Doc))
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// witnessCode is "`10.0.1.10:443 → 203.0.113.7:49152`", or "the reply to
// `203.0.113.7:49152`" when the local address is not known.
func witnessCode(p checks.Packet) string {
	dst := cmp.Or(addrPortString(p.Dst), "?")
	if src := addrPortString(p.Src); src != "" {
		return code(src + " → " + dst)
	}
	return "the reply to " + code(dst)
}
