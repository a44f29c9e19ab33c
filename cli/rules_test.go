package cli

import (
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/checks"
)

func TestRules(t *testing.T) {
	r := run(testOptions, "", "rules")
	if r.code != ExitOK || r.stderr != "" {
		t.Fatalf("%+v", r)
	}
	for _, c := range checks.All() {
		head := c.ID + "  " + c.Severity.String()
		if !strings.Contains(r.stdout, "\n"+head) && !strings.HasPrefix(r.stdout, head) {
			t.Errorf("rules lacks the line of %s (%q)", c.ID, head)
		}
		if !strings.Contains(r.stdout, c.Title) {
			t.Errorf("rules lacks the title of %s", c.ID)
		}
		// The paragraph is there, wrapped: compare the words.
		if !strings.Contains(strings.Join(strings.Fields(r.stdout), " "), strings.Join(strings.Fields(c.Doc), " ")) {
			t.Errorf("rules lacks the explanation of %s", c.ID)
		}
	}
	for i, line := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(line, " ") && len([]rune(line)) > textWidth {
			t.Errorf("line %d is wider than %d: %q", i+1, textWidth, line)
		}
	}
	// The paragraph starts under the title.
	if !strings.Contains(r.stdout, "RP001  error    inbound traffic") || !strings.Contains(r.stdout, "\n                Network ACLs are stateless") {
		t.Errorf("layout:\n%s", r.stdout)
	}
}

func TestExplain(t *testing.T) {
	for _, c := range checks.All() {
		for _, arg := range []string{c.ID, strings.ToLower(c.ID)} {
			r := run(testOptions, "", "explain", arg)
			if r.code != ExitOK || r.stderr != "" {
				t.Fatalf("explain %s: %+v", arg, r)
			}
			if !strings.HasPrefix(r.stdout, c.ID+" ("+c.Severity.String()+" by default): "+c.Title+"\n\n") || !strings.HasSuffix(r.stdout, c.Explain) {
				t.Errorf("explain %s:\n%s", arg, r.stdout)
			}
		}
	}
	r := run(testOptions, "", "explain", "RP001")
	for _, want := range []string{"stateless", "32768-60999", "49152-65535", "1024-65535", "Fix:", "to_port    = 65535"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("explain RP001 lacks %q", want)
		}
	}
}

func TestRulesAndExplainUsage(t *testing.T) {
	for _, args := range [][]string{{"rules", "--help"}, {"help", "rules"}, {"explain", "-h"}, {"help", "explain"}} {
		r := run(testOptions, "", args...)
		if r.code != ExitOK || !strings.HasPrefix(r.stdout, "Usage: returnpath "+args[len(args)-1]) && !strings.HasPrefix(r.stdout, "Usage: returnpath "+args[0]) {
			t.Errorf("%q: %+v", args, r)
		}
	}
	for _, tc := range []struct {
		args     []string
		contains string
	}{
		{[]string{"rules", "RP001"}, "returnpath explain RP001"},
		{[]string{"explain"}, "one of RP001, RP002"},
		{[]string{"explain", "RP001", "RP002"}, "explain takes one rule"},
		{[]string{"explain", "RP999"}, `unknown rule "RP999"`},
	} {
		wantOneLineError(t, run(testOptions, "", tc.args...), tc.contains)
	}
	if r := run(testOptions, "", "help"); !strings.Contains(r.stdout, "returnpath rules") || !strings.Contains(r.stdout, "returnpath explain RULE") {
		t.Errorf("help lacks rules and explain:\n%s", r.stdout)
	}
}

func TestWrap(t *testing.T) {
	got := wrap("aaa bbb ccc dddddddddd e", "  ", 10)
	want := "  aaa bbb\n  ccc\n  dddddddddd\n  e\n"
	if got != want {
		t.Errorf("wrap = %q, want %q", got, want)
	}
	if got := wrap("", "  ", 10); got != "" {
		t.Errorf("wrap of nothing = %q", got)
	}
}
