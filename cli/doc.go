// Package cli is the returnpath command line: it parses arguments, runs
// load → check → report, and turns the outcome into an exit code. The serve
// command hands the same check → report step to package runtask, which
// runs it for HCP Terraform run tasks. The trace command (trace.go) loads
// the plan the same way and asks checks to trace one flow.
//
// Main never panics and never writes a partial report: the report is
// formatted into memory and written to stdout only when it is complete. An
// error is one line on stderr, "returnpath: <message>", with nothing on
// stdout and ExitError.
package cli
