package plan

import (
	"net/netip"
	"slices"
	"strings"
)

// Managed prefix lists whose entries the plan holds: their CIDRs stand in
// for the prefix list in security-group rules.
const (
	typePrefixList      = "aws_ec2_managed_prefix_list"
	typePrefixListEntry = "aws_ec2_managed_prefix_list_entry"
)

type prefixListValues struct {
	Entry []struct {
		CIDR *string `json:"cidr"`
	} `json:"entry"`
}

type prefixListEntryValues struct {
	PrefixListID *string `json:"prefix_list_id"`
	CIDR         *string `json:"cidr"`
}

// prefixListCIDRs is what the plan says of a prefix list's entries; ok is
// false when some entry is unknown until apply.
type prefixListCIDRs struct {
	cidrs []netip.Prefix
	ok    bool
}

// prefixLists reads every managed prefix list of the plan, once: its entry
// blocks and the aws_ec2_managed_prefix_list_entry resources that add to it.
func (b *builder) prefixLists() map[*instance]*prefixListCIDRs {
	if b.placed.prefixLists != nil {
		return b.placed.prefixLists
	}
	lists := map[*instance]*prefixListCIDRs{}
	b.placed.prefixLists = lists
	add := func(pl *prefixListCIDRs, cidr *string) {
		p, err := netip.ParsePrefix(deref(cidr))
		if err != nil {
			pl.ok = false
			return
		}
		if p = p.Masked(); !slices.Contains(pl.cidrs, p) {
			pl.cidrs = append(pl.cidrs, p)
		}
	}
	for _, inst := range b.ofType(typePrefixList) {
		pl := &prefixListCIDRs{ok: true}
		lists[inst] = pl
		var v prefixListValues
		if b.dec.Values(string(inst.Address), inst.Values, &v) != nil {
			pl.ok = false
			continue
		}
		// entry is Optional+Computed: unknown when the configuration
		// writes no entry block (the entry resources then say it all)
		if inst.Unknown.AnyIn("entry") && written(inst, "entry") {
			pl.ok = false
		}
		for _, e := range v.Entry {
			add(pl, e.CIDR)
		}
	}
	for _, inst := range b.ofType(typePrefixListEntry) {
		var v prefixListEntryValues
		if b.dec.Values(string(inst.Address), inst.Values, &v) != nil {
			continue
		}
		found, err := b.linkerOf(inst).link(inst, "prefix_list_id", v.PrefixListID, typePrefixList)
		if err != nil || len(found) != 1 {
			if deref(v.PrefixListID) == "" {
				b.unresolved(inst.Address, "cannot be linked to a managed prefix list: %s", orNoMatch(err, found))
			}
			continue
		}
		if inst.Unknown.AnyIn("cidr") {
			lists[found[0]].ok = false
			continue
		}
		add(lists[found[0]], v.CIDR)
	}
	for _, pl := range lists {
		slices.SortFunc(pl.cidrs, func(a, c netip.Prefix) int { return strings.Compare(a.String(), c.String()) })
	}
	return lists
}

// prefixListPeers turns a rule's prefix lists into peers: the CIDRs of a
// list the plan manages with all its entries, else a prefix-list peer that
// is not checked (a notice says so). unknown says that the ids are unknown
// until apply: the configuration's references of attr then name the lists.
func (b *builder) prefixListPeers(g *SecurityGroup, inst *instance, attr string, unknown bool, label string, base SGRule, ids []*string) []SGRule {
	var out []SGRule
	lists := b.prefixLists()
	peers := func(pl *instance, name string) {
		if cidrs := lists[pl]; cidrs != nil && cidrs.ok && len(cidrs.cidrs) > 0 {
			for _, p := range cidrs.cidrs {
				r := base.withoutPeer()
				r.Peer, r.Prefix = PeerCIDR, p
				out = append(out, r)
			}
			return
		}
		b.peerGap(g, inst.Address, true, "%s allows prefix list %s, whose entries are not all known until apply: that traffic is not checked against network ACLs", label, name)
	}
	for _, id := range ids {
		if id == nil || *id == "" {
			continue
		}
		if found := b.linker.withID(*id, []string{typePrefixList}); len(found) == 1 {
			peers(found[0], *id)
			continue
		}
		r := base.withoutPeer()
		r.Peer, r.PrefixList = PeerPrefixList, *id
		out = append(out, r)
		b.peerGap(g, inst.Address, true, "%s allows prefix list %s, whose CIDRs are not in the plan: that traffic is not checked against network ACLs", label, *id)
	}
	if unknown {
		found, err := b.linkerOf(inst).follow(inst, attr)
		found = ofTypes(found, []string{typePrefixList})
		if len(found) == 0 {
			b.peerGap(g, inst.Address, true, "%s allows a prefix list whose id is unknown until apply and cannot be linked (%s): that traffic is not checked against network ACLs", label, orNoMatch(err, nil))
		}
		for _, pl := range found {
			peers(pl, string(pl.Address))
		}
	}
	return out
}
