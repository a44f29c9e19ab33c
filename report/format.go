package report

import (
	"net/netip"
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
