package planjson

import (
	"encoding/json"

	tfjson "github.com/hashicorp/terraform-json"
)

// Plan is the part of `terraform show -json` the model uses; every other
// field is skipped by the decoder. decodePlan fills it in one pass, keeping
// only the changes and prior-state resources of modelled() types (and the
// configuration of those); encoding/json fills it whole when decodePlan
// fails, to name the problem.
type Plan struct {
	FormatVersion    *string          `json:"format_version"`
	TerraformVersion string           `json:"terraform_version"`
	ResourceChanges  []ResourceChange `json:"resource_changes"` // non-nil when present
	PriorState       *State           `json:"prior_state"`
	Configuration    *tfjson.Config   `json:"configuration"`
	PlannedValues    Presence         `json:"planned_values"`
	Values           Presence         `json:"values"` // only in state JSON
	// StateValues are the resources of a state's JSON (`terraform show
	// -json` without a plan file), of modelled types.
	StateValues *StateValues `json:"-"`
	// StateVersion and RawResources are the "version" and "resources" of
	// a raw state file (`terraform state pull`), kept as JSON.
	StateVersion json.RawMessage `json:"-"`
	RawResources json.RawMessage `json:"-"`
	// Variables are the values of the root module's variables, as the
	// run set them (terraform.tfvars, -var, defaults), kept as JSON.
	Variables map[string]json.RawMessage `json:"-"`
	// ManagedChanges counts the changes of managed, not deposed, resource
	// instances of every type.
	ManagedChanges int `json:"-"`
}

// Presence records that a field exists without building its value.
type Presence bool

func (p *Presence) UnmarshalJSON([]byte) error { *p = true; return nil }

type ResourceChange struct {
	Address       string          `json:"address"`
	ModuleAddress string          `json:"module_address"`
	Mode          string          `json:"mode"`
	Type          string          `json:"type"`
	Name          string          `json:"name"`
	Index         json.RawMessage `json:"index"`
	Deposed       string          `json:"deposed"`
	Change        Change          `json:"change"`
}

// Change is a change; the model reads no "before": what exists today
// comes from prior_state.
type Change struct {
	Actions      tfjson.Actions  `json:"actions"`
	After        json.RawMessage `json:"after"`
	AfterUnknown json.RawMessage `json:"after_unknown"`
}

type State struct {
	Values *StateValues `json:"values"`
}

type StateValues struct {
	RootModule StateModule `json:"root_module"`
}

type StateModule struct {
	Address      string          `json:"address"`
	Resources    []StateResource `json:"resources"`
	ChildModules []StateModule   `json:"child_modules"`
	// Managed and AWS count the module's own managed resource instances,
	// of every type and of the AWS provider's types.
	Managed int `json:"-"`
	AWS     int `json:"-"`
}

type StateResource struct {
	Address    string          `json:"address"`
	Mode       string          `json:"mode"`
	Type       string          `json:"type"`
	Name       string          `json:"name"`
	Index      json.RawMessage `json:"index"`
	DeposedKey string          `json:"deposed_key"`
	Values     json.RawMessage `json:"values"`
}
