// Package source finds where resources are written in a Terraform
// configuration: the .tf file and line of each resource block, of its inline
// ingress/egress blocks, and the comment lines just above it, and of each
// module block (where a module that is not on disk is configured). It parses
// the configuration with hcl/v2 and follows module calls with local sources.
//
// Reports use it to point at the line to fix; suppressions read the
// comments. A configuration that is missing or does not parse only means
// fewer locations, never an error for the user.
//
// It reads what is needed and no more: the top level of each file is
// followed without a syntax tree (hcl/v2 parses only the blocks of NACLs
// and module calls), each module directory is read once however many
// module blocks call it, nothing outside the repository is read (not
// through a module source, not through a symbolic link), and a .tf file
// over MaxFileBytes or not UTF-8 is skipped. What is skipped is listed by
// Index.Notices, which the reports show as RP008 notices.
package source
