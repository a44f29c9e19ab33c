package planjson

import (
	"encoding/json"
	"fmt"
)

// Unknowns is a resource's after_unknown: which attributes are unknown until
// apply. It is the object's JSON (validated), read on demand: building a map
// for each of thousands of resources cost more than the few lookups made.
type Unknowns json.RawMessage

func DecodeUnknowns(address string, raw json.RawMessage) (Unknowns, error) {
	if len(raw) == 0 || string(raw) == "null" || string(raw) == "false" {
		return nil, nil
	}
	if !isObject(raw) {
		return nil, &FieldError{Address: address, Err: fmt.Errorf("after_unknown is not an object")}
	}
	return Unknowns(raw), nil
}

// isObject reports whether raw is one JSON object.
func isObject(raw []byte) bool {
	s := &scanner{data: raw}
	return s.members(func([]byte) error { return s.skip() }) == nil && s.end() == nil
}

// get returns the value of an attribute (the last one, as encoding/json
// would), nil when absent.
func (u Unknowns) get(attr string) []byte {
	if len(u) == 0 {
		return nil
	}
	var found []byte
	s := &scanner{data: u}
	s.members(func(key []byte) error {
		if string(key) != attr {
			return s.skip()
		}
		v, err := s.value()
		found = v
		return err
	})
	return found
}

// whole reports whether the attribute is unknown as a whole.
func (u Unknowns) Whole(attr string) bool { return string(u.get(attr)) == "true" }

// anyIn reports whether the attribute or any part of it is unknown.
func (u Unknowns) AnyIn(attr string) bool {
	raw := u.get(attr)
	return len(raw) > 0 && containsTrue(raw)
}

// element returns the Unknowns of element i of a list attribute.
func (u Unknowns) Element(attr string, i int) Unknowns {
	raw := u.get(attr)
	if len(raw) == 0 {
		return nil
	}
	var elem []byte
	n := 0
	s := &scanner{data: raw}
	err := s.elements(func() error {
		v, err := s.value()
		if n == i {
			elem = v
		}
		n++
		return err
	})
	if err != nil || len(elem) == 0 || elem[0] != '{' {
		return nil
	}
	return Unknowns(elem)
}

// containsTrue reports whether a JSON value holds the literal true
// anywhere (not inside a string).
func containsTrue(raw json.RawMessage) bool {
	s := &scanner{data: raw}
	found := false
	var walk func() error
	walk = func() error {
		switch s.peek() {
		case '{':
			return s.members(func([]byte) error { return walk() })
		case '[':
			return s.elements(walk)
		case 't':
			found = true
		}
		return s.skip()
	}
	return walk() == nil && found
}
