package config

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/hashicorp/hcl/v2"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
	"github.com/returnpath-dev/returnpath/source"
)

// Ignore silences the findings of one rule on some resources, for a
// reason, until an optional date.
type Ignore struct {
	// Kind is checks.External for an ignore block, checks.InSource for a
	// returnpath:ignore comment.
	Kind checks.SuppressionKind
	Rule string
	// Resource is, for an ignore block, a glob on finding addresses in
	// which * matches any run of characters; for a comment, the address of
	// the resource block it is written above (module path and TYPE.NAME,
	// no instance keys), which matches every instance of that block.
	Resource string
	Reason   string
	// Expires is the last day (UTC) the ignore holds; zero for never.
	Expires time.Time
	// File and Line are where the ignore is written; File is relative to
	// the repository root.
	File string
	Line int
}

// Where is "file:line" of the ignore.
func (ig Ignore) Where() string { return fmt.Sprintf("%s:%d", ig.File, ig.Line) }

// Matches reports whether the ignore covers the finding (in force or not).
func (ig Ignore) Matches(f checks.Finding) bool {
	if f.Rule != ig.Rule {
		return false
	}
	if ig.Kind == checks.InSource {
		addr, ok := source.ConfigAddress(f.Resource)
		return ok && addr == ig.Resource
	}
	return globMatch(ig.Resource, string(f.Resource))
}

// Expired reports whether now is after the last day of the ignore.
func (ig Ignore) Expired(now time.Time) bool {
	return !ig.Expires.IsZero() && !now.Before(ig.Expires.AddDate(0, 0, 1))
}

// dateLayout is how expiry dates are written.
const dateLayout = time.DateOnly

// ignoreBlock checks one ignore block.
func ignoreBlock(s ignoreSchema, filename string) (Ignore, hcl.Diagnostics) {
	ig := Ignore{
		Kind:     checks.External,
		Rule:     s.Rule,
		Resource: s.Resource,
		Reason:   strings.TrimSpace(s.Reason),
		File:     filename,
		Line:     s.DefRange.Start.Line,
	}
	var diags hcl.Diagnostics
	if d := ignorableRule(s.Rule, s.RuleRange); d != nil {
		diags = diags.Append(d)
	}
	if strings.TrimSpace(s.Resource) == "" {
		diags = diags.Append(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Empty resource",
			Detail:   `resource is a glob on resource addresses, such as "module.legacy.aws_network_acl.this[*]".`,
			Subject:  s.ResourceRange.Ptr(),
		})
	}
	if ig.Reason == "" {
		diags = diags.Append(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Empty reason",
			Detail:   "An ignore needs a reason: say why the finding is acceptable, for the next reader.",
			Subject:  s.ReasonRange.Ptr(),
		})
	}
	if s.Expires != nil {
		day, err := time.Parse(dateLayout, *s.Expires)
		if err != nil {
			diags = diags.Append(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid expiry date",
				Detail:   fmt.Sprintf("expires is %q; want a date YYYY-MM-DD, the last day the ignore holds.", *s.Expires),
				Subject:  s.ExpiresRange.Ptr(),
			})
		}
		ig.Expires = day
	}
	return ig, diags
}

// ignorableRule is the diagnostic for a rule an ignore cannot name: an
// unknown one, or ExpiredIgnore itself (its findings are about ignores).
func ignorableRule(id string, at hcl.Range) *hcl.Diagnostic {
	if d := unknownRule(id, at); d != nil {
		return d
	}
	if id == checks.ExpiredIgnore {
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Rule cannot be ignored",
			Detail: fmt.Sprintf("%s reports expired ignores and cannot itself be ignored; renew the expired ignore, "+
				"or turn the rule off with rule %q { enabled = false }.", id, id),
			Subject: at.Ptr(),
		}
	}
	return nil
}

// Directive words of a returnpath comment.
const (
	directivePrefix = "returnpath:"
	ignoreDirective = "returnpath:ignore"
	expiresPrefix   = "expires="
)

// Comments reads the returnpath:ignore comments directly above the
// resource blocks of ix:
//
//	# returnpath:ignore RULE [expires=YYYY-MM-DD] REASON
//
// one rule per comment line. A malformed directive (or an unknown
// "returnpath:" word) is an error at the comment, never skipped.
func Comments(ix *source.Index) ([]Ignore, hcl.Diagnostics) {
	var ignores []Ignore
	var diags hcl.Diagnostics
	for addr, b := range ix.Blocks() {
		for i, text := range b.Comments {
			if !isDirective(text) {
				continue
			}
			var at hcl.Range
			if i < len(b.CommentRanges) {
				at = b.CommentRanges[i]
			}
			ig, d := ignoreComment(text, at)
			if d != nil {
				diags = diags.Append(d)
				continue
			}
			ig.Resource = addr
			ignores = append(ignores, ig)
		}
	}
	return ignores, diags
}

// isDirective reports whether a comment is a returnpath directive:
// "returnpath:" and a word ("returnpath: prose" is not one).
func isDirective(text string) bool {
	word, ok := strings.CutPrefix(text, directivePrefix)
	return ok && word != "" && unicode.IsLetter(rune(word[0]))
}

// ignoreComment reads one "returnpath:..." comment text written at at.
func ignoreComment(text string, at hcl.Range) (Ignore, *hcl.Diagnostic) {
	invalid := func(summary, detail string) *hcl.Diagnostic {
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: at.Ptr()}
	}
	const syntax = `write "# returnpath:ignore RULE [expires=YYYY-MM-DD] REASON" directly above the resource block`
	fields := strings.Fields(text)
	if fields[0] != ignoreDirective {
		return Ignore{}, invalid("Unknown returnpath directive", fmt.Sprintf("%q is not a returnpath directive; %s.", fields[0], syntax))
	}
	ig := Ignore{Kind: checks.InSource, File: at.Filename, Line: at.Start.Line}
	rest := fields[1:]
	if len(rest) == 0 {
		return Ignore{}, invalid("Incomplete returnpath:ignore comment", "The comment names no rule; "+syntax+".")
	}
	ig.Rule, rest = rest[0], rest[1:]
	if d := ignorableRule(ig.Rule, at); d != nil {
		return Ignore{}, d
	}
	if len(rest) > 0 && strings.HasPrefix(rest[0], expiresPrefix) {
		date := strings.TrimPrefix(rest[0], expiresPrefix)
		day, err := time.Parse(dateLayout, date)
		if err != nil {
			return Ignore{}, invalid("Invalid expiry date", fmt.Sprintf("expires=%s is not a date YYYY-MM-DD (the last day the ignore holds).", date))
		}
		ig.Expires, rest = day, rest[1:]
	}
	ig.Reason = strings.Join(rest, " ")
	if ig.Reason == "" {
		return Ignore{}, invalid("Missing reason", fmt.Sprintf("The ignore of %s gives no reason: say why the finding is acceptable; %s.", ig.Rule, syntax))
	}
	return ig, nil
}

// globMatch reports whether pattern matches all of s; * matches any run of
// characters (dots and brackets too), every other character itself.
func globMatch(pattern, s string) bool {
	// The classic two-pointer match: on a mismatch, let the last * take
	// one more character.
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// Suppress applies ignores to findings as of now and returns the result;
// findings itself is not modified. A finding that an ignore in force
// matches keeps its place and gets a Suppression (the first such ignore:
// list comments before ignore blocks). An expired ignore silences
// nothing: it becomes a checks.ExpiredIgnore finding, graded by cfg, on
// the ignore's resource pattern or block address.
func Suppress(findings []checks.Finding, ignores []Ignore, now time.Time, cfg checks.Config) []checks.Finding {
	out := make([]checks.Finding, 0, len(findings))
	for _, f := range findings {
		for _, ig := range ignores {
			if ig.Matches(f) && !ig.Expired(now) {
				f.Suppression = &checks.Suppression{Kind: ig.Kind, Reason: ig.Reason, Source: ig.Where()}
				break
			}
		}
		out = append(out, f)
	}
	for _, ig := range ignores {
		if !ig.Expired(now) {
			continue
		}
		if f, ok := cfg.Grade(expiredFinding(ig)); ok {
			out = append(out, f)
		}
	}
	return out
}

// expiredFinding describes an expired ignore.
func expiredFinding(ig Ignore) checks.Finding {
	what := "the ignore block"
	if ig.Kind == checks.InSource {
		what = "the returnpath:ignore comment"
	}
	return checks.Finding{
		Rule:     checks.ExpiredIgnore,
		Resource: plan.Address(ig.Resource),
		Status:   checks.New,
		Message: fmt.Sprintf("%s for %s at %s expired on %s (reason: %s): %s findings on %s are reported again; "+
			"fix them and remove the ignore, or set a later date",
			what, ig.Rule, ig.Where(), ig.Expires.Format(dateLayout), ig.Reason, ig.Rule, ig.Resource),
	}
}
