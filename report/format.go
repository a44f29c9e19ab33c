package report

import (
	"net/netip"
	"strings"

	"github.com/returnpath-dev/returnpath/checks"
)

// prefixString is a CIDR, or "" when it is not known.
func prefixString(p netip.Prefix) string {
	if !p.IsValid() {
		return ""
	}
	return p.String()
}

// addrPortString is "10.0.1.10:443" ("[2001:db8::1]:443" for IPv6), or ""
// when the address is not known.
func addrPortString(ap netip.AddrPort) string {
	if !ap.Addr().IsValid() {
		return ""
	}
	return ap.String()
}

// headline is the finding's one-line message, marked when the problem
// exists in the prior state already.
func headline(f Finding) string {
	if f.Status == checks.Existing {
		return f.Message + " (" + existingNote(f) + ")"
	}
	return f.Message
}

// existingNote says that a finding was there before the plan: a broken
// flow or group is "already broken today"; a rule defined in conflicting
// ways, a link that cannot be made (RP006, RP008) or an expired ignore
// breaks nothing by itself.
func existingNote(f Finding) string {
	switch f.Rule {
	case "RP006", "RP008", checks.ExpiredIgnore:
		return "already so before this plan"
	}
	return "already broken today"
}

// explanation is what formats without room for structure show of a
// finding: the headline, one dropped packet and the fix, one per line.
func explanation(f Finding) string {
	lines := []string{headline(f)}
	if fl := f.Flow; fl != nil {
		lines = append(lines, witnessLine(fl))
		if s := strings.TrimRight(fl.Suggestion, "\n"); s != "" {
			lines = append(lines, "fix:", s)
		}
	}
	return strings.Join(lines, "\n")
}
