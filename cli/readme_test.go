package cli

import (
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/report"
)

// TestREADME keeps README.md true to the code: its rule table lists every
// check with its default severity, title and page, and it documents every
// flag of check and every format.
func TestREADME(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	checkRuleTable(t, "README.md", readme, "docs/rules/")
	fs, _ := checkFlags()
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(readme, "`--"+f.Name) {
			t.Errorf("README does not document --%s", f.Name)
		}
	})
	for _, f := range report.Names() {
		if !strings.Contains(readme, "`"+f+"`") {
			t.Errorf("README does not mention format %s", f)
		}
	}
}

// TestREADMEExample runs the README's example command and wants the output
// the README shows, and the exit code it names.
func TestREADMEExample(t *testing.T) {
	t.Chdir("..")
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	const prompt = "$ go run . check "
	_, example, ok := strings.Cut(string(data), "\n"+prompt)
	example, rest, closed := strings.Cut(example, "\n```\n")
	if !ok || !closed {
		t.Fatalf("README has no example block starting %q", prompt)
	}
	planArg, want, _ := strings.Cut(example, "\n")
	r := run(testOptions, "", "check", "--no-color", planArg)
	if r.stdout != want+"\n" {
		t.Errorf("README's example differs from what check prints on %s:\n%s", planArg, r.stdout)
	}
	if wantCode := fmt.Sprintf("The exit code is %d", r.code); !strings.Contains(rest, wantCode) {
		t.Errorf("README does not say %q after the example", wantCode)
	}
}

// TestDocsIndex keeps the rule table of docs/README.md true to the code.
func TestDocsIndex(t *testing.T) {
	data, err := os.ReadFile("../docs/README.md")
	if err != nil {
		t.Fatal(err)
	}
	checkRuleTable(t, "docs/README.md", string(data), "rules/")
}

// ruleRow is a row of a markdown rule table: | [RP001](dir/RP001.md) | error | title |
var ruleRow = regexp.MustCompile(`^\| \[(RP\d+)\]\(([^)]*)\) \| ([a-z]+) \| (.*) \|$`)

// checkRuleTable wants one row per check of checks.All(), with its default
// severity, its title and a link to its page under pageDir, and no other
// rule.
func checkRuleTable(t *testing.T, file, text, pageDir string) {
	t.Helper()
	rows := map[string][]string{} // "RP001" → link, severity, title
	for _, line := range strings.Split(text, "\n") {
		if m := ruleRow.FindStringSubmatch(line); m != nil {
			rows[m[1]] = m[2:]
		}
	}
	known := map[string]bool{}
	for _, c := range checks.All() {
		known[c.ID] = true
		row, ok := rows[c.ID]
		switch {
		case !ok:
			t.Errorf("%s: the rule table lacks %s", file, c.ID)
		case row[0] != pageDir+c.ID+".md":
			t.Errorf("%s: %s links to %s, want %s", file, c.ID, row[0], pageDir+c.ID+".md")
		case row[1] != fmt.Sprint(c.Severity):
			t.Errorf("%s says %s is %s; checks.All says %s", file, c.ID, row[1], c.Severity)
		case row[2] != c.Title:
			t.Errorf("%s: the title of %s is %q; checks.All says %q", file, c.ID, row[2], c.Title)
		}
	}
	for id := range rows {
		if !known[id] {
			t.Errorf("%s lists %s, which checks.All does not have", file, id)
		}
	}
}

// TestDocLinks checks that every relative link of the markdown documentation
// (README.md, CONTRIBUTING.md, docs/) points at a file that exists and, with
// a #fragment into a markdown file, at one of its headings.
func TestDocLinks(t *testing.T) {
	t.Chdir("..")
	files := []string{"README.md", "CONTRIBUTING.md"}
	err := filepath.WalkDir("docs", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".md") {
			files = append(files, filepath.ToSlash(p))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(stripCode(string(data)), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			name, fragment, _ := strings.Cut(target, "#")
			dest := file
			if name != "" {
				dest = path.Join(path.Dir(file), name)
			}
			if _, err := os.Stat(dest); err != nil {
				t.Errorf("%s links to %s, which does not exist", file, target)
				continue
			}
			if fragment != "" && strings.HasSuffix(dest, ".md") {
				body, err := os.ReadFile(dest)
				if err != nil {
					t.Fatal(err)
				}
				if !hasAnchor(string(body), fragment) {
					t.Errorf("%s links to %s, but %s has no heading #%s", file, target, dest, fragment)
				}
			}
		}
	}
}

// stripCode drops fenced code blocks, whose brackets are not links.
func stripCode(md string) string {
	var b strings.Builder
	in := false
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			in = !in
			continue
		}
		if !in {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// hasAnchor reports whether a heading of md has the GitHub anchor: lower
// case, punctuation but - and _ dropped, spaces as -.
func hasAnchor(md, anchor string) bool {
	for _, line := range strings.Split(stripCode(md), "\n") {
		heading, ok := strings.CutPrefix(strings.TrimLeft(line, "#"), " ")
		if !strings.HasPrefix(line, "#") || !ok {
			continue
		}
		var slug strings.Builder
		for _, r := range strings.ToLower(heading) {
			switch {
			case r == ' ':
				slug.WriteRune('-')
			case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
				slug.WriteRune(r)
			}
		}
		if slug.String() == anchor {
			return true
		}
	}
	return false
}
