package config

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
	"github.com/returnpath-dev/returnpath/source"
)

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		pattern, addr string
		want          bool
	}{
		{"aws_network_acl.public", "aws_network_acl.public", true},
		{"aws_network_acl.public", "aws_network_acl.public2", false},
		{"aws_network_acl.public", "aws_network_acl.public[0]", false}, // no implicit instances
		{"aws_network_acl.public", "module.x.aws_network_acl.public", false},
		{"module.legacy.aws_network_acl.this[*]", "module.legacy.aws_network_acl.this[0]", true},
		{"module.legacy.aws_network_acl.this[*]", `module.legacy.aws_network_acl.this["a.b"]`, true},
		{"module.legacy.aws_network_acl.this[*]", "module.legacy.aws_network_acl.this", false},
		{"module.legacy.aws_network_acl.this[*]", "module.legacy[0].aws_network_acl.this[0]", false},
		{"module.legacy*.aws_network_acl.*", "module.legacy[1].aws_network_acl.this", true},
		{"*", "anything", true},
		{"*.aws_network_acl.this", "module.a.module.b.aws_network_acl.this", true},
		{"aws_*_acl.*", "aws_default_network_acl.default", true},
		{"aws_*_acl.*", "aws_network_acl_rule.x", false},
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "aXbYcZ", false},
		{"", "", true},
		{"", "a", false},
	} {
		if got := globMatch(tc.pattern, tc.addr); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v", tc.pattern, tc.addr, got)
		}
	}
}

func TestExpiry(t *testing.T) {
	ig := Ignore{Expires: time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		now  time.Time
		want bool
	}{
		{time.Date(2027, 3, 30, 12, 0, 0, 0, time.UTC), false},
		{time.Date(2027, 3, 31, 23, 59, 59, 0, time.UTC), false}, // the last day holds
		{time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC), true},
		// 23:00 on March 31 in New York is April 1 in UTC.
		{time.Date(2027, 3, 31, 23, 0, 0, 0, time.FixedZone("EDT", -4*3600)), true},
		{time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), true},
	} {
		if got := ig.Expired(tc.now); got != tc.want {
			t.Errorf("Expired(%s) = %v", tc.now, got)
		}
	}
	if (Ignore{}).Expired(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Error("an ignore without a date expired")
	}
}

func TestComments(t *testing.T) {
	ix := source.Load("testdata/comments", "testdata")
	ignores, diags := Comments(ix)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	want := []Ignore{
		{Kind: checks.InSource, Rule: "RP001", Resource: "aws_network_acl.legacy", Reason: "legacy VPC, replaced in Q3", File: "comments/main.tf", Line: 3},
		{
			Kind: checks.InSource, Rule: "RP002", Resource: "aws_network_acl.public", Reason: "outbound HTTPS goes through the proxy",
			Expires: time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC), File: "comments/main.tf", Line: 9,
		},
		{Kind: checks.InSource, Rule: "RP006", Resource: "aws_network_acl.public", Reason: "inline and standalone rules during the migration", File: "comments/main.tf", Line: 10},
		{Kind: checks.InSource, Rule: "RP001", Resource: "module.legacy.aws_network_acl.this", Reason: "the module's NACL is replaced with the VPC", File: "comments/modules/legacy/main.tf", Line: 1},
	}
	if !reflect.DeepEqual(ignores, want) {
		t.Errorf("ignores\n%+v\nwant\n%+v", ignores, want)
	}
	// The comment above a block covers every instance of it, in every
	// instance of its module.
	for addr, want := range map[plan.Address]bool{
		"aws_network_acl.legacy":                   true,
		`aws_network_acl.legacy["x"]`:              true,
		"module.legacy[1].aws_network_acl.this":    true,
		"aws_network_acl.legacy2":                  false,
		"module.other.aws_network_acl.legacy":      false,
		"module.legacy[0].aws_network_acl.this[0]": true,
	} {
		f := checks.Finding{Rule: "RP001", Resource: addr}
		matched := slices.ContainsFunc(ignores, func(ig Ignore) bool { return ig.Matches(f) })
		if matched != want {
			t.Errorf("RP001 on %s matched: %v", addr, matched)
		}
	}
	if ignores[0].Matches(checks.Finding{Rule: "RP002", Resource: "aws_network_acl.legacy"}) {
		t.Error("an ignore of RP001 matched RP002")
	}
}

func TestBadComments(t *testing.T) {
	for _, tc := range []struct{ comment, want string }{
		{"# returnpath:ignore", `bad/main.tf:1,1-20: Incomplete returnpath:ignore comment; The comment names no rule; write "# returnpath:ignore RULE [expires=YYYY-MM-DD] REASON" directly above the resource block.`},
		{"# returnpath:ignore RP001", `bad/main.tf:1,1-26: Missing reason; The ignore of RP001 gives no reason: say why the finding is acceptable; write "# returnpath:ignore RULE [expires=YYYY-MM-DD] REASON" directly above the resource block.`},
		{"# returnpath:ignore RP001 expires=2027-03-31", `bad/main.tf:1,1-45: Missing reason; The ignore of RP001 gives no reason: say why the finding is acceptable; write "# returnpath:ignore RULE [expires=YYYY-MM-DD] REASON" directly above the resource block.`},
		{"# returnpath:ignore RP001 expires=Q3 legacy", `bad/main.tf:1,1-44: Invalid expiry date; expires=Q3 is not a date YYYY-MM-DD (the last day the ignore holds).`},
		{"  // returnpath:ignore rp001 legacy", `bad/main.tf:1,3-36: Unknown rule; "rp001" is not a rule returnpath runs; the rules are ` + allRules() + ` (returnpath rules lists them).`},
		{"# returnpath:ignore RP009 stop it", `bad/main.tf:1,1-34: Rule cannot be ignored; RP009 reports expired ignores and cannot itself be ignored; renew the expired ignore, or turn the rule off with rule "RP009" { enabled = false }.`},
		{"# returnpath:ingore RP001 legacy", `bad/main.tf:1,1-33: Unknown returnpath directive; "returnpath:ingore" is not a returnpath directive; write "# returnpath:ignore RULE [expires=YYYY-MM-DD] REASON" directly above the resource block.`},
		{"# returnpath:ignore:RP001 legacy", `bad/main.tf:1,1-33: Unknown returnpath directive; "returnpath:ignore:RP001" is not a returnpath directive; write "# returnpath:ignore RULE [expires=YYYY-MM-DD] REASON" directly above the resource block.`},
	} {
		t.Run(tc.comment, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "bad")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			src := tc.comment + "\nresource \"aws_network_acl\" \"a\" {\n}\n"
			if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			ignores, diags := Comments(source.Load(dir, filepath.Dir(dir)))
			if got := diags.Error(); !diags.HasErrors() || got != tc.want {
				t.Errorf("diagnostic\n  %s\nwant\n  %s\n(ignores %+v)", got, tc.want, ignores)
			}
		})
	}
}

func TestSuppress(t *testing.T) {
	now := time.Date(2027, 4, 1, 9, 0, 0, 0, time.UTC)
	f := func(rule string, sev checks.Severity, addr plan.Address) checks.Finding {
		return checks.Finding{Rule: rule, Severity: sev, Resource: addr, Status: checks.New, Message: rule + " on " + string(addr)}
	}
	findings := []checks.Finding{
		f("RP001", checks.Error, "module.legacy.aws_network_acl.this[0]"),
		f("RP002", checks.Error, "module.legacy.aws_network_acl.this[0]"),
		f("RP001", checks.Error, "aws_network_acl.public"),
		f("RP006", checks.Warning, "aws_network_acl.public"),
		f("RP001", checks.Error, "aws_network_acl.old"),
	}
	original := slices.Clone(findings)
	ignores := []Ignore{
		{Kind: checks.InSource, Rule: "RP006", Resource: "aws_network_acl.public", Reason: "migration", File: "main.tf", Line: 7},
		{Kind: checks.External, Rule: "RP001", Resource: "module.legacy.*", Reason: "legacy VPC", File: ".returnpath.hcl", Line: 3,
			Expires: time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC)},
		{Kind: checks.External, Rule: "RP006", Resource: "*", Reason: "second match", File: ".returnpath.hcl", Line: 9},
		{Kind: checks.External, Rule: "RP001", Resource: "aws_network_acl.old", Reason: "was fine until March", File: ".returnpath.hcl", Line: 15,
			Expires: time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)},
		{Kind: checks.External, Rule: "RP002", Resource: "aws_network_acl.gone", Reason: "fixed long ago", File: ".returnpath.hcl", Line: 21,
			Expires: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	got := Suppress(findings, ignores, now, checks.DefaultConfig())
	if !reflect.DeepEqual(findings, original) {
		t.Error("Suppress modified its input")
	}
	var lines []string
	for _, g := range got {
		line := g.Rule + " " + g.Severity.String() + " " + string(g.Resource)
		if s := g.Suppression; s != nil {
			line += " suppressed " + s.Kind.String() + " " + s.Source + " " + s.Reason
		}
		lines = append(lines, line)
	}
	want := []string{
		"RP001 error module.legacy.aws_network_acl.this[0] suppressed external .returnpath.hcl:3 legacy VPC", // its last day
		"RP002 error module.legacy.aws_network_acl.this[0]",
		"RP001 error aws_network_acl.public",
		"RP006 warning aws_network_acl.public suppressed inSource main.tf:7 migration", // the first match wins
		"RP001 error aws_network_acl.old",                                              // expired: reported again
		"RP009 warning aws_network_acl.old",
		"RP009 warning aws_network_acl.gone", // expired, matching nothing
	}
	if !slices.Equal(lines, want) {
		t.Errorf("suppressed:\n  %s\nwant:\n  %s", strings.Join(lines, "\n  "), strings.Join(want, "\n  "))
	}
	wantMessage := "the ignore block for RP001 at .returnpath.hcl:15 expired on 2027-03-31 (reason: was fine until March): " +
		"RP001 findings on aws_network_acl.old are reported again; fix them and remove the ignore, or set a later date"
	if got[5].Message != wantMessage || got[5].Status != checks.New || got[5].Suppression != nil {
		t.Errorf("expired ignore finding %+v\nwant message %s", got[5], wantMessage)
	}

	// The next day the legacy ignore has expired too.
	later := Suppress(findings, ignores, now.AddDate(0, 0, 1), checks.DefaultConfig())
	if later[0].Suppression != nil || len(later) != 8 {
		t.Errorf("a day later: %d findings, first suppressed by %+v", len(later), later[0].Suppression)
	}

	// The expired-ignore rule follows the configuration like any other.
	strict := checks.Config{Severity: map[string]checks.Severity{checks.ExpiredIgnore: checks.Error}}
	if got := Suppress(nil, ignores, now, strict); len(got) != 2 || got[0].Severity != checks.Error {
		t.Errorf("RP009 as an error: %+v", got)
	}
	off := checks.Config{Disabled: map[string]bool{checks.ExpiredIgnore: true}}
	if got := Suppress(nil, ignores, now, off); len(got) != 0 {
		t.Errorf("RP009 disabled: %+v", got)
	}

	inline := Suppress([]checks.Finding{f("RP001", checks.Error, "aws_network_acl.x")},
		[]Ignore{{Kind: checks.InSource, Rule: "RP001", Resource: "aws_network_acl.x", Reason: "r", File: "main.tf", Line: 2,
			Expires: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}}, now, checks.DefaultConfig())
	if len(inline) != 2 || !strings.HasPrefix(inline[1].Message, "the returnpath:ignore comment for RP001 at main.tf:2 expired on 2027-01-01") {
		t.Errorf("expired comment: %+v", inline)
	}
}
