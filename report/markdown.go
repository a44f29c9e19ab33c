package report

import (
	"fmt"
	"html"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
)

// Marker is the first line of every markdown report: a hidden HTML comment
// that finds returnpath's pull-request comment among the others.
const Marker = "<!-- returnpath -->"

// MaxCommentBytes is GitHub's limit on a comment body (65,536 characters).
// The markdown format counts bytes, which are never fewer than characters.
const MaxCommentBytes = 65536

// CommentMeta is what a pull-request comment records about itself in hidden
// lines after Marker: which sticky comment it is and which run wrote it.
type CommentMeta struct {
	// Key tells apart several comments on one pull request (one per
	// workspace or directory); "" is the comment without a key.
	Key string
	// HeadSHA is the commit the plan was made for; "" when unknown.
	HeadSHA string
	// RunID is the CI run that wrote the comment (GITHUB_RUN_ID); 0 when
	// unknown.
	RunID int64
}

const (
	keyPrefix = "<!-- returnpath:"
	runPrefix = "<!-- returnpath-run:"
	htmlClose = " -->"
)

var (
	validKey = regexp.MustCompile(`^[A-Za-z0-9._/@+=:-]{1,100}$`)
	validSHA = regexp.MustCompile(`^[0-9a-fA-F]{4,64}$`)
)

// ValidateKey checks a comment key: 1-100 letters, digits and ._/@+=:-
// (it goes into an HTML comment, which "--" would end early).
func ValidateKey(key string) error {
	if !validKey.MatchString(key) || strings.Contains(key, "--") {
		return fmt.Errorf("comment key %q: want 1-100 letters, digits or ._/@+=:- without \"--\"", key)
	}
	return nil
}

// ValidateSHA checks a commit SHA (hexadecimal, 4 to 64 digits).
func ValidateSHA(sha string) error {
	if !validSHA.MatchString(sha) {
		return fmt.Errorf("commit %q is not a hexadecimal SHA", sha)
	}
	return nil
}

func (m CommentMeta) validate() error {
	if m.Key != "" {
		if err := ValidateKey(m.Key); err != nil {
			return err
		}
	}
	if m.HeadSHA != "" {
		if err := ValidateSHA(m.HeadSHA); err != nil {
			return err
		}
	}
	if m.RunID < 0 {
		return fmt.Errorf("run id %d is negative", m.RunID)
	}
	return nil
}

// hiddenLines are Marker and the meta lines, each ending in "\n".
func (m CommentMeta) hiddenLines() string {
	var b strings.Builder
	b.WriteString(Marker + "\n")
	if m.Key != "" {
		b.WriteString(keyPrefix + m.Key + htmlClose + "\n")
	}
	var run []string
	if m.HeadSHA != "" {
		run = append(run, "sha="+m.HeadSHA)
	}
	if m.RunID != 0 {
		run = append(run, "run_id="+strconv.FormatInt(m.RunID, 10))
	}
	if len(run) > 0 {
		b.WriteString(runPrefix + " " + strings.Join(run, " ") + htmlClose + "\n")
	}
	return b.String()
}

// ParseCommentMeta reads the hidden lines at the top of a comment body. ok
// is false when the body does not start with Marker: it is not a returnpath
// comment. Lines it does not know are skipped, so that older and newer
// versions read each other's comments.
func ParseCommentMeta(body string) (meta CommentMeta, ok bool) {
	lines := strings.Split(body, "\n")
	if strings.TrimRight(lines[0], "\r") != Marker {
		return CommentMeta{}, false
	}
	for _, line := range lines[1:] {
		line = strings.TrimRight(line, "\r")
		if !strings.HasPrefix(line, "<!--") {
			break
		}
		if rest, found := strings.CutPrefix(line, runPrefix); found {
			for _, field := range strings.Fields(strings.TrimSuffix(rest, htmlClose)) {
				name, value, _ := strings.Cut(field, "=")
				switch name {
				case "sha":
					if ValidateSHA(value) == nil {
						meta.HeadSHA = value
					}
				case "run_id":
					if id, err := strconv.ParseInt(value, 10, 64); err == nil && id > 0 {
						meta.RunID = id
					}
				}
			}
			continue
		}
		if rest, found := strings.CutPrefix(line, keyPrefix); found {
			if key, closed := strings.CutSuffix(rest, htmlClose); closed && ValidateKey(key) == nil {
				meta.Key = key
			}
		}
	}
	return meta, true
}

// Markdown writes the report as a pull-request comment body (SPEC.md
// "Integrations"): Marker and the hidden meta lines, a one-line verdict, a
// table of the findings, each fix in a collapsed <details>, and a footer.
// A body that would exceed MaxBytes keeps every part it can whole and ends
// with a note that says what was left out and where the full report is.
type Markdown struct {
	Meta CommentMeta
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
	if err := m.Meta.validate(); err != nil {
		return "", false, err
	}
	limit := m.MaxBytes
	if limit == 0 {
		limit = MaxCommentBytes
	}
	head := m.Meta.hiddenLines() + m.verdict(r) + "\n"
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
	b.WriteString(footer)
	if b.Len() <= limit {
		return b.String(), false, nil
	}

	// Too long: keep whole rows first (every finding named), then whole
	// fixes, and say what is missing. The note is longest when every count
	// is at its total, so reserving that much always leaves room for it.
	reserve := len(m.truncationNote(len(rows), len(rows), len(fixes), len(fixes)))
	budget := limit - len(head) - len(tableHead) - len(fixesHead) - len(footer) - reserve
	if budget < 0 {
		return "", false, fmt.Errorf("the limit of %d bytes leaves no room for findings", limit)
	}
	b.Reset()
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
	checked := fmt.Sprintf("%s (%s) checked", plural(s.NACLs, "NACL"), plural(s.Rules, "rule"))
	icon := "✅"
	switch {
	case s.Errors > 0:
		icon = iconOf(checks.Error)
	case s.Warnings > 0:
		icon = iconOf(checks.Warning)
	case len(r.Shown()) > 0:
		icon = iconOf(checks.Notice)
	}
	if m.Meta.Key != "" {
		// The key in code: it may hold "_" or "@", which are markup.
		return fmt.Sprintf("%s **returnpath** %s: **%s** — %s", icon, codeSpan(m.Meta.Key), r.Tally(), checked)
	}
	return fmt.Sprintf("%s **returnpath: %s** — %s", icon, r.Tally(), checked)
}

// Tally counts the findings: "1 error, 2 warnings" (notices and
// suppressed findings only when there are some), or "no return-path
// problems" when none is left unsuppressed.
func (r *Report) Tally() string {
	s := r.Summary
	t := "no return-path problems"
	if len(r.Shown()) > 0 {
		t = plural(s.Errors, "error") + ", " + plural(s.Warnings, "warning")
		if s.Notices > 0 {
			t += ", " + plural(s.Notices, "notice")
		}
	}
	if s.Suppressed > 0 {
		t += ", " + plural(s.Suppressed, "finding") + " suppressed"
	}
	return t
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
	parts := []string{"returnpath " + html.EscapeString(r.Version), "plan <code>" + html.EscapeString(r.Plan.File) + "</code>"}
	if r.Plan.TerraformVersion != "" {
		parts = append(parts, "terraform "+html.EscapeString(r.Plan.TerraformVersion))
	}
	parts = append(parts, plural(r.Plan.Resources, "resource"))
	if sha := m.Meta.HeadSHA; sha != "" {
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
	resource := codeSpan(string(f.Resource))
	if f.Location.IsValid() {
		resource += "<br>" + codeSpan(f.Location.String())
	}
	if where := subnetsCell(f); where != "" {
		resource += "<br>" + where
	}
	problem := escapeText(f.Message)
	if f.Status == checks.Existing {
		problem += " (already broken today)"
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
		named = append(named, strings.TrimSpace(codeSpan(string(s.Address))+" "+escapeText(s.CIDR)))
	}
	switch {
	case len(f.Subnets) == 1:
		return "subnet " + named[0]
	case len(f.Subnets) > 1:
		return "subnets " + strings.Join(named, ", ")
	case isNACL(f.Resource) && f.Rule != checks.ExpiredIgnore:
		// An expired ignore names its pattern or block: it says nothing
		// of the NACL's subnets.
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
	summary := fmt.Sprintf("%s on <code>%s</code>: %s", f.Rule, html.EscapeString(string(f.Resource)), html.EscapeString(flowSummary(fl)))
	fence := strings.Repeat("`", max(3, longestRun(fl.Suggestion, '`')+1))
	return "\n<details><summary>" + summary + "</summary>\n\n" +
		fence + "hcl\n" + strings.TrimRight(fl.Suggestion, "\n") + "\n" + fence + "\n\n</details>\n"
}

// flowSummary is "inbound tcp/443 from 0.0.0.0/0".
func flowSummary(fl *checks.Flow) string {
	peer := prefixString(fl.PeerCIDR)
	if fl.Direction == plan.Egress {
		return fmt.Sprintf("outbound %s/%s to %s", fl.Protocol, fl.ServicePorts, peer)
	}
	return fmt.Sprintf("inbound %s/%s from %s", fl.Protocol, fl.ServicePorts, peer)
}

// codeSpan is s as inline code inside a table cell: the delimiter is longer
// than any backtick run in s, and pipes are escaped (GitHub splits cells
// before it reads code spans).
func codeSpan(s string) string {
	if s == "" {
		return ""
	}
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		pad = " "
	}
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\n", " ")
	return fence + pad + s + pad + fence
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

// textEscaper makes plan-derived text inert in a table cell: markdown
// punctuation is escaped, HTML is written as entities, and "@" is followed
// by an invisible space so that "@team" in a resource key mentions no one.
var textEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "|", `\|`, "~", `\~`,
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
	"@", "@&#8203;",
	"\r\n", "<br>", "\n", "<br>",
)

func escapeText(s string) string { return textEscaper.Replace(s) }

// markdownURL keeps a URL from ending the link early.
func markdownURL(u string) string {
	return strings.NewReplacer("(", "%28", ")", "%29", " ", "%20").Replace(u)
}
