package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/returnpath-dev/returnpath/internal/planjson"
)

// configIndex finds the configuration of a resource or module instance.
type configIndex struct {
	root *tfjson.ConfigModule
	// resources indexes each module's managed resource blocks by type
	// and name, built on first use: a plan has thousands of instances of
	// the blocks of one module.
	resources map[*tfjson.ConfigModule]map[typeName]*tfjson.ConfigResource
	paths     modulePaths
	// last is the module instance resource looked up last, and its blocks.
	last struct {
		known  bool
		module string
		blocks map[typeName]*tfjson.ConfigResource
	}
	// sources reads locals from the configuration's .tf files.
	sources *moduleSources
}

// newConfigIndex indexes a plan's configuration; variables are the root
// module's variable values the plan records, which its locals read.
func newConfigIndex(c *tfjson.Config, dir string, variables map[string]json.RawMessage) *configIndex {
	if c == nil || c.RootModule == nil {
		return nil
	}
	return &configIndex{root: c.RootModule, resources: map[*tfjson.ConfigModule]map[typeName]*tfjson.ConfigResource{}, paths: modulePaths{}, sources: newModuleSources(dir, variables)}
}

// modulePaths caches parseModulePath: every instance of a module instance
// has the same module address.
type modulePaths map[string]parsedPath

type parsedPath struct {
	steps []ModuleStep
	name  string // the path in canonical form
	err   error
}

func (p modulePaths) parse(addr string) ([]ModuleStep, error) {
	r := p.parseNamed(addr)
	return r.steps, r.err
}

// parseNamed is parse with the path's canonical form, which the linker
// names blocks by.
func (p modulePaths) parseNamed(addr string) parsedPath {
	if r, ok := p[addr]; ok {
		return r
	}
	steps, err := ParseModulePath(addr)
	r := parsedPath{steps: steps, name: ModulePath(steps).String(), err: err}
	p[addr] = r
	return r
}

// module finds the configuration of a module instance path, nil if absent.
func (c *configIndex) module(steps []ModuleStep) *tfjson.ConfigModule {
	if c == nil {
		return nil
	}
	m := c.root
	for _, s := range steps {
		call := m.ModuleCalls[s.Name]
		if call == nil || call.Module == nil {
			return nil
		}
		m = call.Module
	}
	return m
}

// resource finds the configuration block of a resource instance; nil (and
// no error) when the plan has no configuration for it.
func (c *configIndex) resource(module, typ, name string) (*tfjson.ConfigResource, error) {
	if c == nil {
		return nil, nil
	}
	// The plan lists a module instance's resources together (by
	// address): its blocks serve the next instance too.
	if c.last.known && c.last.module == module {
		return c.last.blocks[typeName{typ, name}], nil
	}
	steps, err := c.paths.parse(module)
	if err != nil {
		return nil, err
	}
	blocks := c.blocks(c.module(steps))
	c.last.module, c.last.blocks, c.last.known = module, blocks, true
	return blocks[typeName{typ, name}], nil
}

// blocks indexes a module's managed resource blocks; nil for no module.
func (c *configIndex) blocks(m *tfjson.ConfigModule) map[typeName]*tfjson.ConfigResource {
	if m == nil {
		return nil
	}
	blocks, ok := c.resources[m]
	if !ok {
		blocks = map[typeName]*tfjson.ConfigResource{}
		for _, r := range m.Resources {
			if r == nil || r.Mode != tfjson.ManagedResourceMode {
				continue
			}
			if _, dup := blocks[typeName{r.Type, r.Name}]; !dup {
				blocks[typeName{r.Type, r.Name}] = r // the first wins
			}
		}
		c.resources[m] = blocks
	}
	return blocks
}

// typeName is a resource block's TYPE.NAME, taken apart.
type typeName struct{ typ, name string }

// linker resolves attributes that hold ids: by the id when it is known, or
// through the configuration's references when it is unknown until apply.
type linker struct {
	*sourceIndex
	// ids indexes the instances of the plan and of every context by
	// their known id: known ids link across stacks.
	ids *idIndex
}

// sourceIndex is what a linker knows of the instances of one source (the
// plan, or one context file) and of its configuration. The plan's and the
// prior network's linkers share a context's: its instances join both.
type sourceIndex struct {
	cfg       *configIndex
	instances []*instance
	byBlock   map[blockKey][]*instance
	// byKey indexes the instances of the blocks of more than
	// fewInstances by key, on first use (see withKey).
	byKey map[blockKey]map[string][]*instance
	// children lists the module instances called from a module instance
	// (by its path and the call's name), sorted by path.
	children map[string][][]ModuleStep
	paths    modulePaths
	// parsed caches parseRefs by reference list: the instances of a
	// module share its configuration, so the same lists come back once
	// per module instance.
	parsed map[refList]parsedRefs
}

// blockKey is a resource block in a module instance: its instances' module
// address, type and name (a struct, not a joined string: it is looked up
// for every reference followed).
type blockKey struct {
	module, typ, name string
}

// blockOf is the key of the block TYPE.NAME in module.
func blockOf(module, typeDotName string) blockKey {
	typ, name, _ := strings.Cut(typeDotName, ".")
	return blockKey{module, typ, name}
}

// refList identifies a list of references of the configuration by its
// first element and length.
type refList struct {
	first *string
	n     int
}

// parsedRefs is what resolve reads from a list of references.
type parsedRefs struct {
	groups []referenceGroup
	// paired: a reference is count.index, each.key or each.value, so the
	// referring block's key pairs the instances; eachValue: one is
	// each.value.
	paired, eachValue bool
}

// parseRefs parses and groups a list of references, once per list.
func (l *sourceIndex) parseRefs(refs []string) parsedRefs {
	var key refList
	if len(refs) > 0 {
		key = refList{&refs[0], len(refs)}
		if p, ok := l.parsed[key]; ok {
			return p
		}
	}
	var p parsedRefs
	parsed := make([]reference, 0, len(refs))
	for _, raw := range refs {
		r := parseReference(raw)
		if r.Kind == refCountIndex || r.Kind == refEachKey || r.Kind == refEachValue {
			p.paired = true
		}
		p.eachValue = p.eachValue || r.Kind == refEachValue
		parsed = append(parsed, r)
	}
	p.groups = groupReferences(parsed)
	if len(refs) > 0 {
		l.parsed[key] = p
	}
	return p
}

// newLinker links the instances of one source (the plan, or one context
// file) through its configuration cfg; ids finds instances of every source.
func newLinker(instances []*instance, cfg *configIndex, ids *idIndex) *linker {
	return &linker{sourceIndex: newSourceIndex(instances, cfg), ids: ids}
}

func newSourceIndex(instances []*instance, cfg *configIndex) *sourceIndex {
	l := &sourceIndex{
		cfg: cfg, instances: instances, byBlock: make(map[blockKey][]*instance, len(instances)), byKey: map[blockKey]map[string][]*instance{},
		children: map[string][][]ModuleStep{}, paths: modulePaths{}, parsed: map[refList]parsedRefs{},
	}
	if cfg != nil {
		l.paths = cfg.paths
	}
	modules := map[string][]ModuleStep{}
	seen := map[string]bool{}
	for _, inst := range instances {
		block := blockKey{inst.Module, inst.Type, inst.Name}
		l.byBlock[block] = append(l.byBlock[block], inst)
		if seen[inst.Module] {
			continue
		}
		seen[inst.Module] = true
		if steps, err := l.paths.parse(inst.Module); err == nil {
			for i := 1; i <= len(steps); i++ {
				modules[ModulePath(steps[:i]).String()] = steps[:i]
			}
		}
	}
	for _, s := range modules {
		if len(s) > 0 { // every module instance but the root
			k := childKey(ModulePath(s[:len(s)-1]).String(), s[len(s)-1].Name)
			l.children[k] = append(l.children[k], s)
		}
	}
	for _, c := range l.children {
		slices.SortFunc(c, func(a, b []ModuleStep) int { return strings.Compare(ModulePath(a).String(), ModulePath(b).String()) })
	}
	return l
}

func childKey(parent, call string) string { return parent + "|" + call }

// link resolves a single-id attribute to the instances it may name, keeping
// those of the wanted types.
func (l *linker) link(inst *instance, attr string, id *string, types ...string) ([]*instance, error) {
	if id != nil && *id != "" {
		found := l.withID(*id, types)
		if len(found) == 0 {
			return nil, fmt.Errorf("%s %q is not a resource of this plan", attr, *id)
		}
		return found, nil
	}
	if !inst.Unknown.AnyIn(attr) {
		return nil, fmt.Errorf("%s is not set", attr)
	}
	found, err := l.follow(inst, attr)
	return ofTypes(found, types), err
}

// linkList resolves a list of ids, some of which may be unknown.
func (l *linker) linkList(inst *instance, attr string, ids []*string, types ...string) ([]*instance, error) {
	var found []*instance
	var errs []error
	for _, id := range ids {
		if id == nil || *id == "" {
			continue
		}
		match := l.withID(*id, types)
		if len(match) == 0 {
			errs = append(errs, fmt.Errorf("%q is not a resource of this plan", *id))
		}
		found = append(found, match...)
	}
	if inst.Unknown.AnyIn(attr) {
		followed, err := l.follow(inst, attr)
		found = append(found, ofTypes(followed, types)...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	slices.SortFunc(found, func(a, b *instance) int { return strings.Compare(string(a.Address), string(b.Address)) })
	return slices.Compact(found), errors.Join(errs...)
}

func (l *linker) withID(id string, types []string) []*instance {
	return ofTypes(l.ids.lookup(id), types)
}

// idIndex finds instances by their known id, across the plan and its
// context. It is built on the first lookup: finding the ids means reading
// every instance's values, and a plan that creates everything never looks
// one up.
type idIndex struct {
	dec       *planjson.Decoder
	instances []*instance
	byID      map[string][]*instance
}

func (x *idIndex) lookup(id string) []*instance {
	if x.byID == nil {
		x.byID = map[string][]*instance{}
		for _, inst := range x.instances {
			if id := knownID(x.dec, inst); id != "" {
				x.byID[id] = append(x.byID[id], inst)
			}
		}
	}
	return x.byID[id]
}

// knownID is the id of an instance, "" when unknown until apply; read
// once per instance, which the plan's and the prior network's builders
// and the merge of context files share.
func knownID(dec *planjson.Decoder, inst *instance) string {
	if inst.idRead {
		return inst.id
	}
	inst.idRead = true
	inst.id, _ = dec.ID(string(inst.Address), inst.Values)
	return inst.id
}

func ofTypes(found []*instance, types []string) []*instance {
	var out []*instance
	for _, inst := range found {
		if slices.Contains(types, inst.Type) {
			out = append(out, inst)
		}
	}
	return out
}

// maxLinkDepth bounds how many module inputs and outputs a reference may
// pass through.
const maxLinkDepth = 64

// follow resolves an attribute through the references of its expression in
// the configuration.
func (l *linker) follow(inst *instance, attr string) ([]*instance, error) {
	if inst.Config == nil {
		return nil, fmt.Errorf("%s is unknown until apply and the plan has no configuration to link it", attr)
	}
	if inst.Source == "" {
		return l.followExpr(inst, attr, inst.Config.Expressions[attr])
	}
	// A context's instance is linked in both networks, through the same
	// sourceIndex (resolving references reads no ids): once is enough.
	for _, f := range inst.followed {
		if f.attr == attr {
			return slices.Clone(f.found), f.err
		}
	}
	found, err := l.followExpr(inst, attr, inst.Config.Expressions[attr])
	inst.followed = append(inst.followed, followedAttr{attr, slices.Clone(found), err})
	return found, err
}

// followedAttr is what follow found for an attribute.
type followedAttr struct {
	attr  string
	found []*instance
	err   error
}

// origin is the block whose expression is being resolved: a resource
// instance or a module call instance.
type origin struct {
	key     string             // its count index or for_each key
	forEach *tfjson.Expression // its for_each, which each.value reads
}

// resolve finds the resource instances a list of references names, in the
// module instance at steps (module is its canonical form). from is the
// referring block, whose key pairs count.index/each.key and whose for_each
// each.value reads; pair is a key inherited from an enclosing reference
// (var.ids[count.index] passed on to the caller's list).
func (l *linker) resolve(steps []ModuleStep, module string, refs []string, from origin, pair string, depth int) ([]*instance, error) {
	if depth > maxLinkDepth {
		return nil, errors.New("references nest too deeply to follow")
	}
	parsed := l.parseRefs(refs)
	if parsed.paired {
		pair = from.key
	}
	var found []*instance
	var errs []error
	if parsed.eachValue {
		// each.value is the element of for_each at this instance's key:
		// for_each = aws_subnet.web pairs each key with that instance.
		if from.forEach == nil || from.forEach.ExpressionData == nil || len(from.forEach.References) == 0 {
			errs = append(errs, errors.New("it comes from each.value of a for_each that refers to no resource"))
		} else {
			got, err := l.resolve(steps, module, from.forEach.References, origin{key: from.key}, from.key, depth+1)
			found, errs = append(found, got...), appendErr(errs, err)
		}
	}
	for _, g := range parsed.groups {
		switch g.kind {
		case refResource:
			block := blockOf(module, g.name)
			all := l.byBlock[block]
			got, err := l.instancesOf(block, all, g.keys, pair)
			found, errs = append(found, got...), appendErr(errs, err)
			if len(g.keys) == 0 && len(all) == 0 {
				typ, _, _ := strings.Cut(g.name, ".")
				if modelled(typ) {
					errs = append(errs, fmt.Errorf("%s has no instance in this plan", qualify(module, g.name)))
				} else {
					// in the plan maybe, but not a resource whose value
					// the model reads
					errs = append(errs, fmt.Errorf("it comes from %s, a %s, whose value returnpath does not follow", qualify(module, g.name), typ))
				}
			}
		case refVariable:
			got, err := l.resolveVariable(steps, g.name, pair, depth)
			found, errs = append(found, got...), appendErr(errs, err)
		case refModuleOutput:
			got, err := l.resolveOutput(steps, g, pair, depth)
			found, errs = append(found, got...), appendErr(errs, err)
		case refData:
			errs = append(errs, fmt.Errorf("it comes from a data source (%s), known only at apply", g.name))
		case refLocal:
			got, err := l.resolveLocal(steps, g.name, from, pair, depth)
			found, errs = append(found, got...), appendErr(errs, err)
		}
	}
	if len(found) > 0 {
		// Inputs known at plan time only select among the resources found
		// (element(aws_subnet.public[*].id, var.single_nat_gateway ? 0 :
		// count.index)): they are not where an unknown id comes from.
		errs = slices.DeleteFunc(errs, func(err error) bool {
			var known *knownInputError
			return errors.As(err, &known)
		})
	}
	if len(found) == 0 && len(errs) == 0 {
		errs = append(errs, fmt.Errorf("its expression refers to no resource (%s)", strings.Join(refs, ", ")))
	}
	return found, errors.Join(errs...)
}

// knownInputError is a reference to an input variable whose value is known
// at plan time (a root variable, or one a module call sets to a constant):
// it cannot hold an id that is unknown until apply.
type knownInputError struct{ msg string }

func (e *knownInputError) Error() string { return e.msg }

func appendErr(errs []error, err error) []error {
	if err != nil {
		return append(errs, err)
	}
	return errs
}

func qualify(module, name string) string {
	if module == "" {
		return name
	}
	return module + "." + name
}

// referenceGroup is every reference to one object: Terraform lists
// aws_network_acl.this[0].id, aws_network_acl.this[0] and
// aws_network_acl.this for one use.
type referenceGroup struct {
	kind refKind
	name string   // TYPE.NAME, a variable, a local, a module call, a data source
	keys []string // explicit instance keys
	attr string   // module output name
	key  string   // module instance key
	has  bool     // module instance key given
}

func groupReferences(refs []reference) []referenceGroup {
	var groups []referenceGroup
	for _, r := range refs {
		var name string
		switch r.Kind {
		case refResource:
			name = r.Type + "." + r.Name
		case refVariable, refLocal:
			name = r.Name
		case refModuleOutput:
			name = r.Name
		case refData:
			name = strings.TrimSuffix(r.Raw, "."+lastPart(r.Raw))
			if strings.Count(r.Raw, ".") <= 2 {
				name = r.Raw
			}
		default:
			continue
		}
		// An expression names a handful of objects: a walk beats a map.
		i := slices.IndexFunc(groups, func(g referenceGroup) bool { return g.kind == r.Kind && g.name == name })
		if i < 0 {
			i = len(groups)
			groups = append(groups, referenceGroup{kind: r.Kind, name: name})
		}
		g := &groups[i]
		if r.HasKey && r.Kind == refResource && !slices.Contains(g.keys, r.Key) {
			g.keys = append(g.keys, r.Key)
		}
		if r.Kind == refModuleOutput {
			if r.Attr != "" {
				g.attr = r.Attr
			}
			if r.HasKey {
				g.key, g.has = r.Key, true
			}
		}
	}
	return groups
}

func lastPart(s string) string { return s[strings.LastIndexByte(s, '.')+1:] }

// instancesOf picks among the instances of a resource block (all, looked up
// by the caller, which also reads whether there are any): the explicit keys,
// else the one paired by count.index/each.key, else all of them (a splat).
// A pairing key that no instance has means the index is an expression of
// it (aws_subnet.s[count.index % 3]): which instance it picks is unknown,
// and taking all of them would link to every one.
func (l *linker) instancesOf(key blockKey, all []*instance, keys []string, pair string) ([]*instance, error) {
	if len(keys) == 1 {
		return l.withKey(key, all, keys[0]), nil
	}
	if len(keys) > 0 {
		var out []*instance
		for _, inst := range all {
			if slices.Contains(keys, inst.Key) {
				out = append(out, inst)
			}
		}
		return out, nil
	}
	if len(all) > 1 && pair != "" {
		if paired := l.withKey(key, all, pair); len(paired) > 0 {
			return paired[:1:1], nil
		}
		return nil, fmt.Errorf("%s has no instance [%s]: its index is an expression the plan does not evaluate", qualify(key.module, key.typ+"."+key.name), pair)
	}
	return all, nil
}

// fewInstances is the most instances of a block withKey walks: most blocks
// have one instance per module instance, and an index of each would cost
// more to build than the walks.
const fewInstances = 8

// withKey is a new list of the instances of a block (all, in plan order)
// whose key is key.
func (l *linker) withKey(block blockKey, all []*instance, key string) []*instance {
	var out []*instance
	if len(all) <= fewInstances {
		for _, inst := range all {
			if inst.Key == key {
				out = append(out, inst)
			}
		}
		return out
	}
	index, ok := l.byKey[block]
	if !ok {
		index = map[string][]*instance{}
		for _, inst := range all {
			index[inst.Key] = append(index[inst.Key], inst)
		}
		l.byKey[block] = index
	}
	return slices.Clone(index[key])
}

// resolveVariable follows var.NAME to the module call that sets it.
func (l *linker) resolveVariable(steps []ModuleStep, name, pair string, depth int) ([]*instance, error) {
	// A root input variable, or one a module call sets from a literal or
	// leaves at its default, holds a value known at plan time (a flag, an
	// index, a name): it names no resource, and when nothing else in the
	// expression does, resolve says so.
	if len(steps) == 0 {
		return nil, &knownInputError{fmt.Sprintf("it comes from the root input variable var.%s", name)}
	}
	parent, call := steps[:len(steps)-1], steps[len(steps)-1]
	m := l.cfg.module(parent)
	if m == nil || m.ModuleCalls[call.Name] == nil {
		return nil, fmt.Errorf("the configuration of module %s is not in the plan", call.Name)
	}
	expr := m.ModuleCalls[call.Name].Expressions[name]
	if expr == nil || expr.ExpressionData == nil || len(expr.References) == 0 {
		return nil, &knownInputError{fmt.Sprintf("var.%s of %s is not set from a resource", name, ModulePath(steps).String())}
	}
	callOrigin := origin{key: call.Key, forEach: m.ModuleCalls[call.Name].ForEachExpression}
	return l.resolve(parent, ModulePath(parent).String(), expr.References, callOrigin, pair, depth+1)
}

// resolveOutput follows module.NAME.OUTPUT into the called module.
func (l *linker) resolveOutput(steps []ModuleStep, g referenceGroup, pair string, depth int) ([]*instance, error) {
	m := l.cfg.module(append(slices.Clone(steps), ModuleStep{Name: g.name}))
	if m == nil {
		return nil, fmt.Errorf("module.%s is not in the plan's configuration", g.name)
	}
	// module.m[each.key].out is listed as "module.m", "each.key": the output
	// name is lost, so every output is followed and the caller keeps the
	// resources of the type it links to.
	outputs := []string{g.attr}
	if g.attr == "" {
		outputs = slices.Sorted(maps.Keys(m.Outputs))
	}
	var outputRefs [][]string
	for _, name := range outputs {
		out := m.Outputs[name]
		if out == nil || out.Expression == nil || out.Expression.ExpressionData == nil {
			return nil, fmt.Errorf("output %s of module.%s is not in the plan's configuration", name, g.name)
		}
		outputRefs = append(outputRefs, out.Expression.References)
	}
	var children [][]ModuleStep
	for _, s := range l.children[childKey(ModulePath(steps).String(), g.name)] {
		if !g.has || s[len(s)-1].Key == g.key {
			children = append(children, s)
		}
	}
	if !g.has && len(children) > 1 && pair != "" {
		for _, c := range children {
			if c[len(c)-1].Key == pair {
				children, pair = [][]ModuleStep{c}, ""
				break
			}
		}
	}
	var found []*instance
	var errs []error
	for _, child := range children {
		for _, refs := range outputRefs {
			got, err := l.resolve(child, ModulePath(child).String(), refs, origin{}, pair, depth+1)
			found, errs = append(found, got...), appendErr(errs, err)
		}
	}
	if len(children) == 0 {
		errs = append(errs, fmt.Errorf("module.%s has no resources of interest in this plan", g.name))
	}
	if g.attr == "" && len(found) > 0 {
		// Outputs that lead nowhere are not the one the caller reads.
		errs = nil
	}
	return found, errors.Join(errs...)
}
