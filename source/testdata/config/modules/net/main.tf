variable "rules" {
  type = list(number)
}

resource "aws_network_acl" "this" {
  vpc_id = "vpc-1"

  dynamic "ingress" {
    for_each = var.rules
    content {
      rule_no    = ingress.value
      action     = "allow"
      protocol   = "tcp"
      cidr_block = "0.0.0.0/0"
      from_port  = 443
      to_port    = 443
    }
  }
}
