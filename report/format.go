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
		return f.Message + " (already broken today)"
	}
	return f.Message
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
