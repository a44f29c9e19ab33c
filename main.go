// Command returnpath reports AWS network ACL rules in a Terraform plan that
// break the return half of connections. See README.md.
package main

import (
	"os"

	"github.com/returnpath-dev/returnpath/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
