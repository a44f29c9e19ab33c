package report

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/returnpath-dev/returnpath/checks"
)

// GitHub writes GitHub Actions workflow commands (::error, ::warning or
// ::notice with file, line and title), which the runner turns into
// annotations on the files of the pull request, then the summary line for
// the log. Suppressed findings are left out: an annotation cannot say that
// it is accepted.
//
// GitHub shows at most 10 annotations of each type per step (and 50 per
// job) and drops the rest, so at most MaxPerSeverity commands of each
// severity are written, the most important first: errors before warnings
// before notices, and within a severity the breakages this plan introduces
// before those that already exist. One plain line then counts the findings
// left out and says where they are.
type GitHub struct {
	// MaxPerSeverity caps the commands of each severity; 0 means no cap.
	MaxPerSeverity int
}

// DefaultMaxAnnotations is GitHub's own cap: the annotations of one type
// that one step shows.
const DefaultMaxAnnotations = 10

// Format writes r as workflow commands.
func (g GitHub) Format(w io.Writer, r *Report) error {
	if g.MaxPerSeverity < 0 {
		return fmt.Errorf("negative annotation cap %d", g.MaxPerSeverity)
	}
	shown := r.Shown()
	for i, f := range shown {
		if _, err := githubCommand(f.Severity); err != nil {
			return fmt.Errorf("finding %d (%s %s): %v", i+1, f.Rule, f.Resource, err)
		}
	}
	// Most important first; ties keep the report's order (by resource).
	slices.SortStableFunc(shown, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(statusRank(a.Status), statusRank(b.Status)))
	})
	bw := bufio.NewWriter(w)
	written := map[checks.Severity]int{}
	left := map[checks.Severity]int{}
	for _, f := range shown {
		if g.MaxPerSeverity > 0 && written[f.Severity] == g.MaxPerSeverity {
			left[f.Severity]++
			continue
		}
		written[f.Severity]++
		command, _ := githubCommand(f.Severity)
		var props []string
		if f.Location.IsValid() {
			props = append(props, "file="+escapeProperty(escapeControl(f.Location.File)), "line="+strconv.Itoa(f.Location.Line))
		}
		props = append(props, "title="+escapeProperty(f.Rule+" "+escapeControl(string(f.Resource))))
		fmt.Fprintf(bw, "::%s %s::%s\n", command, strings.Join(props, ","), escapeData(escapeControlKeepBreaks(explanation(f))))
	}
	// Plain text, but from the plan: escaped so that it cannot start a
	// command on a line of its own.
	if line := leftOutLine(left, g.MaxPerSeverity); line != "" {
		fmt.Fprintln(bw, escapeData(line))
	}
	if len(r.Findings) == 0 {
		fmt.Fprintln(bw, escapeData(fmt.Sprintf("no return-path problems in %s", plural(r.Summary.NACLs, "NACL"))))
	} else {
		fmt.Fprintln(bw, escapeData(summaryLine(r)))
	}
	return bw.Flush()
}

// statusRank puts new breakages before those the prior state has already.
func statusRank(s checks.Status) int {
	if s == checks.Existing {
		return 1
	}
	return 0
}

// leftOutLine says how many findings got no command, by severity, and
// where to read them; "" when none was left out.
func leftOutLine(left map[checks.Severity]int, max int) string {
	total := 0
	var parts []string
	for _, s := range []checks.Severity{checks.Error, checks.Warning, checks.Notice} {
		if n := left[s]; n > 0 {
			total += n
			parts = append(parts, plural(n, s.String()))
		}
	}
	if total == 0 {
		return ""
	}
	noun := "findings"
	if total == 1 {
		noun = "finding"
	}
	return fmt.Sprintf("returnpath: %d more %s (%s) not annotated: at most %d annotations per severity (--max-annotations); "+
		"the text, JSON and SARIF reports list every finding (the returnpath action writes the text report to the job summary)",
		total, noun, strings.Join(parts, ", "), max)
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
