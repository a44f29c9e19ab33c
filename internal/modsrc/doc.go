// Package modsrc reads the Terraform sources of a configuration's modules,
// for what the plan JSON leaves out: the expressions of locals. The plan's
// configuration records a reference such as local.this_sg_id and nothing
// more; the module's .tf files say what it is (a conditional over the
// module's own group and an input, a try over a few resources), and
// Choices turns that into the references it may resolve to, evaluating
// with go-cty what is known at plan time.
//
// A module's directory is found through .terraform/modules/modules.json,
// which terraform init writes next to the root configuration (registry,
// git and local modules alike), or else by joining local sources ("./",
// "../") to the calling module's directory. Each directory is read once.
package modsrc
