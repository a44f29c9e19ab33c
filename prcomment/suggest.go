package prcomment

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/returnpath-dev/returnpath/report"
)

// SuggestionMarker starts the hidden line of every review comment
// returnpath writes; the fingerprint after it names the finding.
const SuggestionMarker = "<!-- returnpath-suggestion "

// Suggestion is one review comment that carries a fix: lines StartLine to
// Line of Path (the pull request's head) become the suggested text.
type Suggestion struct {
	Fingerprint string // the finding's (report.Fingerprint)
	Path        string
	StartLine   int // = Line for a one-line suggestion
	Line        int
	Body        string
}

// Hunks are the lines of each file of a pull request that its diff shows
// on the head side (added and context lines), by hunk: only they can carry
// review comments.
type Hunks map[string][][2]int

var hunkHeader = regexp.MustCompile(`^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@`)

// ParsePatch reads the hunks of a file's patch (the "patch" of the pull
// request files API): the head-side line ranges each hunk shows.
func ParsePatch(patch string) [][2]int {
	var out [][2]int
	for _, line := range strings.Split(patch, "\n") {
		m := hunkHeader.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		start, _ := strconv.Atoi(m[1])
		count := 1
		if m[2] != "" {
			count, _ = strconv.Atoi(m[2])
		}
		if count > 0 {
			out = append(out, [2]int{start, start + count - 1})
		}
	}
	return out
}

// contains reports whether lines from to to of path are all in one hunk.
func (h Hunks) contains(path string, from, to int) bool {
	for _, r := range h[path] {
		if r[0] <= from && to <= r[1] {
			return true
		}
	}
	return false
}

// Suggestions turns the patches of a report's findings into review
// comments, for the edits whose lines the diff shows; the findings whose
// edits it does not show are left out (the sticky comment has their fix).
// A fix that edits several places becomes one comment per edit.
func Suggestions(r *report.Report, hunks Hunks) (in []Suggestion, outside []report.Finding) {
	for _, f := range r.Findings {
		if f.Patch == nil || f.Suppression != nil {
			continue
		}
		var mine []Suggestion
		ok := true
		for i, e := range f.Patch.Edits {
			if e.FromLine < 1 || !hunks.contains(e.File, e.FromLine, e.ToLine) {
				ok = false
				break
			}
			fp := report.Fingerprint(f.Finding)
			if len(f.Patch.Edits) > 1 {
				fp += "-" + strconv.Itoa(i+1)
			}
			mine = append(mine, Suggestion{
				Fingerprint: fp, Path: e.File, StartLine: e.FromLine, Line: e.ToLine,
				Body: suggestionBody(fp, f, e),
			})
		}
		if !ok || len(mine) == 0 {
			outside = append(outside, f)
			continue
		}
		in = append(in, mine...)
	}
	sort.SliceStable(in, func(i, j int) bool {
		if in[i].Path != in[j].Path {
			return in[i].Path < in[j].Path
		}
		return in[i].Line < in[j].Line
	})
	return in, outside
}

// suggestionBody is the comment: the hidden marker, what the finding is,
// and the lines as fix would write them in a suggestion block.
func suggestionBody(fp string, f report.Finding, e report.PatchEdit) string {
	fence := strings.Repeat("`", max(3, longestBacktickRun(e.Lines)+1))
	msg, _, _ := strings.Cut(f.Message, "\n")
	return fmt.Sprintf("%sfingerprint=%s -->\n**%s** %s: %s\n\nreturnpath fix would %s:\n\n%ssuggestion\n%s\n%s\n",
		SuggestionMarker, fp, f.Rule, f.Resource, msg, f.Patch.Description, fence, e.Lines, fence)
}

func longestBacktickRun(s string) int {
	longest, run := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// suggestionFingerprint reads the fingerprint of one of returnpath's
// review comments.
func suggestionFingerprint(body string) (string, bool) {
	rest, ok := strings.CutPrefix(body, SuggestionMarker+"fingerprint=")
	if !ok {
		return "", false
	}
	fp, _, ok := strings.Cut(rest, " -->")
	return fp, ok && fp != ""
}
