package planjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
)

// decodePlan reads the parts of `terraform show -json` that the model
// uses in one pass over the input, validating all of it and building
// nothing else: format and terraform versions, the resource_changes of
// modelled types, the prior_state resources of those types, and the
// configuration of those resources with the module calls and outputs that
// link them. Attribute values stay slices of data, decoded by the builder.
//
// Any error means only that the input is not a plan this fast path reads;
// decode then asks encoding/json why, for the message.
func (d *Decoder) decodePlan(data []byte) (*Plan, error) {
	s := &scanner{data: data, arena: new(arena), modelled: d.modelled, names: map[string]string{}}
	doc := new(Plan)
	if s.null() {
		return doc, s.end()
	}
	// encoding/json, and so terraform-json, keeps the last of duplicate
	// keys: a second "resource_changes": [] would empty the plan unseen.
	seen := map[string]bool{}
	err := s.members(func(key []byte) error {
		if seen[string(key)] {
			return fmt.Errorf("%q appears twice at the top level", key)
		}
		seen[string(key)] = true
		var err error
		switch string(key) {
		case "format_version":
			if !s.null() {
				var v string
				v, err = s.str()
				doc.FormatVersion = &v
			}
		case "terraform_version":
			doc.TerraformVersion, err = s.str()
		case "resource_changes":
			err = s.resourceChanges(doc)
		case "prior_state":
			doc.PriorState, err = s.priorState()
		case "configuration":
			doc.Configuration, err = s.configuration()
		case "planned_values":
			doc.PlannedValues = true
			err = s.skip()
		case "variables":
			doc.Variables, err = s.variables()
		case "values":
			doc.Values = true
			doc.StateValues, err = s.stateValues()
		case "version":
			doc.StateVersion, err = s.value()
			doc.StateVersion = s.arena.copy(doc.StateVersion)
		case "resources":
			doc.RawResources, err = s.value()
			doc.RawResources = s.arena.copy(doc.RawResources)
		default:
			err = s.skip()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return doc, s.end()
}

// variables reads the root module's variable values: {"NAME": {"value":
// …}}. What has another shape is skipped: the locals that read such a
// variable stay unresolved, with their reason.
func (s *scanner) variables() (map[string]json.RawMessage, error) {
	if s.peek() != '{' {
		return nil, s.skip()
	}
	vars := map[string]json.RawMessage{}
	err := s.members(func(name []byte) error {
		if s.peek() != '{' {
			return s.skip()
		}
		return s.members(func(key []byte) error {
			if string(key) != "value" {
				return s.skip()
			}
			v, err := s.value()
			vars[string(name)] = s.arena.copy(v)
			return err
		})
	})
	return vars, err
}

// resourceChanges keeps the changes of managed resources of modelled types
// and counts every managed change (Info.Resources).
func (s *scanner) resourceChanges(doc *Plan) error {
	if s.null() {
		doc.ResourceChanges = nil
		return nil
	}
	doc.ManagedChanges = 0
	// The changes are gathered in blocks, then copied once into a slice
	// of their number: appending to one slice grows it by a quarter at a
	// time, which copied the changes of a large plan four times over.
	var blocks [][]ResourceChange
	total := 0
	err := s.elements(func() error {
		if s.null() {
			return nil
		}
		var tokens [changeKeys]token
		var index, change []byte
		var decoded *Change // the change, when it came after mode, type and deposed
		err := s.members(func(key []byte) error {
			if i := changeKey(key); i < changeKeys {
				var err error
				tokens[i], err = s.token()
				return err
			}
			switch string(key) {
			case "index":
				var err error
				index, err = s.value()
				return err
			case "change":
				if keep, known := s.keepChange(tokens[keyMode], tokens[keyType], tokens[keyDeposed]); known && keep {
					// Terraform writes the change last: decode it in
					// this pass rather than skip it and come back.
					c := new(Change)
					decoded = c
					return s.change(c)
				}
				var err error
				change, err = s.value()
				return err
			}
			return s.skip()
		})
		if err != nil {
			return err
		}
		// The strings are decoded into an array, not through pointers
		// into rc, so that rc stays on the stack for the changes that are
		// not kept; the others only for the changes that are kept.
		var text [changeKeys]string
		for _, i := range [...]int{keyMode, keyDeposed, keyType} {
			if text[i], err = s.name(tokens[i]); err != nil {
				return err
			}
		}
		if text[keyMode] != "managed" || text[keyDeposed] != "" {
			return nil
		}
		doc.ManagedChanges++
		if !s.modelled(text[keyType]) {
			return nil // skipped without decoding its change
		}
		if text[keyAddress], err = tokens[keyAddress].value(); err != nil {
			return err
		}
		for _, i := range [...]int{keyModule, keyName} {
			if text[i], err = s.name(tokens[i]); err != nil {
				return err
			}
		}
		rc := ResourceChange{
			Address: text[keyAddress], ModuleAddress: text[keyModule], Mode: text[keyMode],
			Type: text[keyType], Name: text[keyName], Deposed: text[keyDeposed],
		}
		rc.Index = s.arena.copy(index)
		switch {
		case decoded != nil:
			rc.Change = *decoded
		case change != nil:
			if err := (&scanner{data: change}).change(&rc.Change); err != nil {
				return err
			}
		}
		rc.Change.After = s.arena.copy(rc.Change.After)
		rc.Change.AfterUnknown = s.arena.copy(rc.Change.AfterUnknown)
		if last := len(blocks) - 1; last < 0 || len(blocks[last]) == cap(blocks[last]) {
			size := 16
			if last >= 0 {
				size = min(2*cap(blocks[last]), 1024)
			}
			blocks = append(blocks, make([]ResourceChange, 0, size))
		}
		blocks[len(blocks)-1] = append(blocks[len(blocks)-1], rc)
		total++
		return nil
	})
	doc.ResourceChanges = make([]ResourceChange, 0, total) // present, even if empty
	for _, b := range blocks {
		doc.ResourceChanges = append(doc.ResourceChanges, b...)
	}
	return err
}

// The string members of a resource change, by their place in an array.
const (
	keyAddress = iota
	keyModule
	keyMode
	keyType
	keyName
	keyDeposed
	changeKeys
)

// changeKey is the place of a string member of a resource change,
// changeKeys for the other members.
func changeKey(key []byte) int {
	for i, k := range [changeKeys]string{"address", "module_address", "mode", "type", "name", "deposed"} {
		if string(key) == k {
			return i
		}
	}
	return changeKeys
}

// arena copies the values the model keeps out of the input, into few
// large blocks, so that the input (most of which the model does not use)
// can be freed once it has been read.
type arena struct{ block []byte }

const arenaBlock = 256 << 10

func (a *arena) copy(b []byte) []byte {
	if b == nil {
		return nil
	}
	if len(b) > cap(a.block)-len(a.block) {
		if len(b) > arenaBlock/8 {
			return bytes.Clone(b)
		}
		a.block = make([]byte, 0, arenaBlock)
	}
	n := len(a.block)
	a.block = append(a.block, b...)
	return a.block[n:len(a.block):len(a.block)]
}

// token is a string token (with its quotes) or null (nil), decoded only
// when it is needed.
type token struct {
	raw     []byte
	escaped bool
}

func (s *scanner) token() (token, error) {
	if s.null() {
		return token{}, nil
	}
	if s.peek() != '"' {
		return token{}, s.unexpected("a string")
	}
	raw, escaped, err := s.stringToken()
	return token{raw, escaped}, err
}

func (t token) value() (string, error) {
	if t.raw == nil {
		return "", nil
	}
	return unquote(t.raw, t.escaped)
}

// name is the value of a token that repeats across the changes (mode,
// type, module address, name): decoded once, one string for all.
func (s *scanner) name(t token) (string, error) {
	if t.raw == nil || t.escaped {
		return t.value()
	}
	if v, ok := s.names[string(t.raw)]; ok {
		return v, nil
	}
	v, err := t.value()
	if err == nil {
		s.names[string(t.raw)] = v
	}
	return v, err
}

// keepChange reports, from the tokens of mode, type and deposed read so
// far, whether decodePlan keeps the change; known is false when one of
// them is not read yet or cannot be decoded here.
func (s *scanner) keepChange(mode, typ, deposed token) (keep, known bool) {
	if mode.raw == nil || typ.raw == nil || mode.escaped || typ.escaped || deposed.escaped {
		return false, false
	}
	m, _ := s.name(mode)
	t, _ := s.name(typ)
	return m == "managed" && deposed.raw == nil && s.modelled(t), true
}

// change reads a change object into c.
func (s *scanner) change(c *Change) error {
	if s.null() {
		return nil
	}
	return s.members(func(key []byte) error {
		var err error
		switch string(key) {
		case "actions":
			c.Actions = nil
			if s.null() {
				return nil
			}
			c.Actions = tfjson.Actions{}
			err = s.elements(func() error {
				a, err := s.str()
				c.Actions = append(c.Actions, tfjson.Action(a))
				return err
			})
		case "after":
			c.After, err = s.value()
		case "after_unknown":
			c.AfterUnknown, err = s.value()
		default:
			err = s.skip()
		}
		return err
	})
}

// priorState reads prior_state.values.root_module.
func (s *scanner) priorState() (*State, error) {
	if s.null() {
		return nil, nil
	}
	st := new(State)
	err := s.members(func(key []byte) error {
		if string(key) != "values" {
			return s.skip()
		}
		var err error
		st.Values, err = s.stateValues()
		return err
	})
	return st, err
}

// stateValues reads the values of a state: {"root_module": {…}}, as
// prior_state holds them and `terraform show -json` of a state prints them.
func (s *scanner) stateValues() (*StateValues, error) {
	if s.null() {
		return nil, nil
	}
	v := new(StateValues)
	err := s.members(func(key []byte) error {
		if string(key) != "root_module" {
			return s.skip()
		}
		v.RootModule = StateModule{}
		if s.null() {
			return nil
		}
		return s.stateModule(&v.RootModule)
	})
	return v, err
}

func (s *scanner) stateModule(m *StateModule) error {
	return s.members(func(key []byte) error {
		var err error
		switch string(key) {
		case "address":
			m.Address, err = s.str()
		case "resources":
			m.Resources = nil
			if s.null() {
				return nil
			}
			err = s.elements(func() error {
				if s.null() {
					return nil
				}
				r, err := s.stateResource()
				if err == nil && r.Mode == "managed" && r.DeposedKey == "" {
					m.Managed++
					if strings.HasPrefix(r.Type, "aws_") {
						m.AWS++
					}
				}
				if err == nil && r.Mode == "managed" && r.DeposedKey == "" && s.modelled(r.Type) {
					r.Index, r.Values = s.arena.copy(r.Index), s.arena.copy(r.Values)
					m.Resources = append(m.Resources, r)
				}
				return err
			})
		case "child_modules":
			m.ChildModules = nil
			if s.null() {
				return nil
			}
			err = s.elements(func() error {
				var child StateModule
				if !s.null() {
					if err := s.stateModule(&child); err != nil {
						return err
					}
				}
				m.ChildModules = append(m.ChildModules, child)
				return nil
			})
		default:
			err = s.skip()
		}
		return err
	})
}

func (s *scanner) stateResource() (StateResource, error) {
	var r StateResource
	err := s.members(func(key []byte) error {
		var err error
		switch string(key) {
		case "address":
			r.Address, err = s.str()
		case "mode":
			r.Mode, err = s.str()
		case "type":
			r.Type, err = s.str()
		case "name":
			r.Name, err = s.str()
		case "deposed_key":
			r.DeposedKey, err = s.str()
		case "index":
			r.Index, err = s.value()
		case "values":
			r.Values, err = s.value()
		default:
			err = s.skip()
		}
		return err
	})
	return r, err
}

// configuration reads the module tree of the configuration: the blocks of
// modelled resources, module calls and outputs; expressions are decoded
// with terraform-json's types, which the linker reads.
func (s *scanner) configuration() (*tfjson.Config, error) {
	if s.null() {
		return nil, nil
	}
	c := new(tfjson.Config)
	err := s.members(func(key []byte) error {
		if string(key) != "root_module" {
			return s.skip()
		}
		c.RootModule = nil
		if s.null() {
			return nil
		}
		c.RootModule = new(tfjson.ConfigModule)
		return s.configModule(c.RootModule)
	})
	return c, err
}

func (s *scanner) configModule(m *tfjson.ConfigModule) error {
	return s.members(func(key []byte) error {
		switch string(key) {
		case "resources":
			m.Resources = nil
			if s.null() {
				return nil
			}
			return s.elements(func() error {
				if s.null() {
					m.Resources = append(m.Resources, nil)
					return nil
				}
				r, keep, err := s.configResource()
				if keep {
					m.Resources = append(m.Resources, r)
				}
				return err
			})
		case "module_calls":
			return objectMap(s, &m.ModuleCalls, s.moduleCall)
		case "outputs":
			return objectMap(s, &m.Outputs, func(out *tfjson.ConfigOutput) error {
				return s.members(func(key []byte) error {
					if string(key) != "expression" {
						return s.skip()
					}
					return s.expression(&out.Expression)
				})
			})
		}
		return s.skip()
	})
}

// objectMap reads an object of objects into *m (nil for null), each
// member read by fill into a new value (nil for null).
func objectMap[T any](s *scanner, m *map[string]*T, fill func(*T) error) error {
	*m = nil
	if s.null() {
		return nil
	}
	*m = map[string]*T{}
	return s.members(func(name []byte) error {
		var v *T
		if !s.null() {
			v = new(T)
			if err := fill(v); err != nil {
				return err
			}
		}
		(*m)[string(name)] = v
		return nil
	})
}

// configResource reads a resource block; keep is false for the types the
// model does not read, whose expressions are skipped.
func (s *scanner) configResource() (*tfjson.ConfigResource, bool, error) {
	r := new(tfjson.ConfigResource)
	var expressions, count, forEach []byte
	err := s.members(func(key []byte) error {
		var err error
		switch string(key) {
		case "address":
			r.Address, err = s.str()
		case "mode":
			var mode string
			mode, err = s.str()
			r.Mode = tfjson.ResourceMode(mode)
		case "type":
			r.Type, err = s.str()
		case "name":
			r.Name, err = s.str()
		case "expressions":
			expressions, err = s.value()
		case "count_expression":
			count, err = s.value()
		case "for_each_expression":
			forEach, err = s.value()
		default:
			err = s.skip()
		}
		return err
	})
	if err != nil || r.Mode != tfjson.ManagedResourceMode || !s.modelled(r.Type) {
		return nil, false, err
	}
	for _, f := range []struct {
		raw  []byte
		into any
	}{{expressions, &r.Expressions}, {count, &r.CountExpression}, {forEach, &r.ForEachExpression}} {
		if f.raw != nil {
			if err := json.Unmarshal(f.raw, f.into); err != nil {
				return nil, false, err
			}
		}
	}
	return r, true, nil
}

func (s *scanner) moduleCall(call *tfjson.ModuleCall) error {
	return s.members(func(key []byte) error {
		switch string(key) {
		case "expressions":
			raw, err := s.value()
			if err != nil {
				return err
			}
			call.Expressions = nil
			return json.Unmarshal(raw, &call.Expressions)
		case "count_expression":
			return s.expression(&call.CountExpression)
		case "for_each_expression":
			return s.expression(&call.ForEachExpression)
		case "source":
			// where the module's .tf files are, for its locals
			if s.null() {
				return nil
			}
			src, err := s.str()
			call.Source = src
			return err
		case "module":
			call.Module = nil
			if s.null() {
				return nil
			}
			call.Module = new(tfjson.ConfigModule)
			return s.configModule(call.Module)
		}
		return s.skip()
	})
}

// expression decodes one expression with terraform-json.
func (s *scanner) expression(into **tfjson.Expression) error {
	raw, err := s.value()
	if err != nil {
		return err
	}
	*into = nil
	return json.Unmarshal(raw, into)
}
