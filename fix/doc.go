// Package fix writes the fixes of findings into the Terraform
// configuration: an inline ingress/egress block in the NACL's resource
// block, an aws_network_acl_rule next to the NACL's other standalone rules,
// or an entry in the literal list or map that a for_each, a count or a
// dynamic block turns into rules (in a locals block, a variable default or
// the argument of a module call).
//
// Edits are text insertions at positions hcl/v2's parser finds, so every
// byte around them (comments, order, formatting) stays as written; the new
// HCL is built and formatted with hclwrite, and a file that was formatted
// before is formatted after (what terraform fmt -check demands). What cannot
// be edited (a variable without a literal default, a remote module, a module
// written once for several instances of which only some need the fix, a
// file outside the repository or in .terraform/) is reported as not fixable
// automatically, with the HCL to add by hand.
//
// The package reads plan and checks; it does not know reports or the
// command line.
package fix
