package checks

import (
	"net/netip"
	"testing"

	"github.com/returnpath-dev/returnpath/checks/internal/nacleval"
)

// Address ranges read as CIDR blocks, or as the few blocks of the peer
// they leave out, never as "0.0.0.0-10.101.255.255, … and 1 more".
func TestRangesText(t *testing.T) {
	r := func(lo, hi string) nacleval.AddrRange {
		return nacleval.AddrRange{Lo: netip.MustParseAddr(lo), Hi: netip.MustParseAddr(hi)}
	}
	world := netip.MustParsePrefix("0.0.0.0/0")
	for _, c := range []struct {
		ranges []nacleval.AddrRange
		within netip.Prefix
		want   string
	}{
		{[]nacleval.AddrRange{r("10.0.0.0", "10.0.1.255")}, world, "10.0.0.0/23"},
		{[]nacleval.AddrRange{r("10.0.0.0", "10.0.0.255"), r("10.0.2.7", "10.0.2.7")}, world, "10.0.0.0/24 and 10.0.2.7"},
		{[]nacleval.AddrRange{r("0.0.0.0", "10.101.255.255"), r("10.102.2.0", "169.254.169.122"), r("169.254.169.124", "169.254.169.252"),
			r("169.254.169.255", "255.255.255.255")}, world,
			"every address except 10.102.0.0/23, 169.254.169.123, 169.254.169.253 and 169.254.169.254"},
		{[]nacleval.AddrRange{r("10.0.0.0", "10.0.0.0"), r("10.0.0.2", "10.0.0.2"), r("10.0.0.4", "10.0.0.4"), r("10.0.0.6", "10.0.0.6"), r("10.0.0.8", "10.0.0.8")},
			netip.MustParsePrefix("10.0.0.0/28"), "10.0.0.0, 10.0.0.2 and 10.0.0.4 and 2 more blocks"},
	} {
		if got := rangesText(c.ranges, c.within, 3); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}
