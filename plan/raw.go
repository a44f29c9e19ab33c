package plan

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	tfjson "github.com/hashicorp/terraform-json"
)

// rawPlan is the part of `terraform show -json` the model uses; every other
// field is skipped by the decoder. decodePlan fills it in one pass, keeping
// only the changes and prior-state resources of modelled() types (and the
// configuration of those); encoding/json fills it whole when decodePlan
// fails, to name the problem.
type rawPlan struct {
	FormatVersion    *string             `json:"format_version"`
	TerraformVersion string              `json:"terraform_version"`
	ResourceChanges  []rawResourceChange `json:"resource_changes"` // non-nil when present
	PriorState       *rawState           `json:"prior_state"`
	Configuration    *tfjson.Config      `json:"configuration"`
	PlannedValues    presence            `json:"planned_values"`
	Values           presence            `json:"values"` // only in state JSON
	// ManagedChanges counts the changes of managed, not deposed, resource
	// instances of every type.
	ManagedChanges int `json:"-"`
}

// presence records that a field exists without building its value.
type presence bool

func (p *presence) UnmarshalJSON([]byte) error { *p = true; return nil }

type rawResourceChange struct {
	Address       string          `json:"address"`
	ModuleAddress string          `json:"module_address"`
	Mode          string          `json:"mode"`
	Type          string          `json:"type"`
	Name          string          `json:"name"`
	Index         json.RawMessage `json:"index"`
	Deposed       string          `json:"deposed"`
	Change        rawChange       `json:"change"`
}

// rawChange is a change; the model reads no "before": what exists today
// comes from prior_state.
type rawChange struct {
	Actions      tfjson.Actions  `json:"actions"`
	After        json.RawMessage `json:"after"`
	AfterUnknown json.RawMessage `json:"after_unknown"`
}

type rawState struct {
	Values *rawStateValues `json:"values"`
}

type rawStateValues struct {
	RootModule rawStateModule `json:"root_module"`
}

type rawStateModule struct {
	Address      string             `json:"address"`
	Resources    []rawStateResource `json:"resources"`
	ChildModules []rawStateModule   `json:"child_modules"`
}

type rawStateResource struct {
	Address    string          `json:"address"`
	Mode       string          `json:"mode"`
	Type       string          `json:"type"`
	Name       string          `json:"name"`
	Index      json.RawMessage `json:"index"`
	DeposedKey string          `json:"deposed_key"`
	Values     json.RawMessage `json:"values"`
}

// Attribute values of the resource types the model reads. Pointers are nil
// for null or unknown values.

type vpcValues struct {
	ID                  *string `json:"id"`
	CIDRBlock           *string `json:"cidr_block"`
	IPv6CIDRBlock       *string `json:"ipv6_cidr_block"`
	DefaultNetworkACLID *string `json:"default_network_acl_id"`
}

type subnetValues struct {
	ID            *string `json:"id"`
	VPCID         *string `json:"vpc_id"`
	CIDRBlock     *string `json:"cidr_block"`
	IPv6CIDRBlock *string `json:"ipv6_cidr_block"`
}

type naclValues struct {
	ID                  *string           `json:"id"`
	VPCID               *string           `json:"vpc_id"`
	DefaultNetworkACLID *string           `json:"default_network_acl_id"`
	SubnetIDs           []*string         `json:"subnet_ids"`
	Ingress             []inlineRuleValue `json:"ingress"`
	Egress              []inlineRuleValue `json:"egress"`
}

type inlineRuleValue struct {
	RuleNo        *int64  `json:"rule_no"`
	Action        *string `json:"action"`
	Protocol      *string `json:"protocol"`
	CIDRBlock     *string `json:"cidr_block"`
	IPv6CIDRBlock *string `json:"ipv6_cidr_block"`
	FromPort      *int64  `json:"from_port"`
	ToPort        *int64  `json:"to_port"`
	ICMPType      *int64  `json:"icmp_type"`
	ICMPCode      *int64  `json:"icmp_code"`
}

type naclRuleValues struct {
	ID            *string `json:"id"`
	NetworkACLID  *string `json:"network_acl_id"`
	RuleNumber    *int64  `json:"rule_number"`
	Egress        *bool   `json:"egress"`
	Protocol      *string `json:"protocol"`
	RuleAction    *string `json:"rule_action"`
	CIDRBlock     *string `json:"cidr_block"`
	IPv6CIDRBlock *string `json:"ipv6_cidr_block"`
	FromPort      *int64  `json:"from_port"`
	ToPort        *int64  `json:"to_port"`
	ICMPType      *int64  `json:"icmp_type"`
	ICMPCode      *int64  `json:"icmp_code"`
}

type associationValues struct {
	NetworkACLID *string `json:"network_acl_id"`
	SubnetID     *string `json:"subnet_id"`
}

// fieldError is a value of the wrong type inside one resource.
type fieldError struct {
	Address string
	Err     error
}

func (e *fieldError) Error() string {
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

// decodeValues decodes one resource's attribute values into a struct of
// value fields; null stays zero. fill decodes the attributes the struct
// names, skipping the others (the dozens of an aws_instance) with the
// scanner; encoding/json decodes the values fill does not handle and names
// the ones of the wrong type.
func decodeValues(address string, raw json.RawMessage, into any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	v := reflect.ValueOf(into).Elem()
	if fill(raw, v) {
		return nil
	}
	v.SetZero()
	if err := json.Unmarshal(raw, into); err != nil {
		return &fieldError{Address: address, Err: err}
	}
	return nil
}

// fill decodes a JSON value into v as encoding/json would, for the shapes
// of the value structs: structs (by json tag, unknown keys skipped),
// slices, and pointers to strings, integers and booleans. It reports false
// for anything else, a value of the wrong type included, leaving v to
// encoding/json.
func fill(value []byte, v reflect.Value) bool {
	switch p := v.Addr().Interface().(type) {
	case **string, **int64, **bool: // most fields: no method to look for
		if string(value) == "null" {
			v.SetZero()
			return true
		}
		return scalar(value, p)
	}
	if customDecoding(v.Type()) {
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
			if !fill(elem, v.Index(n)) {
				return errNotHandled
			}
			return nil
		})
		return err == nil
	case reflect.Struct:
		if value[0] != '{' {
			return false
		}
		fields := jsonFields(v.Type())
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
			if !fill(elem, v.FieldByIndex(i)) {
				return errNotHandled
			}
			return nil
		})
		return err == nil
	}
	return false
}

var errNotHandled = errors.New("not handled")

var (
	customTypes     sync.Map // reflect.Type → bool
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// customDecoding reports whether encoding/json decodes values of t with
// their own method, which fill leaves to it.
func customDecoding(t reflect.Type) bool {
	if c, ok := customTypes.Load(t); ok {
		return c.(bool)
	}
	p := reflect.PointerTo(t)
	c := t.Implements(jsonUnmarshaler) || p.Implements(jsonUnmarshaler) ||
		t.Implements(textUnmarshaler) || p.Implements(textUnmarshaler)
	customTypes.Store(t, c)
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

// fieldIndexes caches, per value struct type, the field index path of each
// JSON attribute name, fields of embedded structs promoted as encoding/json
// promotes them.
var fieldIndexes sync.Map // reflect.Type → map[string][]int

// jsonFields maps attribute names to field index paths; nil when t embeds a
// pointer to a struct, which fill leaves to encoding/json (it would have to
// allocate it).
func jsonFields(t reflect.Type) map[string][]int {
	if m, ok := fieldIndexes.Load(t); ok {
		return m.(map[string][]int)
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
	fieldIndexes.Store(t, m)
	return m
}

// unknowns is a resource's after_unknown: which attributes are unknown until
// apply. It is the object's JSON (validated), read on demand: building a map
// for each of thousands of resources cost more than the few lookups made.
type unknowns json.RawMessage

func decodeUnknowns(address string, raw json.RawMessage) (unknowns, error) {
	if len(raw) == 0 || string(raw) == "null" || string(raw) == "false" {
		return nil, nil
	}
	if !isObject(raw) {
		return nil, &fieldError{Address: address, Err: fmt.Errorf("after_unknown is not an object")}
	}
	return unknowns(raw), nil
}

// isObject reports whether raw is one JSON object.
func isObject(raw []byte) bool {
	s := &scanner{data: raw}
	return s.members(func([]byte) error { return s.skip() }) == nil && s.end() == nil
}

// get returns the value of an attribute (the last one, as encoding/json
// would), nil when absent.
func (u unknowns) get(attr string) []byte {
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
func (u unknowns) whole(attr string) bool { return string(u.get(attr)) == "true" }

// anyIn reports whether the attribute or any part of it is unknown.
func (u unknowns) anyIn(attr string) bool {
	raw := u.get(attr)
	return len(raw) > 0 && containsTrue(raw)
}

// element returns the unknowns of element i of a list attribute.
func (u unknowns) element(attr string, i int) unknowns {
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
	return unknowns(elem)
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

// instanceKey renders a resource's "index" (count number or for_each key) as
// it appears in an address: 0 or "a"; "" when the resource has neither.
func instanceKey(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("index is not a valid string")
		}
		return strconv.Quote(s), nil
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return "", fmt.Errorf("index %s is neither an integer nor a string", raw)
	}
	return strconv.FormatInt(n, 10), nil
}
