package planjson

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// FieldError is a value of the wrong type inside one resource.
type FieldError struct {
	Address string
	Err     error
}

func (e *FieldError) Error() string {
	var typ *json.UnmarshalTypeError
	if ok := asTypeError(e.Err, &typ); ok && typ.Field != "" {
		return fmt.Sprintf("%s: attribute %s is a JSON %s, expected %s", e.Address, typ.Field, typ.Value, goTypeName(typ.Type.String()))
	}
	return fmt.Sprintf("%s: %v", e.Address, e.Err)
}

func asTypeError(err error, target **json.UnmarshalTypeError) bool {
	t, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*target = t
	}
	return ok
}

// Values decodes one resource's attribute values into a struct of value
// fields (into points to it); null stays zero. fill decodes the attributes
// the struct names, skipping the others (the dozens of an aws_instance)
// with the scanner; encoding/json decodes the values fill does not handle
// and names the ones of the wrong type.
func (d *Decoder) Values(address string, raw json.RawMessage, into any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	v := reflect.ValueOf(into).Elem()
	if d.fill(raw, v) {
		return nil
	}
	v.SetZero()
	if err := json.Unmarshal(raw, into); err != nil {
		return &FieldError{Address: address, Err: err}
	}
	return nil
}

// fill decodes a JSON value into v as encoding/json would, for the shapes
// of the value structs: structs (by json tag, unknown keys skipped),
// slices, and pointers to strings, integers and booleans. It reports false
// for anything else, a value of the wrong type included, leaving v to
// encoding/json.
func (d *Decoder) fill(value []byte, v reflect.Value) bool {
	switch p := v.Addr().Interface().(type) {
	case **string, **int64, **bool: // most fields: no method to look for
		if string(value) == "null" {
			v.SetZero()
			return true
		}
		return scalar(value, p)
	}
	if d.customDecoding(v.Type()) {
		return false
	}
	if string(value) == "null" {
		v.SetZero()
		return true
	}
	switch v.Kind() {
	case reflect.String:
		if len(value) < 2 || value[0] != '"' {
			return false
		}
		str, ok := unescape(value[1 : len(value)-1])
		if ok {
			v.SetString(str)
		}
		return ok
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(string(value), 10, v.Type().Bits())
		if err == nil {
			v.SetInt(n)
		}
		return err == nil
	case reflect.Bool:
		switch string(value) {
		case "true":
			v.SetBool(true)
		case "false":
			v.SetBool(false)
		default:
			return false
		}
		return true
	case reflect.Slice:
		if value[0] != '[' {
			return false
		}
		v.Set(reflect.MakeSlice(v.Type(), 0, 0)) // [] is not null
		s := &scanner{data: value}
		err := s.elements(func() error {
			elem, err := s.value()
			if err != nil {
				return err
			}
			n := v.Len()
			v.Grow(1)
			v.SetLen(n + 1)
			if !d.fill(elem, v.Index(n)) {
				return errNotHandled
			}
			return nil
		})
		return err == nil
	case reflect.Struct:
		if value[0] != '{' {
			return false
		}
		fields := d.jsonFields(v.Type())
		if fields == nil {
			return false
		}
		s := &scanner{data: value}
		err := s.members(func(key []byte) error {
			i, known := fields[string(key)]
			if !known {
				if !plainKey(key) {
					// encoding/json matches keys without regard to
					// case (Unicode folding included): let it decide.
					return errNotHandled
				}
				return s.skip()
			}
			elem, err := s.value()
			if err != nil {
				return err
			}
			if !d.fill(elem, v.FieldByIndex(i)) {
				return errNotHandled
			}
			return nil
		})
		return err == nil
	}
	return false
}

var errNotHandled = errors.New("not handled")

// customDecoding reports whether encoding/json decodes values of t with
// their own method, which fill leaves to it.
func (d *Decoder) customDecoding(t reflect.Type) bool {
	if c, ok := d.custom[t]; ok {
		return c
	}
	jsonUnmarshaler := reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler := reflect.TypeFor[encoding.TextUnmarshaler]()
	p := reflect.PointerTo(t)
	c := t.Implements(jsonUnmarshaler) || p.Implements(jsonUnmarshaler) ||
		t.Implements(textUnmarshaler) || p.Implements(textUnmarshaler)
	d.custom[t] = c
	return c
}

// plainKey reports whether a key holds only lower-case ASCII letters,
// digits and punctuation, as Terraform's attribute names do: such a key
// matches a field's name only when it equals it.
func plainKey(key []byte) bool {
	for _, c := range key {
		if c >= 'A' && c <= 'Z' || c >= 0x80 {
			return false
		}
	}
	return true
}

// scalar decodes the common values of pointer fields without
// encoding/json: a string, an integer, a boolean.
func scalar(value []byte, into any) bool {
	switch p := into.(type) {
	case **string:
		if len(value) < 2 || value[0] != '"' {
			return false
		}
		v, ok := unescape(value[1 : len(value)-1])
		if !ok {
			return false
		}
		*p = &v
		return true
	case **int64:
		n, err := strconv.ParseInt(string(value), 10, 64)
		if err != nil {
			return false
		}
		*p = &n
		return true
	case **bool:
		var b bool
		switch string(value) {
		case "true":
			b = true
		case "false":
		default:
			return false
		}
		*p = &b
		return true
	}
	return false
}

// unescape decodes the inside of a valid JSON string token with the
// escapes addresses hold (\" in module.m["k"]); false for \u escapes and
// invalid UTF-8, which encoding/json decodes.
func unescape(inner []byte) (string, bool) {
	if !utf8.Valid(inner) {
		return "", false
	}
	i := bytes.IndexByte(inner, '\\')
	if i < 0 {
		return string(inner), true
	}
	out := make([]byte, 0, len(inner))
	for i >= 0 {
		out = append(out, inner[:i]...)
		if i+1 >= len(inner) {
			return "", false
		}
		switch c := inner[i+1]; c {
		case '"', '\\', '/':
			out = append(out, c)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		default:
			return "", false
		}
		inner = inner[i+2:]
		i = bytes.IndexByte(inner, '\\')
	}
	return string(append(out, inner...)), true
}

// jsonFields maps attribute names to field index paths, fields of embedded
// structs promoted as encoding/json promotes them; nil when t embeds a
// pointer to a struct, which fill leaves to encoding/json (it would have to
// allocate it).
func (d *Decoder) jsonFields(t reflect.Type) map[string][]int {
	if m, ok := d.fields[t]; ok {
		return m
	}
	m := map[string][]int{}
	for _, f := range reflect.VisibleFields(t) {
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && tag == "" {
			if f.Type.Kind() == reflect.Pointer {
				m = nil
				break
			}
			continue // its fields are promoted and listed after it
		}
		if tag != "" && tag != "-" && f.IsExported() {
			m[tag] = f.Index
		}
	}
	d.fields[t] = m
	return m
}
