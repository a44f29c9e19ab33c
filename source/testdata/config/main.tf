# A configuration for the source index tests (not planned).

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

# returnpath:ignore RP001 legacy VPC, replaced in Q3
// second comment line
resource "aws_network_acl" "web" { # a trailing comment is not above anything
  vpc_id = aws_vpc.main.id

  ingress {
    rule_no    = 100
    action     = "allow"
    protocol   = "tcp"
    cidr_block = "0.0.0.0/0"
    from_port  = 443
    to_port    = 443
  }

  egress {
    rule_no    = 110
    action     = "allow"
    protocol   = "tcp"
    cidr_block = "0.0.0.0/0"
    from_port  = 1024
    to_port    = 65535
  }
}

x = 1 # code then comment
resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}

module "net" {
  source = "./modules/net"
  count  = 2
}

module "remote" {
  source = "terraform-aws-modules/vpc/aws"
}
