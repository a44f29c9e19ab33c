package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/returnpath-dev/returnpath/checks"
)

const rulesUsage = `Usage: returnpath rules

Lists the rules returnpath runs, with their default severity, title and a
paragraph on what each finds and how to fix it. 'returnpath explain RULE'
prints the long form. A .returnpath.hcl can change a rule's severity or turn
it off:

  rule "RP006" { severity = "notice" }
  rule "RP009" { enabled = false }
`

const explainUsage = `Usage: returnpath explain RULE

Explains one rule (e.g. RP001) at length: why stateless network ACLs need
it, the port ranges involved, and an example fix. 'returnpath rules' lists
the rules.
`

// textWidth is where rules and explain wrap their paragraphs.
const textWidth = 80

func rules(args []string, stdout io.Writer) (int, error) {
	if len(args) == 1 && isHelp(args[0]) {
		fmt.Fprint(stdout, rulesUsage)
		return ExitOK, nil
	}
	if len(args) > 0 {
		return 0, usagef("rules takes no arguments, got %q (run 'returnpath explain %s' for one rule)", args[0], args[0])
	}
	var b strings.Builder
	indent := strings.Repeat(" ", len("RP001  warning  ")) // under the title
	for i, c := range checks.All() {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%-5s  %-7s  %s\n", c.ID, c.Severity, c.Title)
		b.WriteString(wrap(c.Doc, indent, textWidth))
	}
	b.WriteString("\nreturnpath explain RULE explains one at length.\n")
	_, err := io.WriteString(stdout, b.String())
	return ExitOK, err
}

func explain(args []string, stdout io.Writer) (int, error) {
	if len(args) == 1 && isHelp(args[0]) {
		fmt.Fprint(stdout, explainUsage)
		return ExitOK, nil
	}
	var ids []string
	for _, c := range checks.All() {
		ids = append(ids, c.ID)
	}
	if len(args) != 1 {
		return 0, usagef("explain takes one rule, one of %s (run 'returnpath rules')", strings.Join(ids, ", "))
	}
	for _, c := range checks.All() {
		if strings.EqualFold(c.ID, args[0]) {
			var b strings.Builder
			fmt.Fprintf(&b, "%s (%s by default): %s\n\n", c.ID, c.Severity, c.Title)
			b.WriteString(wrap(c.Doc, "", textWidth))
			b.WriteString("\n")
			b.WriteString(c.Explain)
			_, err := io.WriteString(stdout, b.String())
			return ExitOK, err
		}
	}
	return 0, usagef("explain: unknown rule %q, want one of %s (run 'returnpath rules')", args[0], strings.Join(ids, ", "))
}

func isHelp(arg string) bool {
	return arg == "--help" || arg == "-help" || arg == "-h"
}

// wrap breaks a paragraph into lines of at most width characters, each
// starting with indent; a word longer than a line stays whole.
func wrap(text, indent string, width int) string {
	var b strings.Builder
	line := indent
	for _, word := range strings.Fields(text) {
		if line != indent && len([]rune(line))+1+len([]rune(word)) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if line != indent {
			line += " "
		}
		line += word
	}
	if line != indent {
		b.WriteString(line + "\n")
	}
	return b.String()
}
