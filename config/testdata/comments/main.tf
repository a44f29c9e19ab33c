# Ignore comments above resource blocks (not planned).

# returnpath:ignore RP001 legacy VPC, replaced in Q3
resource "aws_network_acl" "legacy" {
  vpc_id = "vpc-1"
}

# The team's note about this NACL.
# returnpath:ignore RP002 expires=2027-03-31 outbound HTTPS goes through the proxy
# returnpath:ignore RP006 inline and standalone rules during the migration
resource "aws_network_acl" "public" {
  vpc_id = "vpc-1"
}

# returnpath: prose that mentions the tool is not a directive
resource "aws_network_acl" "plain" {
  vpc_id = "vpc-1"
}

module "legacy" {
  source = "./modules/legacy"
  count  = 2
}
