package plan

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/returnpath-dev/returnpath/internal/modsrc"
)

// moduleSources reads locals from the configuration's .tf files: the plan
// JSON records local.NAME and nothing of its expression.
type moduleSources struct {
	tree *modsrc.Tree
	// scopes caches the evaluation scope of each module instance path.
	scopes map[string]scopeResult
	// rootVars are the root module's variables as the run set them (the
	// plan's "variables"); the locals of the root module read them.
	rootVars map[string]cty.Value
}

type scopeResult struct {
	scope *modsrc.Scope
	err   error
}

func newModuleSources(dir string, variables map[string]json.RawMessage) *moduleSources {
	src := &moduleSources{tree: modsrc.NewTree(dir), scopes: map[string]scopeResult{}, rootVars: map[string]cty.Value{}}
	for name, raw := range variables {
		// A value cty cannot hold leaves the variable unknown: a local
		// that depends on it stays unresolved, with its reason.
		if v, err := ctyValueOfJSON(raw); err == nil {
			src.rootVars[name] = v
		}
	}
	return src
}

// scope is the evaluation scope of the module instance at steps: its
// source, and the inputs its call sets to values known at plan time.
func (l *linker) scope(steps []ModuleStep) (*modsrc.Scope, error) {
	if l.cfg == nil || l.cfg.sources == nil {
		return nil, errors.New("no configuration directory to read module sources from")
	}
	src := l.cfg.sources
	if src == nil {
		return nil, errors.New("no configuration directory to read module sources from")
	}
	key := ModulePath(steps).String()
	if r, ok := src.scopes[key]; ok {
		return r.scope, r.err
	}
	scope, err := l.newScope(src, steps)
	src.scopes[key] = scopeResult{scope, err}
	return scope, err
}

func (l *linker) newScope(src *moduleSources, steps []ModuleStep) (*modsrc.Scope, error) {
	calls := make([]modsrc.Call, 0, len(steps))
	m := l.cfg.root
	var set map[string]bool
	vars := src.rootVars // the root module's; a module's are its call's inputs
	for i, s := range steps {
		call := m.ModuleCalls[s.Name]
		if call == nil || call.Module == nil {
			return nil, fmt.Errorf("the configuration of module %s is not in the plan", s.Name)
		}
		calls = append(calls, modsrc.Call{Name: s.Name, Source: call.Source})
		set, vars = map[string]bool{}, map[string]cty.Value{}
		var caller *modsrc.Scope // read when an input is not a constant
		for name, expr := range call.Expressions {
			set[name] = true
			if expr == nil || expr.ExpressionData == nil {
				continue
			}
			if len(expr.References) == 0 && expr.ConstantValue != nil {
				if v, err := ctyValue(expr.ConstantValue); err == nil {
					vars[name] = v
				}
				continue
			}
			// The plan records only the input's references
			// (var.enabled): the calling module's source has the
			// expression, evaluated with what that module knows.
			if caller == nil {
				if caller, _ = l.scope(steps[:i]); caller == nil {
					continue
				}
			}
			if v, ok := caller.Input(s.Name, name); ok {
				vars[name] = v
			}
		}
		m = call.Module
	}
	mod, err := src.tree.Module(calls)
	if err != nil {
		return nil, err
	}
	isSet := func(name string) bool { return set == nil || set[name] } // root variables are all set by the run
	return mod.Scope(vars, isSet), nil
}

// dynamicBlocks lists the dynamic blocks of a resource's block in its
// module's source; ok is false when the source cannot be read.
func (l *linker) dynamicBlocks(inst *instance) (labels []string, ok bool) {
	if l.cfg == nil || l.cfg.sources == nil {
		return nil, false
	}
	steps, err := l.paths.parse(inst.Module)
	if err != nil {
		return nil, false
	}
	calls, err := l.moduleCalls(steps)
	if err != nil {
		return nil, false
	}
	mod, err := l.cfg.sources.tree.Module(calls)
	if err != nil {
		return nil, false
	}
	labels, ok = mod.Dynamic[inst.Type+"."+inst.Name]
	return labels, ok
}

// moduleCalls is the path of module calls to a module instance, with the
// sources the plan's configuration records.
func (l *linker) moduleCalls(steps []ModuleStep) ([]modsrc.Call, error) {
	calls := make([]modsrc.Call, 0, len(steps))
	m := l.cfg.root
	for _, s := range steps {
		call := m.ModuleCalls[s.Name]
		if call == nil || call.Module == nil {
			return nil, fmt.Errorf("the configuration of module %s is not in the plan", s.Name)
		}
		calls = append(calls, modsrc.Call{Name: s.Name, Source: call.Source})
		m = call.Module
	}
	return calls, nil
}

// ctyValue converts a constant of the plan's configuration.
func ctyValue(v any) (cty.Value, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return cty.NilVal, err
	}
	return ctyValueOfJSON(data)
}

// ctyValueOfJSON is a JSON value in cty, of the type its JSON implies
// (a list is a tuple, a map an object), as Terraform's own JSON reads it.
func ctyValueOfJSON(data []byte) (cty.Value, error) {
	t, err := ctyjson.ImpliedType(data)
	if err != nil {
		return cty.NilVal, err
	}
	return ctyjson.Unmarshal(data, t)
}

// resolveLocal follows local.NAME through the module's source: the first
// of its alternatives that names resources of the plan.
func (l *linker) resolveLocal(steps []ModuleStep, name string, from origin, pair string, depth int) ([]*instance, error) {
	scope, err := l.scope(steps)
	if err != nil {
		return nil, fmt.Errorf("it comes from local.%s, which the plan JSON does not hold, and %v", name, err)
	}
	alts, err := scope.Choices(name)
	if err != nil {
		return nil, fmt.Errorf("it comes from local.%s: %v", name, err)
	}
	if len(alts) == 0 {
		return nil, &knownInputError{fmt.Sprintf("local.%s names no resource", name)}
	}
	var errs []error
	for _, refs := range alts {
		got, err := l.resolve(steps, ModulePath(steps).String(), refs, from, pair, depth+1)
		if len(got) > 0 {
			return got, nil
		}
		errs = appendErr(errs, err)
	}
	return nil, fmt.Errorf("local.%s: %w", name, errors.Join(errs...))
}
