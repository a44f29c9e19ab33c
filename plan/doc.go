// Package plan loads the JSON of `terraform show -json` and builds the typed
// network model every check reads: VPCs, subnets, network ACLs with their
// rules in evaluation order, and what could not be linked.
//
// It is the only place that knows the plan's JSON shapes and its strings
// ("tcp", "-1", "acl-…", references such as "aws_network_acl.this[0].id");
// everything after it works with netip.Prefix, PortRange and Protocol.
package plan
