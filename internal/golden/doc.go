// Package golden owns the -update flag of the test suite and the comparison
// of output with golden files. Every package with tests imports it, so that
// `go test ./... -update` is a valid command in each of them.
package golden
