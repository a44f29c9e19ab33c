# Every setting of .returnpath.hcl.
client_ranges {
  default  = ["32768-60999", "49152-65535"]
  internet = ["1024-65535"]
}

rule "RP006" { severity = "notice" }

rule "RP008" {
  enabled = false
}

ignore {
  rule     = "RP001"
  resource = "module.legacy.aws_network_acl.this[*]"
  reason   = "legacy VPC, replaced in Q3"
  expires  = "2027-03-31"
}

ignore {
  rule     = "RP002"
  resource = "aws_network_acl.public"
  reason   = "outbound HTTPS goes through the proxy"
}

fail_on = "warning"
