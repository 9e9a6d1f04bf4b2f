// Command jsonvalid is the floor for benchmarks: read a file and run encoding/json.Valid once.
package main

import (
	"encoding/json"
	"fmt"
	"os"
)

func main() {
	for _, p := range os.Args[1:] {
		data, err := os.ReadFile(p)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		if !json.Valid(data) {
			fmt.Fprintln(os.Stderr, p, "is not valid JSON")
			os.Exit(1)
		}
	}
}
