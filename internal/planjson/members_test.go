package planjson

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestMemberDecodersMatchTags decodes, into each value struct that decodes
// its own members, an object that sets every attribute its json tags name
// (lists of two elements, nested structs included), as encoding/json does:
// a member its decodeMember forgets, or reads into another field, fails.
func TestMemberDecodersMatchTags(t *testing.T) {
	n := 0
	for _, typ := range valueTypes() {
		if _, ok := typ.(memberDecoder); !ok {
			continue
		}
		n++
		full := reflect.New(reflect.TypeOf(typ).Elem())
		counter := 0
		populate(full.Elem(), &counter)
		raw, err := json.Marshal(full.Interface())
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), "null") {
			t.Fatalf("%T: %s: not every attribute is set", typ, raw)
		}
		checkDecodeValues(t, raw)
		got := reflect.New(reflect.TypeOf(typ).Elem())
		if !newTestDecoder().fillMembers(&scanner{data: raw}, got.Interface().(memberDecoder)) {
			t.Errorf("%T: %s left to encoding/json", typ, raw)
		}
		if !reflect.DeepEqual(got.Interface(), full.Interface()) {
			t.Errorf("%T: decoded %s, want %s", typ, dump(got.Interface()), raw)
		}
	}
	if n < 10 {
		t.Errorf("%d member decoders tested", n)
	}
}

// populate sets every field of v to a value of its own.
func populate(v reflect.Value, counter *int) {
	*counter++
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		populate(v.Elem(), counter)
	case reflect.String:
		v.SetString(strings.Repeat("v", *counter))
	case reflect.Int64:
		v.SetInt(int64(*counter))
	case reflect.Bool:
		v.SetBool(*counter%2 == 0)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		populate(v.Index(0), counter)
		populate(v.Index(1), counter)
	case reflect.Struct:
		for i := range v.NumField() {
			populate(v.Field(i), counter)
		}
	}
}
