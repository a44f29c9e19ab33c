package checks

import (
	"github.com/returnpath-dev/returnpath/plan"
)

// deniedPart is a piece of traffic a NACL direction drops, with the rule
// that drops it.
type deniedPart struct {
	space space
	// by is the deny entry that matched first; nil for the implicit deny
	// at the end of the NACL.
	by *plan.Entry
}

// inFamily reports whether an entry's prefix belongs to family f; entries
// without a valid prefix belong to none.
func inFamily(e plan.Entry, f plan.Family) bool {
	return e.Prefix.IsValid() && plan.FamilyOf(e.Prefix) == f
}

// denied evaluates need against entries (one NACL direction, sorted by rule
// number) the way AWS does: the first entry that matches a packet decides,
// and what no entry matches meets the implicit deny. It returns the part of
// need that is dropped, split by the entry that drops it, in rule order with
// the implicit deny last. Entries of the other address family are skipped:
// IPv4 and IPv6 rules are evaluated apart.
func denied(entries []plan.Entry, f plan.Family, need space) []deniedPart {
	var parts []deniedPart
	remaining, owned := need, false // need is the caller's: never written
	var spare space
	for i := range entries {
		if remaining.isEmpty() {
			return parts
		}
		e := &entries[i]
		if !inFamily(*e, f) {
			continue
		}
		b, ok := entryBox(*e)
		if !ok || !remaining.overlaps(b) {
			continue
		}
		matched, rest := remaining.split(b, spare)
		if !e.Allow {
			parts = append(parts, deniedPart{space: matched, by: e})
		}
		spare = nil
		if owned {
			spare = remaining[:0]
		}
		remaining, owned = rest, true
	}
	if !remaining.isEmpty() {
		parts = append(parts, deniedPart{space: remaining})
	}
	return parts
}

// allowsAny reports whether entries (one NACL direction) let some of need
// through: whether denied(entries, f, need) leaves part of need out. It
// stops at the first allow entry that matches what earlier entries left.
func allowsAny(entries []plan.Entry, f plan.Family, need space) bool {
	remaining, owned := need, false // need is the caller's: never written
	var spare space
	for i := range entries {
		if remaining.isEmpty() {
			return false
		}
		e := &entries[i]
		if !inFamily(*e, f) {
			continue
		}
		b, ok := entryBox(*e)
		if !ok || !remaining.overlaps(b) {
			continue
		}
		if e.Allow {
			return true
		}
		rest := remaining.without(b, spare)
		spare = nil
		if owned {
			spare = remaining[:0]
		}
		remaining, owned = rest, true
	}
	return false
}

// firstMatchEach walks entries in rule order and reports, for each entry of
// family f, the part of its traffic that no earlier entry matched: the
// traffic this entry actually decides.
func firstMatchEach(entries []plan.Entry, f plan.Family, visit func(e *plan.Entry, decided space)) {
	remaining := familySpace(f)
	var spare space
	for i := range entries {
		e := &entries[i]
		if !inFamily(*e, f) {
			continue
		}
		b, ok := entryBox(*e)
		if !ok {
			continue
		}
		if !remaining.overlaps(b) {
			visit(e, nil)
			continue
		}
		decided, rest := remaining.split(b, spare)
		visit(e, decided)
		spare, remaining = remaining[:0], rest
	}
}
