// returnpath:ignore RP001 the module's NACL is replaced with the VPC
resource "aws_network_acl" "this" {
  vpc_id = "vpc-1"
}
