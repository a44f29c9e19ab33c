// Package planjson is the JSON engine behind package plan: a validating
// scanner that walks `terraform show -json` in place, a one-pass decoder
// that keeps only the resources the model reads (and encoding/json to name
// the problem when it fails), and a filler that decodes a resource's
// attribute values into the value structs of aws.go.
//
// It knows the plan's JSON shapes, not the network model: plan builds and
// links the model from what it returns.
package planjson
