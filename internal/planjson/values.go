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
// fields (into points to it); null stays zero. The struct itself (see
// memberDecoder) or the filler of its type (see fillerOf) decodes the
// attributes it names, skipping the others (the dozens of an aws_instance)
// with the scanner; encoding/json decodes the values they do not handle and
// names the ones of the wrong type. raw is valid JSON, as the values of a
// decoded plan are: the attributes skipped are not validated again.
func (d *Decoder) Values(address string, raw json.RawMessage, into any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	v := reflect.ValueOf(into).Elem()
	d.values = scanner{data: raw, validated: true}
	var filled bool
	if direct, ok := into.(memberDecoder); ok {
		filled = d.fillMembers(&d.values, direct)
	} else {
		filled = d.fillerOf(v.Type())(&d.values, v)
	}
	if filled {
		return nil
	}
	v.SetZero()
	if err := json.Unmarshal(raw, into); err != nil {
		return &FieldError{Address: address, Err: err}
	}
	return nil
}

// filler decodes the JSON value at the scanner into v as encoding/json
// would. It reports false for what it does not handle, a value of the wrong
// type included, and then leaves v and the scanner half way: Values gives
// the whole value to encoding/json.
type filler func(s *scanner, v reflect.Value) bool

// fillerOf returns the filler of values of type t, made once per Decoder:
// reflection over the type's fields is done once, not for each value.
func (d *Decoder) fillerOf(t reflect.Type) filler {
	if f, ok := d.fillers[t]; ok {
		return f
	}
	// A type that holds itself finds its filler here while it is made.
	var made filler
	d.fillers[t] = func(s *scanner, v reflect.Value) bool { return made(s, v) }
	made = d.makeFiller(t)
	d.fillers[t] = made
	return made
}

// makeFiller handles the shapes of the value structs: structs (by json tag,
// unknown keys skipped), slices, strings, integers, booleans and pointers
// to strings, integers and booleans. A null leaves a value as it is and
// makes a pointer or a slice nil, as encoding/json does.
func (d *Decoder) makeFiller(t reflect.Type) filler {
	switch t {
	case reflect.TypeFor[*string]():
		return nullable(func(s *scanner, v reflect.Value) bool {
			str, ok := fillString(s)
			if ok {
				v.Set(reflect.ValueOf(d.strings.new(str)))
			}
			return ok
		})
	case reflect.TypeFor[*int64]():
		return nullable(func(s *scanner, v reflect.Value) bool {
			n, ok := fillInt(s, 64)
			if ok {
				v.Set(reflect.ValueOf(d.ints.new(n)))
			}
			return ok
		})
	case reflect.TypeFor[*bool]():
		return nullable(func(s *scanner, v reflect.Value) bool {
			b, ok := fillBool(s)
			if ok {
				v.Set(reflect.ValueOf(d.bools.new(b)))
			}
			return ok
		})
	}
	if customDecoding(t) {
		return func(*scanner, reflect.Value) bool { return false }
	}
	switch t.Kind() {
	case reflect.String:
		return keepOnNull(func(s *scanner, v reflect.Value) bool {
			str, ok := fillString(s)
			if ok {
				v.SetString(str)
			}
			return ok
		})
	case reflect.Int, reflect.Int64:
		return keepOnNull(func(s *scanner, v reflect.Value) bool {
			n, ok := fillInt(s, t.Bits())
			if ok {
				v.SetInt(n)
			}
			return ok
		})
	case reflect.Bool:
		return keepOnNull(func(s *scanner, v reflect.Value) bool {
			b, ok := fillBool(s)
			if ok {
				v.SetBool(b)
			}
			return ok
		})
	case reflect.Slice:
		return nullable(d.sliceFiller(t))
	case reflect.Struct:
		if reflect.PointerTo(t).Implements(reflect.TypeFor[memberDecoder]()) {
			return keepOnNull(func(s *scanner, v reflect.Value) bool {
				return d.fillMembers(s, v.Addr().Interface().(memberDecoder))
			})
		}
		if f := d.structFiller(t); f != nil {
			return keepOnNull(f)
		}
	}
	return func(*scanner, reflect.Value) bool { return false }
}

// slab hands out pointers to values allocated many at a time: the values
// of a large plan have tens of thousands of pointer fields, and one
// allocation each cost the allocator and the collector more than the
// decoding.
type slab[T any] struct{ free []T }

const slabSize = 256

func (s *slab[T]) new(v T) *T {
	if len(s.free) == 0 {
		s.free = make([]T, slabSize)
	}
	p := &s.free[0]
	*p = v
	s.free = s.free[1:]
	return p
}

// nullable makes a filler set v to nil for null.
func nullable(fill filler) filler {
	return func(s *scanner, v reflect.Value) bool {
		if s.null() {
			v.SetZero()
			return true
		}
		return fill(s, v)
	}
}

// keepOnNull makes a filler leave v as it is for null.
func keepOnNull(fill filler) filler {
	return func(s *scanner, v reflect.Value) bool {
		return s.null() || fill(s, v)
	}
}

func fillString(s *scanner) (string, bool) {
	if s.peek() != '"' {
		return "", false
	}
	tok, _, err := s.stringToken()
	if err != nil {
		return "", false
	}
	return unescape(tok[1 : len(tok)-1])
}

func fillInt(s *scanner, bits int) (int64, bool) {
	if c := s.peek(); c != '-' && (c < '0' || c > '9') {
		return 0, false
	}
	start := s.pos
	if s.number() != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(string(s.data[start:s.pos]), 10, bits)
	return n, err == nil
}

func fillBool(s *scanner) (bool, bool) {
	switch s.peek() {
	case 't':
		return true, s.literal("true") == nil
	case 'f':
		return false, s.literal("false") == nil
	}
	return false, false
}

// sliceFiller decodes an array as encoding/json does: into the elements
// the slice already has (a repeated key decodes into the first one's),
// then into new ones; [] is an empty slice, not nil.
func (d *Decoder) sliceFiller(t reflect.Type) filler {
	fillElem := d.fillerOf(t.Elem())
	return func(s *scanner, v reflect.Value) bool {
		if s.peek() != '[' {
			return false
		}
		n := 0
		err := s.elements(func() error {
			if n >= v.Cap() {
				v.Grow(1)
			}
			if n >= v.Len() {
				v.SetLen(n + 1)
			}
			if !fillElem(s, v.Index(n)) {
				return errNotHandled
			}
			n++
			return nil
		})
		if err != nil {
			return false
		}
		if n < v.Len() {
			v.SetLen(n)
		}
		if n == 0 {
			v.Set(reflect.MakeSlice(t, 0, 0))
		}
		return true
	}
}

// structField is where a struct's JSON attribute goes and how it is read.
type structField struct {
	index []int
	fill  filler
}

// structFiller decodes an object into a struct by its fields' json tags;
// nil when it cannot (see jsonFields).
func (d *Decoder) structFiller(t reflect.Type) filler {
	names := jsonFields(t)
	if names == nil {
		return nil
	}
	fields := make(map[string]structField, len(names))
	for name, index := range names {
		fields[name] = structField{index: index, fill: d.fillerOf(t.FieldByIndex(index).Type)}
	}
	return func(s *scanner, v reflect.Value) bool {
		if s.peek() != '{' {
			return false
		}
		err := s.members(func(key []byte) error {
			f, known := fields[string(key)]
			if !known {
				if !plainKey(key) {
					// encoding/json matches keys without regard to
					// case (Unicode folding included): let it decide.
					return errNotHandled
				}
				return s.skip()
			}
			if !f.fill(s, v.FieldByIndex(f.index)) {
				return errNotHandled
			}
			return nil
		})
		return err == nil
	}
}

var errNotHandled = errors.New("not handled")

// customDecoding reports whether encoding/json decodes values of t with
// their own method, which fillers leave to it.
func customDecoding(t reflect.Type) bool {
	jsonUnmarshaler := reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler := reflect.TypeFor[encoding.TextUnmarshaler]()
	p := reflect.PointerTo(t)
	return t.Implements(jsonUnmarshaler) || p.Implements(jsonUnmarshaler) ||
		t.Implements(textUnmarshaler) || p.Implements(textUnmarshaler)
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
// pointer to a struct, which fillers leave to encoding/json (they would have to
// allocate it).
func jsonFields(t reflect.Type) map[string][]int {
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
	return m
}
