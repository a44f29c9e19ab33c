package runtask

import (
	"fmt"
	"math"
	"net/netip"
	"strings"

	"github.com/returnpath-dev/returnpath/internal/oneline"
	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/report"
)

// outcomeBody is the markdown HCP Terraform shows when an outcome is
// opened: what is broken, one dropped packet, the HCL that fixes it, and
// what the rule is about.
func outcomeBody(f report.Finding, check *checks.Check) string {
	var b strings.Builder
	status := "new in this plan"
	if f.Status == checks.Existing {
		status = "already broken today"
	}
	fmt.Fprintf(&b, "**%s %s** on %s (%s)\n\n", f.Severity, f.Rule, code(string(f.Resource)), status)
	b.WriteString(escapeMarkdown(oneline.Of(f.Message)) + "\n\n")

	var facts []string
	if len(f.Subnets) > 0 {
		var subnets []string
		for _, s := range f.Subnets {
			subnets = append(subnets, strings.TrimSpace(code(string(s.Address))+" "+s.CIDR))
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
			"**Dropped reply, e.g.:** "+witness(fl.Witness)+"; "+percent(fl.FailingShare)+" of Linux clients fail",
		)
	}
	for _, fact := range facts {
		b.WriteString("- " + fact + "\n")
	}
	if len(facts) > 0 {
		b.WriteString("\n")
	}
	if fl := f.Flow; fl != nil && strings.TrimSpace(fl.Suggestion) != "" {
		b.WriteString("**Fix:**\n\n" + codeBlock("hcl", fl.Suggestion) + "\n\n")
	}
	if check != nil {
		fmt.Fprintf(&b, "**About %s:** %s\n", check.ID, escapeMarkdown(check.Doc))
	}
	return strings.TrimRight(b.String(), "\n")
}

// witness is "`10.0.1.10:443 → 203.0.113.7:49152`", or "the reply to
// `203.0.113.7:49152`" when the local address is not known.
func witness(p checks.Packet) string {
	dst := addrPort(p.Dst)
	if !p.Src.Addr().IsValid() {
		return "the reply to " + code(dst)
	}
	return code(addrPort(p.Src) + " → " + dst)
}

func addrPort(ap netip.AddrPort) string {
	if !ap.Addr().IsValid() {
		return "?"
	}
	return ap.String()
}

// percent rounds a share to a whole percentage without rounding a partial
// failure to 0% or 100%.
func percent(share float64) string {
	p := math.Round(share * 100)
	switch {
	case share > 0 && p == 0:
		return "<1%"
	case share < 1 && p == 100:
		return ">99%"
	}
	return fmt.Sprintf("%d%%", int(p))
}

// escapeMarkdown keeps text literal in markdown: addresses such as
// aws_network_acl.x_ or module.m["*"] in a message must not turn into
// emphasis or links.
func escapeMarkdown(s string) string {
	return strings.NewReplacer(
		`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`,
		`<`, `\<`, `>`, `\>`, `|`, `\|`, `~`, `\~`,
	).Replace(s)
}

// code is s as a markdown code span. Instance keys may hold backticks
// (aws_subnet.x["a`b"]): the fence is one backtick longer than the longest
// run inside, as CommonMark requires.
func code(s string) string {
	fence := strings.Repeat("`", longestBacktickRun(s)+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// codeBlock is text as a fenced code block in language lang, its fence
// longer than any backtick run inside.
func codeBlock(lang, text string) string {
	fence := strings.Repeat("`", max(3, longestBacktickRun(text)+1))
	return fence + lang + "\n" + strings.TrimRight(text, "\n") + "\n" + fence
}

func longestBacktickRun(s string) int {
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}
