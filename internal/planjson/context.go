package planjson

import (
	"bytes"
	"encoding/json"
	"strings"
)

// ContextKind is what a context file holds; the zero value is invalid.
type ContextKind uint8

// Context file kinds.
const (
	// StateJSON is `terraform show -json` of a state: values.root_module.
	StateJSON ContextKind = iota + 1
	// RawState is a state file as `terraform state pull` prints it
	// (version 4): resources with their instances' attributes.
	RawState
	// PlanJSON is another plan: its planned values are the context.
	PlanJSON
)

func (k ContextKind) String() string {
	switch k {
	case StateJSON:
		return "state JSON"
	case RawState:
		return "raw state"
	case PlanJSON:
		return "plan JSON"
	}
	return "invalid-context-kind"
}

// Context is a context file decoded: for a state, its resources as one
// module tree (the shape of prior_state); for a plan, the plan itself.
type Context struct {
	Kind  ContextKind
	Plan  *Plan        // PlanJSON: the whole plan
	State *StateValues // StateJSON and RawState
	// TerraformVersion wrote the file.
	TerraformVersion string
}

// DecodeContext reads a context file: the JSON of `terraform show -json`
// of a state or of a plan, or a raw state file (version 4). An error is
// the problem half of a one-line message, as Decode's.
func (d *Decoder) DecodeContext(data []byte) (*Context, error) {
	data = bytes.TrimPrefix(data, []byte(bom))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, problemf("is empty, expected a Terraform state (`terraform show -json`, `terraform state pull`) or plan JSON")
	}
	data = skipWrapperLines(data)
	if data == nil {
		return nil, problemf("is not JSON, expected a Terraform state (`terraform show -json`, `terraform state pull`) or plan JSON")
	}
	if isLogStream(data) {
		return nil, problemf("is the log stream of `terraform plan -json`, not a state or plan")
	}
	doc, err := d.decodePlan(data)
	if err != nil {
		if jerr := json.Unmarshal(data, new(Plan)); jerr != nil {
			err = jerr
		}
		msg := describeJSONError(err, data)
		msg = strings.Replace(msg, "the plan is complete", "the state is complete", 1)
		msg = strings.Replace(msg, "not a plan object (expected the JSON of `terraform show -json PLANFILE`)", "not a state or plan object", 1)
		return nil, problemf("%s", msg)
	}
	switch {
	case doc.FormatVersion != nil && !supportedFormat(*doc.FormatVersion):
		return nil, problemf("unsupported format_version %q (returnpath reads state and plan JSON format 0.x and 1.x)", *doc.FormatVersion)
	case doc.FormatVersion != nil && (doc.ResourceChanges != nil || bool(doc.PlannedValues)):
		return &Context{Kind: PlanJSON, Plan: doc, TerraformVersion: doc.TerraformVersion}, nil
	case doc.FormatVersion != nil && bool(doc.Values):
		st := doc.StateValues
		if st == nil {
			st = &StateValues{} // an empty state: `terraform show -json` of nothing
		}
		if err := awsState(&st.RootModule); err != nil {
			return nil, err
		}
		return &Context{Kind: StateJSON, State: st, TerraformVersion: doc.TerraformVersion}, nil
	case doc.FormatVersion != nil:
		// `terraform show -json` of an empty state has no values.
		return &Context{Kind: StateJSON, State: &StateValues{}, TerraformVersion: doc.TerraformVersion}, nil
	case doc.StateVersion != nil && doc.RawResources != nil:
		return d.rawState(doc)
	}
	return nil, problemf("is neither a Terraform state nor a plan: no format_version (`terraform show -json`) and no version and resources (`terraform state pull`)")
}

// rawState turns the resources of a raw state file into a module tree.
func (d *Decoder) rawState(doc *Plan) (*Context, error) {
	var version int
	if err := json.Unmarshal(doc.StateVersion, &version); err != nil {
		return nil, problemf("is not a valid state: version is %s, expected a number", doc.StateVersion)
	}
	if version != 4 {
		return nil, problemf("is a state file of version %d; returnpath reads version 4 (Terraform 0.12 and later)", version)
	}
	var resources []struct {
		Module    string `json:"module"`
		Mode      string `json:"mode"`
		Type      string `json:"type"`
		Name      string `json:"name"`
		Instances []struct {
			IndexKey   json.RawMessage `json:"index_key"`
			Deposed    string          `json:"deposed"`
			Attributes json.RawMessage `json:"attributes"`
		} `json:"instances"`
	}
	if err := json.Unmarshal(doc.RawResources, &resources); err != nil {
		return nil, problemf("is not a valid state: resources: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	root := StateModule{}
	modules := map[string]*StateModule{"": &root}
	var order []string
	for _, r := range resources {
		if r.Mode != "managed" {
			continue
		}
		m := modules[r.Module]
		if m == nil {
			m = &StateModule{Address: r.Module}
			modules[r.Module] = m
			order = append(order, r.Module)
		}
		for _, inst := range r.Instances {
			if inst.Deposed != "" {
				continue
			}
			m.Managed++
			if strings.HasPrefix(r.Type, "aws_") {
				m.AWS++
			}
			if !d.modelled(r.Type) {
				continue
			}
			addr := r.Type + "." + r.Name
			if len(inst.IndexKey) > 0 && string(inst.IndexKey) != "null" {
				addr += "[" + string(inst.IndexKey) + "]"
			}
			if r.Module != "" {
				addr = r.Module + "." + addr
			}
			var index json.RawMessage
			if string(inst.IndexKey) != "null" {
				index = inst.IndexKey
			}
			m.Resources = append(m.Resources, StateResource{
				Address: addr, Mode: r.Mode, Type: r.Type, Name: r.Name, Index: index, Values: inst.Attributes,
			})
		}
	}
	for _, name := range order {
		root.ChildModules = append(root.ChildModules, *modules[name])
	}
	st := &StateValues{RootModule: root}
	if err := awsState(&st.RootModule); err != nil {
		return nil, err
	}
	return &Context{Kind: RawState, State: st, TerraformVersion: doc.TerraformVersion}, nil
}

// awsState refuses a state whose managed resources are all of other
// providers: it cannot be the AWS infrastructure a plan runs in.
func awsState(m *StateModule) error {
	managed, aws := countResources(m, 0)
	if managed > 0 && aws == 0 {
		return problemf("holds no AWS resources (%d resources of other providers): not the state of an AWS stack", managed)
	}
	return nil
}

func countResources(m *StateModule, depth int) (managed, aws int) {
	managed, aws = m.Managed, m.AWS
	if depth > 100 {
		return
	}
	for i := range m.ChildModules {
		cm, ca := countResources(&m.ChildModules[i], depth+1)
		managed, aws = managed+cm, aws+ca
	}
	return
}
