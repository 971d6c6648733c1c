// Package examples embeds the example registries, so that `custodian demo` works from any
// directory. Each file is a complete organisation; the seed ones pass check-facts against
// the facts of the policy they model (examples_test.go).
package examples

import "embed"

// FS holds every examples/*.yaml.
//
//go:embed *.yaml
var FS embed.FS

// Demo is the example the demo imports unless told otherwise.
const Demo = "000-goyang-ilsan-post.yaml"
