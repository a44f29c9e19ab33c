resource "aws_instance" "broken" {
  this does not parse
