package report

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
)

// Text writes the report for people: the findings grouped by resource, each
// with its message (which names the reply path and what drops it), one
// dropped packet, where it is configured (file:line) and the fix, then a
// summary line. A report without findings is one line. Suppressed findings
// are not problems: they are only counted (the JSON and SARIF formats list
// them with their reason).
type Text struct {
	Color bool // ANSI colours on severity labels
}

// ANSI colours of severity labels.
const (
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
	ansiReset  = "\x1b[0m"
)

// Format writes r as text.
func (t Text) Format(w io.Writer, r *Report) error {
	if len(r.PlanReports) > 0 {
		return t.formatPlans(w, r)
	}
	bw := bufio.NewWriter(w)
	shown := r.Shown()
	if len(shown) == 0 {
		checked := plural(r.Summary.NACLs, "NACL")
		if r.Summary.SecurityGroups > 0 {
			checked += " and " + plural(r.Summary.SecurityGroups, "security group")
		}
		fmt.Fprintf(bw, "no return-path problems in %s", checked)
		if n := r.Summary.Suppressed; n > 0 {
			fmt.Fprintf(bw, " (%s suppressed)", plural(n, "finding"))
		}
		fmt.Fprintln(bw, r.Scope())
		return bw.Flush()
	}
	for i := 0; i < len(shown); {
		j := i
		for j < len(shown) && shown[j].Resource == shown[i].Resource {
			j++
		}
		group := shown[i:j]
		fmt.Fprintln(bw, header(group))
		for _, f := range group {
			t.finding(bw, f)
		}
		fmt.Fprintln(bw)
		i = j
	}
	fmt.Fprintln(bw, summaryLine(r))
	return bw.Flush()
}

// header is "ADDRESS — subnets A 10.0.1.0/24, B 10.0.2.0/24".
func header(group []Finding) string {
	addr := group[0].Resource
	var subnets []string
	seen := map[plan.Address]bool{}
	for _, f := range group {
		for _, s := range f.Subnets {
			if seen[s.Address] {
				continue
			}
			seen[s.Address] = true
			subnets = append(subnets, escapeControl(strings.TrimSpace(string(s.Address)+" "+s.CIDR)))
		}
	}
	lead := "subnet"
	shown := escapeControl(string(addr))
	if isSecurityGroup(addr) {
		lead = "members in subnet"
	}
	switch {
	case len(subnets) == 1:
		return fmt.Sprintf("%s — %s %s", shown, lead, subnets[0])
	case len(subnets) > 1:
		return fmt.Sprintf("%s — %ss %s", shown, lead, strings.Join(subnets, ", "))
	case isNACL(addr) && !saysNothingOfSubnets(group):
		return fmt.Sprintf("%s — not associated with any subnet", shown)
	}
	return shown
}

// saysNothingOfSubnets reports whether a group holds only findings that
// carry no subnets whatever the NACL's: expired ignores (their address is
// a pattern or a block of the configuration) and RP008 (a NACL that cannot
// be linked or evaluated, whose subnets the finding does not list).
func saysNothingOfSubnets(group []Finding) bool {
	for _, f := range group {
		if !carriesNoSubnets(f) {
			return false
		}
	}
	return true
}

func carriesNoSubnets(f Finding) bool {
	return f.Rule == checks.ExpiredIgnore || f.Rule == checks.Unresolved
}

// isSecurityGroup reports whether addr is an aws_security_group or
// aws_default_security_group instance.
func isSecurityGroup(addr plan.Address) bool {
	t := resourceType(addr)
	return t == "aws_security_group" || t == "aws_default_security_group"
}

func (t Text) finding(w io.Writer, f Finding) {
	label := f.Severity.String()
	prefix := "  " + label + " " + f.Rule + "  "
	indent := strings.Repeat(" ", len(prefix))
	if t.Color {
		label = colorOf(f.Severity) + label + ansiReset
	}
	fmt.Fprintf(w, "  %s %s  %s\n", label, f.Rule, escapeControl(headline(f)))
	fl := f.Flow
	if fl != nil {
		fmt.Fprintf(w, "%s%s\n", indent, witnessLine(fl))
	}
	if f.Location.IsValid() {
		fmt.Fprintf(w, "%s%s\n", indent, escapeControl(f.Location.String()))
	}
	if fl == nil {
		return
	}
	if s := strings.TrimRight(suggestionText(f), "\n"); s != "" {
		fmt.Fprintf(w, "%sfix:\n", indent)
		for _, l := range strings.Split(s, "\n") {
			fmt.Fprintf(w, "%s  %s\n", indent, l)
		}
	}
}

// witnessLine is "e.g. 10.0.1.10:443 → 203.0.113.7:49731 dropped; 100% of
// Linux clients fail".
func witnessLine(fl *checks.Flow) string {
	src, dst := addrPortString(fl.Witness.Src), addrPortString(fl.Witness.Dst)
	// An end in a subnet whose CIDR is unknown until apply has no
	// address: it is left out rather than printed empty.
	var packet string
	switch {
	case src == "" && dst == "":
		packet = "e.g. a " + fl.Witness.Protocol.String() + " packet dropped"
	case src == "":
		packet = "e.g. the reply to " + dst + " dropped"
	case dst == "":
		packet = "e.g. " + src + " → an address of the subnet dropped"
	default:
		packet = "e.g. " + src + " → " + dst + " dropped"
	}
	return packet + "; " + failingText(fl)
}

// failingText says who fails: the share of Linux clients, and where when
// only part of the peer range fails; when no Linux client fails, the
// clients whose ports are dropped.
func failingText(fl *checks.Flow) string {
	if fl.FailingShare == 0 && fl.Leg == checks.ReplyLeg {
		ports := make([]string, len(fl.MissingPorts))
		for i, p := range fl.MissingPorts {
			ports[i] = p.String()
		}
		return "Linux clients are not affected; clients using ports " + strings.Join(ports, ", ") + " fail"
	}
	where := ""
	if len(fl.FailingPeers) > 0 {
		blocks := make([]string, len(fl.FailingPeers))
		for i, p := range fl.FailingPeers {
			blocks[i] = p.String()
		}
		where = " in " + strings.Join(blocks, ", ")
	}
	return percent(fl.FailingShare) + " of Linux clients" + where + " fail"
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

// summaryLine is "1 error, 0 warnings — 3 NACLs (14 rules) checked ·
// terraform 1.11.4, 42 resources".
func summaryLine(r *Report) string {
	s := r.Summary
	var b strings.Builder
	b.WriteString(plural(s.Errors, "error") + ", " + plural(s.Warnings, "warning"))
	if s.Notices > 0 {
		b.WriteString(", " + plural(s.Notices, "notice"))
	}
	if s.Suppressed > 0 {
		fmt.Fprintf(&b, ", %d suppressed", s.Suppressed)
	}
	fmt.Fprintf(&b, " — %s (%s)", plural(s.NACLs, "NACL"), plural(s.Rules, "rule"))
	if s.SecurityGroups > 0 {
		b.WriteString(", " + plural(s.SecurityGroups, "security group"))
	}
	b.WriteString(" checked · ")
	if r.Plan.TerraformVersion != "" {
		b.WriteString("terraform " + escapeControl(r.Plan.TerraformVersion) + ", ")
	}
	b.WriteString(plural(r.Plan.Resources, "resource"))
	b.WriteString(r.Scope())
	return b.String()
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func colorOf(s checks.Severity) string {
	switch s {
	case checks.Error:
		return ansiRed
	case checks.Warning:
		return ansiYellow
	}
	return ansiCyan
}

// isNACL reports whether addr is an aws_network_acl or
// aws_default_network_acl instance.
func isNACL(addr plan.Address) bool {
	t := resourceType(addr)
	return t == "aws_network_acl" || t == "aws_default_network_acl"
}

// resourceType is the type of a resource instance address:
// "aws_network_acl" for module.net[1].aws_network_acl.this["a.b"]; "" for
// what is not one (an ignore's pattern).
func resourceType(addr plan.Address) string {
	r, err := addr.Parse()
	if err != nil {
		return ""
	}
	return r.Type
}

// formatPlans writes the report of several plans: each plan's report under
// a line naming it, then the totals.
func (t Text) formatPlans(w io.Writer, r *Report) error {
	for _, sub := range r.PlanReports {
		if _, err := fmt.Fprintf(w, "── plan %s ──\n", sub.Plan.File); err != nil {
			return err
		}
		if err := t.Format(w, sub); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	_, err := fmt.Fprintf(w, "%s: %s\n", plural(len(r.PlanReports), "plan"), r.Verdict())
	return err
}
