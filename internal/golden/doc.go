// Package golden owns the -update flag of the test suite and the comparison
// of output with golden files: Check compares (or, under -update, rewrites)
// a golden file, Absent fails on a golden file no test compares (or, under
// -update, removes it).
//
// `go test ./... -update` is the one way to rewrite golden files. go test
// passes -update to every test binary, and a binary that does not define
// the flag fails before its tests run; Go offers no way for a binary to
// accept a flag it does not define. So every package with tests links this
// package into its test binary: the packages with golden tests (cli,
// runtask) through them, each other one through a one-line
// golden_flag_test.go that imports it for the flag alone. That file is the
// smallest arrangement that keeps the command working; a new package with
// tests needs one too, and TestEveryTestBinaryTakesUpdate (go list over
// the module) fails until it has it.
package golden
