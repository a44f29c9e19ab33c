// Package config reads .returnpath.hcl, the file that tunes returnpath for
// a repository, and applies ignores to findings.
//
// The file is HCL, decoded with gohcl into go-cty values and checked
// against checks.All(); a mistake is an hcl.Diagnostic that points at the
// file, line and column, never a silent default. A Config turns into the
// checks.Config of a run (client ranges, severity overrides, disabled
// rules), a default for --fail-on, and ignore blocks.
//
// Ignores also come from "# returnpath:ignore RULE [expires=DATE] REASON"
// comments directly above a resource block of the Terraform configuration
// (found through the source index). Suppress marks the findings an ignore
// in force matches, and turns each expired ignore into a finding of
// checks.ExpiredIgnore. The clock is the caller's: Suppress takes the time.
package config
