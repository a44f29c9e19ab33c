package checks

import (
	"net/netip"
	"strings"
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

// rangeCIDRs covers a range exactly with CIDR blocks in address order,
// each the largest that starts where the previous one ended: checked on
// ranges of both families, ending at the edges of the address space too.
func TestRangeCIDRs(t *testing.T) {
	r := func(lo, hi string) nacleval.AddrRange {
		return nacleval.AddrRange{Lo: netip.MustParseAddr(lo), Hi: netip.MustParseAddr(hi)}
	}
	for _, c := range []struct {
		r    nacleval.AddrRange
		want string
	}{
		{r("10.0.0.0", "10.0.1.255"), "10.0.0.0/23"},
		{r("10.0.0.1", "10.0.0.6"), "10.0.0.1/32 10.0.0.2/31 10.0.0.4/31 10.0.0.6/32"},
		{r("0.0.0.0", "255.255.255.255"), "0.0.0.0/0"},
		{r("169.254.169.255", "255.255.255.255"), "169.254.169.255/32 169.254.170.0/23 169.254.172.0/22 169.254.176.0/20 " +
			"169.254.192.0/18 169.255.0.0/16 170.0.0.0/7 172.0.0.0/6 176.0.0.0/4 192.0.0.0/2"},
		{r("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), "::/0"},
		{r("::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), "::1/128 ::2/127 ::4/126 ::8/125 ::10/124 ::20/123 ::40/122 ::80/121 ::100/120 ::200/119 ::400/118 ::800/117 ::1000/116 ::2000/115 ::4000/114 ::8000/113 ::1:0/112 ::2:0/111 ::4:0/110 ::8:0/109 ::10:0/108 ::20:0/107 ::40:0/106 ::80:0/105 ::100:0/104 ::200:0/103 ::400:0/102 ::800:0/101 ::1000:0/100 ::2000:0/99 ::4000:0/98 ::8000:0/97 ::1:0:0/96 ::2:0:0/95 ::4:0:0/94 ::8:0:0/93 ::10:0:0/92 ::20:0:0/91 ::40:0:0/90 ::80:0:0/89 ::100:0:0/88 ::200:0:0/87 ::400:0:0/86 ::800:0:0/85 ::1000:0:0/84 ::2000:0:0/83 ::4000:0:0/82 ::8000:0:0/81 ::1:0:0:0/80 ::2:0:0:0/79 ::4:0:0:0/78 ::8:0:0:0/77 ::10:0:0:0/76 ::20:0:0:0/75 ::40:0:0:0/74 ::80:0:0:0/73 ::100:0:0:0/72 ::200:0:0:0/71 ::400:0:0:0/70 ::800:0:0:0/69 ::1000:0:0:0/68 ::2000:0:0:0/67 ::4000:0:0:0/66 ::8000:0:0:0/65 0:0:0:1::/64 0:0:0:2::/63 0:0:0:4::/62 0:0:0:8::/61 0:0:0:10::/60 0:0:0:20::/59 0:0:0:40::/58 0:0:0:80::/57 0:0:0:100::/56 0:0:0:200::/55 0:0:0:400::/54 0:0:0:800::/53 0:0:0:1000::/52 0:0:0:2000::/51 0:0:0:4000::/50 0:0:0:8000::/49 0:0:1::/48 0:0:2::/47 0:0:4::/46 0:0:8::/45 0:0:10::/44 0:0:20::/43 0:0:40::/42 0:0:80::/41 0:0:100::/40 0:0:200::/39 0:0:400::/38 0:0:800::/37 0:0:1000::/36 0:0:2000::/35 0:0:4000::/34 0:0:8000::/33 0:1::/32 0:2::/31 0:4::/30 0:8::/29 0:10::/28 0:20::/27 0:40::/26 0:80::/25 0:100::/24 0:200::/23 0:400::/22 0:800::/21 0:1000::/20 0:2000::/19 0:4000::/18 0:8000::/17 1::/16 2::/15 4::/14 8::/13 10::/12 20::/11 40::/10 80::/9 100::/8 200::/7 400::/6 800::/5 1000::/4 2000::/3 4000::/2 8000::/1"},
		{r("2001:db8::", "2001:db8::1:0"), "2001:db8::/112 2001:db8::1:0/128"},
		{r("10.0.0.7", "10.0.0.7"), "10.0.0.7/32"},
	} {
		var got []string
		for _, p := range rangeCIDRs(c.r) {
			got = append(got, p.String())
		}
		if s := strings.Join(got, " "); s != c.want {
			t.Errorf("rangeCIDRs(%s) = %s, want %s", c.r, s, c.want)
		}
	}
}
