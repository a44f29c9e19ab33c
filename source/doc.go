// Package source finds where resources are written in a Terraform
// configuration: the .tf file and line of each resource block, of its inline
// ingress/egress blocks, and the comment lines just above it, and of each
// module block (where a module that is not on disk is configured). It parses
// the configuration with hcl/v2 and follows module calls with local sources.
//
// Reports use it to point at the line to fix; suppressions read the
// comments. A configuration that is missing or does not parse only means
// fewer locations, never an error for the user.
package source
