package planjson

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"
	"unicode/utf8"
)

// FuzzUnknowns checks Unknowns' light walk of valid JSON against what
// encoding/json reads: each member (the last of a repeated key) is whole
// or partly unknown exactly when its value is true or holds true, and so
// are the members of each object in a list.
func FuzzUnknowns(f *testing.F) {
	for _, s := range []string{
		`{"id":true,"ingress":[{},{"cidr_block":true}],"tags":{"a":false},"egress":false,"list":[false,[true]]}`,
		`{"a\"b" : true, "c\\":{"d":true}, "e\u0066":true, "\\":false, "t\"rue": {"x": "true"}}`,
		`{"id":true,"id":false,"cidr":false,"cidr":{"x":[true]}}`, `{"x":{"a":true,"a":false}}`,
		` { "n" : 1e5 , "s" : "tru\"e}]" , "l" : [ { "k" : true } , null , 3 ] } `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var members map[string]json.RawMessage
		if !utf8.Valid(data) || json.Unmarshal(data, &members) != nil || members == nil {
			return // after_unknown comes validated; attribute names are UTF-8
		}
		u, err := DecodeUnknowns("a.b", data)
		if err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		checkUnknowns(t, u, members, string(data))
		for name, raw := range members {
			var list []json.RawMessage
			if json.Unmarshal(raw, &list) != nil {
				continue
			}
			for i, elem := range list {
				var elemMembers map[string]json.RawMessage
				if json.Unmarshal(elem, &elemMembers) != nil || elemMembers == nil {
					elemMembers = map[string]json.RawMessage{}
				}
				checkUnknowns(t, u.Element(name, i), elemMembers, string(data)+" element "+name)
			}
		}
		if u.Whole("no such attribute") || u.AnyIn("no such attribute") {
			t.Fatalf("%s: an absent attribute is unknown", data)
		}
	})
}

func checkUnknowns(t *testing.T, u Unknowns, members map[string]json.RawMessage, what string) {
	t.Helper()
	for name, raw := range members {
		whole, anyIn := string(raw) == "true", holdsTrue(t, raw)
		if u.Whole(name) != whole || u.AnyIn(name) != anyIn {
			t.Fatalf("%s: %q: whole, anyIn = %v, %v; want %v, %v", what, name, u.Whole(name), u.AnyIn(name), whole, anyIn)
		}
	}
}

// holdsTrue reports whether the literal true is one of raw's tokens.
func holdsTrue(t *testing.T, raw json.RawMessage) bool {
	dec := json.NewDecoder(bytes.NewReader(raw))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return false
		}
		if err != nil {
			t.Fatal(err)
		}
		if tok == true {
			return true
		}
	}
}
