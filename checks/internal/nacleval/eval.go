package nacleval

import (
	"encoding/binary"

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

// Rules is one NACL direction as a first-match walk sees it for one
// address family: its entries of that family that can match something, in
// rule order, each with the box of traffic it matches. The checks walk
// each NACL direction thousands of times on a large plan, so they compile
// it once (CompileRules) instead of working the boxes out on every walk.
// The zero Rules has no entry: everything meets the implicit deny.
type Rules struct {
	family plan.Family
	list   []compiledEntry
}

// compiledEntry is one entry of Rules with the traffic it matches.
type compiledEntry struct {
	entry *plan.Entry
	box   Box
}

// CompileRules is the Rules of entries (one NACL direction, sorted by rule
// number) for family f. Entries of the other family are left out (IPv4
// and IPv6 rules are evaluated apart), and so are entries that cannot
// match anything (invalid prefix or values), which the loader reports on
// its own. The Rules point into entries.
func CompileRules(entries []plan.Entry, f plan.Family) Rules {
	r := Rules{family: f}
	for i := range entries {
		e := &entries[i]
		if !inFamily(*e, f) {
			continue
		}
		if b, ok := entryBox(*e); ok {
			if r.list == nil {
				r.list = make([]compiledEntry, 0, len(entries)-i)
			}
			r.list = append(r.list, compiledEntry{e, b})
		}
	}
	return r
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
	return CompileRules(entries, f).FirstMatch(traffic, decide)
}

// FirstMatch is the first-match walk of r (see the function FirstMatch):
// decide gets each decided part as a new space, which it may keep.
func (r Rules) FirstMatch(traffic Space, decide func(e *plan.Entry, decided Space) bool) Space {
	return r.walk(traffic, false, func(at int, decided Space) bool { return decide(r.list[at].entry, decided) })
}

// walk is FirstMatch, with the entries by position in r. With borrowed,
// decided is a scratch space that is only valid during the call to decide
// (which copies what it keeps): most walks keep few of the parts they see,
// and need not allocate the others.
func (r Rules) walk(traffic Space, borrowed bool, decide func(at int, decided Space) bool) Space {
	remaining, owned := traffic, false
	var spare, scratch Space
	for at, ce := range r.list {
		b := ce.box
		if remaining.IsEmpty() {
			break
		}
		var into Space // nil: decided is a new space
		if borrowed {
			into = scratch[:0]
		}
		decided, rest, ok := remaining.split(b, into, spare)
		if !ok {
			continue // the entry matches none of what is left
		}
		if borrowed {
			scratch = decided
		}
		// The pieces of remaining are not needed any more: the next split
		// writes into them, unless they are the caller's.
		spare = nil
		if owned {
			spare = remaining[:0]
		}
		remaining, owned = rest, true
		if !decide(at, decided) {
			break
		}
	}
	return remaining
}

// Denied is the part of need that entries (one NACL direction) drop,
// split by the entry that drops it, in rule order with the implicit deny
// last.
func Denied(entries []plan.Entry, f plan.Family, need Space) []DeniedPart {
	return CompileRules(entries, f).Denied(need)
}

// Denied is the part of need that r drops (see the function Denied).
func (r Rules) Denied(need Space) []DeniedPart {
	parts, _ := r.Judge(need)
	return parts
}

// Judge is Denied and AllowsAny in one walk: the part of need that r
// drops, and whether r lets some of need through.
func (r Rules) Judge(need Space) (parts []DeniedPart, allowsAny bool) {
	rest := r.walk(need, true, func(at int, decided Space) bool {
		if e := r.list[at].entry; !e.Allow {
			parts = append(parts, DeniedPart{Space: clone(decided), By: e})
		} else {
			allowsAny = true
		}
		return true
	})
	if !rest.IsEmpty() {
		parts = append(parts, DeniedPart{Space: rest})
	}
	return parts, allowsAny
}

// AllowsAny reports whether entries (one NACL direction) let some of need
// through: whether Denied(entries, f, need) leaves part of need out. It
// stops at the first allow entry that decides some of need.
func AllowsAny(entries []plan.Entry, f plan.Family, need Space) bool {
	return CompileRules(entries, f).AllowsAny(need)
}

// AllowsAny reports whether r lets some of need through (see the
// function AllowsAny).
func (r Rules) AllowsAny(need Space) bool {
	allowed := false
	r.walk(need, true, func(at int, _ Space) bool {
		allowed = r.list[at].entry.Allow
		return !allowed
	})
	return allowed
}

// AllowsAll reports whether r lets all of need through: whether Denied
// finds nothing. It stops at the first deny entry that decides some of
// need.
func (r Rules) AllowsAll(need Space) bool {
	denied := false
	rest := r.walk(need, true, func(at int, _ Space) bool {
		denied = !r.list[at].entry.Allow
		return !denied
	})
	return !denied && rest.IsEmpty()
}

// Decisions walks entries in rule order and reports, for each entry of
// family f that decides some traffic, the part of its traffic that no
// earlier entry matched.
func Decisions(entries []plan.Entry, f plan.Family, visit func(e *plan.Entry, decided Space)) {
	CompileRules(entries, f).Decisions(visit)
}

// Decisions is the function Decisions for r: every traffic of its family,
// walked.
func (r Rules) Decisions(visit func(e *plan.Entry, decided Space)) {
	if len(r.list) == 0 {
		return // no entry decides anything (a NACL without rules of the family)
	}
	r.FirstMatch(familySpace(r.family), func(e *plan.Entry, decided Space) bool {
		visit(e, decided)
		return true
	})
}

// AppendShape appends to b what a walk of r depends on besides the
// traffic: its family and the boxes of its entries, in order. Rules of
// one shape decide the same traffic at the same positions, whatever else
// their entries say (action, number, source): NACLs written from one
// module often share a shape, and the checks walk each shape once (see
// Decided).
func (r Rules) AppendShape(b []byte) []byte {
	b = append(b, byte(r.family))
	for _, ce := range r.list {
		x := ce.box
		b = append(b, x.protoLo, x.protoHi)
		b = binary.BigEndian.AppendUint16(b, x.portLo)
		b = binary.BigEndian.AppendUint16(b, x.portHi)
		for _, a := range [2]boxAddr{x.addrLo, x.addrHi} {
			b = append(b, a.bits)
			b = binary.BigEndian.AppendUint64(b, a.hi)
			b = binary.BigEndian.AppendUint64(b, a.lo)
		}
	}
	return b
}

// DecidedAt is what the entry at position At of a Rules decides.
type DecidedAt struct {
	At    int
	Space Space
}

// Decided is Decisions by position: for each entry that decides some
// traffic, in rule order, its position (see Entry) and what it decides.
// It holds for every Rules of r's shape.
func (r Rules) Decided() []DecidedAt {
	if len(r.list) == 0 {
		return nil
	}
	var out []DecidedAt
	r.walk(familySpace(r.family), false, func(at int, decided Space) bool {
		out = append(out, DecidedAt{at, decided})
		return true
	})
	return out
}

// Entry is the entry at position i of r, in rule order.
func (r Rules) Entry(i int) *plan.Entry { return r.list[i].entry }

// clone is a copy of s that shares no memory with it.
func clone(s Space) Space {
	if len(s) == 0 {
		return nil
	}
	return append(make(Space, 0, len(s)), s...)
}
