package nacleval

import (
	"github.com/returnpath-dev/returnpath/plan"
)

// DeniedPart is a piece of traffic a NACL direction drops, with the rule
// that drops it.
type DeniedPart struct {
	Space Space
	// By is the deny entry that matched first; nil for the implicit deny
	// at the end of the NACL.
	By *plan.Entry
}

// inFamily reports whether an entry's prefix belongs to family f; entries
// without a valid prefix belong to none.
func inFamily(e plan.Entry, f plan.Family) bool {
	return e.Prefix.IsValid() && plan.FamilyOf(e.Prefix) == f
}

// FirstMatch walks entries (one NACL direction, sorted by rule number)
// the way AWS evaluates them: the first entry that matches a packet
// decides it. Starting from traffic (the caller's: never written), it
// calls decide, in rule order, for each entry of family f that matches
// part of what no earlier entry matched, with that part: the traffic the
// entry decides. It stops when decide returns false or nothing is left,
// and returns what is left: the traffic no entry matched, which meets the
// implicit deny. Entries of the other address family are skipped: IPv4
// and IPv6 rules are evaluated apart.
func FirstMatch(entries []plan.Entry, f plan.Family, traffic Space, decide func(e *plan.Entry, decided Space) bool) Space {
	remaining, owned := traffic, false
	var spare Space
	for i := range entries {
		if remaining.IsEmpty() {
			break
		}
		e := &entries[i]
		if !inFamily(*e, f) {
			continue
		}
		b, ok := entryBox(*e)
		if !ok || !remaining.overlaps(b) {
			continue
		}
		decided, rest := remaining.split(b, spare)
		// The pieces of remaining are not needed any more: the next split
		// writes into them, unless they are the caller's.
		spare = nil
		if owned {
			spare = remaining[:0]
		}
		remaining, owned = rest, true
		if !decide(e, decided) {
			break
		}
	}
	return remaining
}

// Denied is the part of need that entries (one NACL direction) drop,
// split by the entry that drops it, in rule order with the implicit deny
// last.
func Denied(entries []plan.Entry, f plan.Family, need Space) []DeniedPart {
	var parts []DeniedPart
	rest := FirstMatch(entries, f, need, func(e *plan.Entry, decided Space) bool {
		if !e.Allow {
			parts = append(parts, DeniedPart{Space: decided, By: e})
		}
		return true
	})
	if !rest.IsEmpty() {
		parts = append(parts, DeniedPart{Space: rest})
	}
	return parts
}

// AllowsAny reports whether entries (one NACL direction) let some of need
// through: whether Denied(entries, f, need) leaves part of need out. It
// stops at the first allow entry that decides some of need.
func AllowsAny(entries []plan.Entry, f plan.Family, need Space) bool {
	allowed := false
	FirstMatch(entries, f, need, func(e *plan.Entry, _ Space) bool {
		allowed = e.Allow
		return !allowed
	})
	return allowed
}

// Decisions walks entries in rule order and reports, for each entry of
// family f that decides some traffic, the part of its traffic that no
// earlier entry matched.
func Decisions(entries []plan.Entry, f plan.Family, visit func(e *plan.Entry, decided Space)) {
	FirstMatch(entries, f, familySpace(f), func(e *plan.Entry, decided Space) bool {
		visit(e, decided)
		return true
	})
}
