package planjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
)

// Unknowns is a resource's after_unknown: which attributes are unknown until
// apply. The zero value has every attribute known. Its top-level members are
// indexed on the first question: the builder asks about a resource's
// attributes several times (each field of a rule), and walking the JSON for
// each question cost more than the rest of reading the resource, while most
// of an aws_instance's long after_unknown is never asked about.
type Unknowns struct {
	raw   json.RawMessage
	index *unknownIndex // shared by the copies of an Unknowns
}

type unknownIndex struct {
	made  bool
	attrs []unknownAttr // in the order of raw
}

// unknownAttr is one member of an after_unknown object, by its place in
// the object's JSON (offsets keep the index a third of the size of slices).
type unknownAttr struct {
	nameStart, nameEnd   uint32 // the key, without its quotes
	valueStart, valueEnd uint32
	escaped              bool // the key holds escapes: decode it to compare
	anyTrue              bool // the value holds true anywhere
}

// DecodeUnknowns reads the after_unknown of the resource at address, JSON
// the plan's decoder has validated.
func DecodeUnknowns(address string, raw json.RawMessage) (Unknowns, error) {
	return decodeUnknowns(address, raw, func() *unknownIndex { return new(unknownIndex) })
}

// Unknowns is DecodeUnknowns for the resources of the plan d decoded: their
// indexes are allocated many at a time.
func (d *Decoder) Unknowns(address string, raw json.RawMessage) (Unknowns, error) {
	return decodeUnknowns(address, raw, func() *unknownIndex { return d.unknownIndexes.new(unknownIndex{}) })
}

func decodeUnknowns(address string, raw json.RawMessage, newIndex func() *unknownIndex) (Unknowns, error) {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 || string(raw) == "null" || string(raw) == "false" {
		return Unknowns{}, nil
	}
	if raw[0] != '{' || uint64(len(raw)) > math.MaxUint32 {
		return Unknowns{}, &FieldError{Address: address, Err: fmt.Errorf("after_unknown is not an object")}
	}
	return Unknowns{raw: raw, index: newIndex()}, nil
}

// objectUnknowns is the Unknowns of a JSON object.
func objectUnknowns(raw []byte) Unknowns {
	return Unknowns{raw: raw, index: &unknownIndex{}}
}

// attrs lists the members of the object, on first use.
func (u Unknowns) attrs() []unknownAttr {
	if u.index == nil {
		return nil
	}
	if !u.index.made {
		u.index.made = true
		u.index.attrs = indexMembers(u.raw)
	}
	return u.index.attrs
}

// indexMembers lists the members of a JSON object. The object is valid
// JSON (the plan's decoder validated it), so a light walk that only finds
// where keys and values end will do: this runs for most resources of a
// plan, and an aws_instance's after_unknown is over a kilobyte. On invalid
// input it stops early, never out of bounds.
func indexMembers(raw []byte) []unknownAttr {
	// Each member has a colon: no more members than those, and counting
	// them costs less than growing the index.
	attrs := make([]unknownAttr, 0, bytes.Count(raw, []byte{':'}))
	for i := skipSpace(raw, 1); i < len(raw) && raw[i] == '"'; { // after the {
		// The scanner reads strings eight bytes at a time.
		key := scanner{data: raw, pos: i}
		_, escaped, err := key.stringToken()
		colon := skipSpace(raw, key.pos)
		if err != nil || colon >= len(raw) || raw[colon] != ':' {
			break
		}
		start := skipSpace(raw, colon+1)
		end, anyTrue := valueEnd(raw, start)
		attrs = append(attrs, unknownAttr{
			nameStart: uint32(i + 1), nameEnd: uint32(key.pos - 1),
			valueStart: uint32(start), valueEnd: uint32(end),
			escaped: escaped, anyTrue: anyTrue,
		})
		if i = skipSpace(raw, end); i >= len(raw) || raw[i] != ',' {
			break
		}
		i = skipSpace(raw, i+1)
	}
	return attrs
}

func skipSpace(raw []byte, i int) int {
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
		i++
	}
	return i
}

// stringEnd is the end of the string whose quote is at raw[i]; past
// len(raw) when it does not end.
func stringEnd(raw []byte, i int) int {
	for i++; i < len(raw); i++ {
		switch raw[i] {
		case '\\':
			i++ // past the escaped character
		case '"':
			return i + 1
		}
	}
	return len(raw) + 1
}

// valueEnd is the end of the valid JSON value that starts at raw[i], and
// whether it holds the literal true: outside strings, the only t is true's.
func valueEnd(raw []byte, i int) (end int, anyTrue bool) {
	depth := 0
	for ; i < len(raw); i++ {
		switch raw[i] {
		case '"':
			i = min(stringEnd(raw, i), len(raw)) - 1
			if depth == 0 {
				return i + 1, anyTrue
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i, anyTrue // the end of what holds a scalar
			}
			if depth--; depth == 0 {
				return i + 1, anyTrue
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i, anyTrue // after a scalar
			}
		case 't':
			anyTrue = true
		}
	}
	return len(raw), anyTrue
}

func (u Unknowns) value(a *unknownAttr) []byte { return u.raw[a.valueStart:a.valueEnd] }

// is reports whether a's key is name.
func (u Unknowns) is(a *unknownAttr, name string) bool {
	key := u.raw[a.nameStart:a.nameEnd]
	if !a.escaped {
		return string(key) == name
	}
	decoded, err := unquote(u.raw[a.nameStart-1:a.nameEnd+1], true)
	return err == nil && decoded == name
}

// get returns the member of an attribute (the last one, as encoding/json
// would), nil when absent.
func (u Unknowns) get(attr string) *unknownAttr {
	attrs := u.attrs()
	for i := len(attrs) - 1; i >= 0; i-- {
		a := &attrs[i]
		if !a.escaped {
			// Most keys have no escapes: length and first byte tell
			// most apart without a call.
			key := u.raw[a.nameStart:a.nameEnd]
			if len(key) == len(attr) && (len(key) == 0 || key[0] == attr[0]) && string(key) == attr {
				return a
			}
			continue
		}
		if u.is(a, attr) {
			return a
		}
	}
	return nil
}

// Whole reports whether the attribute is unknown as a whole.
func (u Unknowns) Whole(attr string) bool {
	a := u.get(attr)
	return a != nil && string(u.value(a)) == "true"
}

// AnyIn reports whether the attribute or any part of it is unknown.
func (u Unknowns) AnyIn(attr string) bool {
	a := u.get(attr)
	return a != nil && a.anyTrue
}

// Element returns the Unknowns of element i of a list attribute.
func (u Unknowns) Element(attr string, i int) Unknowns {
	a := u.get(attr)
	if a == nil || !a.anyTrue {
		return Unknowns{} // nothing in it is unknown
	}
	list := u.value(a)
	if list[0] != '[' {
		return Unknowns{}
	}
	at := skipSpace(list, 1)
	for n := 0; at < len(list) && list[at] != ']'; n++ {
		end, _ := valueEnd(list, at)
		if n == i {
			if list[at] != '{' {
				return Unknowns{}
			}
			return objectUnknowns(list[at:end])
		}
		if at = skipSpace(list, end); at >= len(list) || list[at] != ',' {
			break
		}
		at = skipSpace(list, at+1)
	}
	return Unknowns{}
}
