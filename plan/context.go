package plan

import (
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/returnpath-dev/returnpath/internal/planjson"
)

// Context is existing infrastructure a plan is checked against: the
// resources of a state (`terraform show -json`, `terraform state pull`) or
// of another plan's planned values, from another stack. Its resources join
// the model as they stand today and after apply, linked to the plan by
// known ids; their addresses carry the context's name (ContextAddress).
type Context struct {
	Info      ContextInfo
	instances []*instance
	cfg       *configIndex // a context plan's configuration; nil for a state
	// slots are the standalone NACL rules of a context plan's prior
	// state, by NACL id: their echoes in its refreshed NACLs are dropped
	// even when that plan deletes the rule.
	slots map[string][]ruleSlot
}

// ContextInfo describes a context file, for reports.
type ContextInfo struct {
	// Name is the file as given, or "workspace NAME" for an HCP
	// Terraform workspace: what context addresses carry.
	Name string
	// Kind is "state JSON", "raw state" or "plan JSON".
	Kind string
	// Resources are the resource instances of modelled types it holds.
	Resources int
}

// ContextAddress is the address of a resource of context source: the
// Terraform address followed by the source in parentheses,
// `aws_network_acl.app (network/state.json)`; addr itself for the plan's
// own resources (source "").
func ContextAddress(addr Address, source string) Address {
	if source == "" {
		return addr
	}
	return addr + " (" + Address(source) + ")"
}

// Split takes a context address apart: the Terraform address and the
// context it comes from ("" for a resource of the checked plan).
func (a Address) Split() (Address, string) {
	s := string(a)
	if !strings.HasSuffix(s, ")") {
		return a, ""
	}
	if !strings.Contains(s, `"`) {
		// No key in quotes (most addresses): the first " (" is the one.
		if i := strings.Index(s, " ("); i >= 0 {
			return Address(s[:i]), s[i+2 : len(s)-1]
		}
		return a, ""
	}
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && inQuote:
			i++
		case c == '"':
			inQuote = !inQuote
		case c == ' ' && !inQuote && strings.HasPrefix(s[i:], " ("):
			return Address(s[:i]), s[i+2 : len(s)-1]
		}
	}
	return a, ""
}

// Context is the context a resource comes from, "" for the plan's own.
func (a Address) Context() string {
	_, c := a.Split()
	return c
}

// LoadContext reads a context file named name (a path): the JSON of
// `terraform show -json` of a state or of a plan, or a raw state file.
func LoadContext(name string) (*Context, error) {
	if name == "-" {
		return nil, inputErrorf(stdinName, "a context cannot be read from standard input: give its file")
	}
	in, err := readInput(name, nil, DefaultMaxBytes, true)
	if err != nil {
		return nil, err
	}
	defer in.free()
	var c *Context
	err = guardFault(name, func() (err error) {
		c, err = ParseContext(in.display, in.data, "")
		return err
	})
	return c, err
}

// ParseContext reads a context file's data; name is how its resources are
// named (ContextAddress) and what messages say. dir is the root
// configuration directory of a context plan, whose module sources resolve
// locals as for ParseIn ("": unknown, as for a state).
func ParseContext(name string, data []byte, dir string) (*Context, error) {
	dec := planjson.NewDecoder(modelled)
	doc, err := dec.DecodeContext(data)
	if err != nil {
		return nil, &InputError{File: name, Problem: err.Error()}
	}
	c := &Context{Info: ContextInfo{Name: name, Kind: doc.Kind.String()}}
	switch doc.Kind {
	case planjson.PlanJSON:
		if doc.Plan.FormatVersion == nil {
			return nil, inputErrorf(name, "is not a Terraform plan: no format_version")
		}
		c.cfg = newConfigIndex(doc.Plan.Configuration, dir, doc.Plan.Variables)
		if c.instances, err = plannedInstances(name, doc.Plan, dec, c.cfg, name); err != nil {
			return nil, err
		}
		if ps := doc.Plan.PriorState; ps != nil && ps.Values != nil {
			var prior []*instance
			if err := collectState(name, &ps.Values.RootModule, &prior, 0, name); err != nil {
				return nil, err
			}
			c.slots = standaloneSlots(dec, prior)
		}
	default:
		if err := collectState(name, &doc.State.RootModule, &c.instances, 0, name); err != nil {
			return nil, err
		}
	}
	// Every value is read now, so that a malformed context file is an
	// input error of its own, never a partial report.
	for _, inst := range c.instances {
		local, _ := inst.Address.Split()
		id, err := dec.ID(string(local), inst.Values)
		if err != nil {
			return nil, inputErrorf(name, "is not a valid %s: %v", doc.Kind, err)
		}
		inst.idRead = true // what knownID would read
		inst.id = id
	}
	c.Info.Resources = len(c.instances)
	return c, nil
}

// LoadWithContext is LoadIn with context files: the plan, whose root
// configuration directory is dir ("": none), is checked against the
// infrastructure they hold.
func LoadWithContext(name string, stdin io.Reader, dir string, contexts []*Context) (*Model, error) {
	return LoadLimited(name, stdin, dir, contexts, DefaultMaxBytes)
}

// ReadPlan reads the plan named by name as Load does ("-" for standard
// input, a binary plan converted with terraform) without parsing it: the
// JSON and the name messages use. Several plans checked together are
// each read once, then parsed as the plan and as the others' context.
func ReadPlan(name string, stdin io.Reader) ([]byte, string, error) {
	return ReadPlanLimited(name, stdin, DefaultMaxBytes)
}

// ReadPlanLimited is ReadPlan for plans of at most maxBytes (see
// LoadLimited).
func ReadPlanLimited(name string, stdin io.Reader, maxBytes int64) ([]byte, string, error) {
	// Not mapped: the caller keeps the data, and nothing tells when it
	// is done with it.
	in, err := readInput(name, stdin, maxBytes, false)
	return in.data, in.display, err
}

// ParseWithContext is ParseIn with context files.
func ParseWithContext(name string, data []byte, dir string, contexts []*Context) (*Model, error) {
	return parse(input{data: data, display: name}, dir, contexts)
}

// parse decodes a plan's input, lets it go, and builds the model.
func parse(in input, dir string, contexts []*Context) (*Model, error) {
	d, err := decodeInput(in)
	if err != nil {
		return nil, err
	}
	return d.Build(dir, contexts)
}

// Decoded is a plan read and decoded, not yet built into a model: what
// LoadLimited does before it needs the context files, so that a caller
// can read those meanwhile (DecodeLimited, then Build).
type Decoded struct {
	name string
	doc  *planjson.Plan
	dec  *planjson.Decoder
}

// DecodeLimited reads and decodes the plan named by name as LoadLimited
// does, and lets its input go.
func DecodeLimited(name string, stdin io.Reader, maxBytes int64) (*Decoded, error) {
	in, err := readInput(name, stdin, maxBytes, true)
	if err != nil {
		return nil, err
	}
	return decodeInput(in)
}

// Build builds the model of the decoded plan, whose root configuration
// directory is dir ("": none), against the context files.
func (d *Decoded) Build(dir string, contexts []*Context) (*Model, error) {
	return build(d.name, d.doc, d.dec, dir, contexts)
}

// decodeInput decodes a plan's input and lets it go.
func decodeInput(in input) (*Decoded, error) {
	defer in.free()
	dec := planjson.NewDecoder(modelled)
	var doc *planjson.Plan
	err := guardFault(in.display, func() (err error) {
		doc, err = decode(in.display, in.data, dec)
		return err
	})
	if err != nil {
		return nil, err
	}
	// The model keeps copies of what it reads: the input is garbage now.
	large := len(in.data) >= collectAfter
	in.free()
	if large {
		// Collecting here sets the heap's next goal from what the model
		// keeps, and lets the build reuse the memory of the pass (and of
		// the input, unless it was mapped or the caller holds it);
		// without this, peak memory depends on whether a collection
		// happened to run during the pass (42 or 51 MB on the large plan).
		in.data = nil
		runtime.GC()
	}
	return &Decoded{name: in.display, doc: doc, dec: dec}, nil
}

// merged is the context that joins a plan's model.
type merged struct {
	instances []*instance
	configs   map[string]*configIndex
	// conflicts are context resources with a plan resource's address and
	// another id (RP008 notices).
	conflicts []Unresolved
}

// mergeContexts picks the context instances that join the plan: one whose
// id a resource of the plan (or an earlier context) already has is the
// same resource seen from elsewhere, and the plan's view wins. One with
// the address of a plan resource and another id is kept as given (it is
// another stack's resource of the same name, or a state of another
// environment) and noted.
func mergeContexts(dec *planjson.Decoder, planned, prior []*instance, contexts []*Context) merged {
	m := merged{configs: map[string]*configIndex{}}
	if len(contexts) == 0 {
		return m
	}
	ids := make(map[string]bool, len(planned)+len(prior))
	planIDs := make(map[Address]string, len(planned))
	for _, list := range [][]*instance{planned, prior} {
		for _, inst := range list {
			if id := knownID(dec, inst); id != "" {
				ids[id] = true
				if _, ok := planIDs[inst.Address]; !ok {
					planIDs[inst.Address] = id
				}
			}
		}
	}
	for _, c := range contexts {
		m.configs[c.Info.Name] = c.cfg
		var added []string
		for _, inst := range c.instances {
			id := knownID(dec, inst)
			if id != "" && ids[id] {
				continue
			}
			local, _ := inst.Address.Split()
			if planID, ok := planIDs[local]; ok && id != "" && planID != id {
				// Reported on the plan's resource, so that it is the
				// plan's finding and shown.
				m.conflicts = append(m.conflicts, Unresolved{
					Address: local, Informational: true,
					Reason: fmt.Sprintf("context %s has a resource at this address with id %s, not %s: used as given, as another resource (is it the state of this stack in another environment?)", c.Info.Name, id, planID),
				})
			}
			m.instances = append(m.instances, inst)
			if id != "" {
				added = append(added, id)
			}
		}
		for _, id := range added {
			ids[id] = true
		}
	}
	return m
}
