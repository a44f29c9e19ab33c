package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/returnpath-dev/returnpath/checks"
)

// GitHub writes one GitHub Actions workflow command per finding
// (::error, ::warning or ::notice with file, line and title), which the
// runner turns into annotations on the files of the pull request, then the
// summary line for the log. Suppressed findings are left out: an
// annotation cannot say that it is accepted.
type GitHub struct{}

// Format writes r as workflow commands.
func (GitHub) Format(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	for i, f := range r.Findings {
		if f.Suppression != nil {
			continue
		}
		command, err := githubCommand(f.Severity)
		if err != nil {
			return fmt.Errorf("finding %d (%s %s): %v", i+1, f.Rule, f.Resource, err)
		}
		var props []string
		if f.Location.IsValid() {
			props = append(props, "file="+escapeProperty(escapeControl(f.Location.File)), "line="+strconv.Itoa(f.Location.Line))
		}
		props = append(props, "title="+escapeProperty(f.Rule+" "+escapeControl(string(f.Resource))))
		fmt.Fprintf(bw, "::%s %s::%s\n", command, strings.Join(props, ","), escapeData(escapeControlKeepBreaks(explanation(f))))
	}
	// Plain text, but from the plan: escaped so that it cannot start a
	// command on a line of its own.
	if len(r.Findings) == 0 {
		fmt.Fprintln(bw, escapeData(fmt.Sprintf("no return-path problems in %s", plural(r.Summary.NACLs, "NACL"))))
	} else {
		fmt.Fprintln(bw, escapeData(summaryLine(r)))
	}
	return bw.Flush()
}

func githubCommand(s checks.Severity) (string, error) {
	switch s {
	case checks.Error:
		return "error", nil
	case checks.Warning:
		return "warning", nil
	case checks.Notice:
		return "notice", nil
	}
	return "", fmt.Errorf("invalid severity %d", s)
}

// escapeData escapes the message of a workflow command the way the
// Actions toolkit does (toCommandValue/escapeData): % first, then the line
// breaks that would end the command. The runner splits lines only at
// "\r" and "\n"; other control characters are escapeControlKeepBreaks's.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a property value (file, title), which also
// must not hold the ":" and "," that delimit properties.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
