// Command etcd is etcd's own server entry point, etcdmain.Main, built from the etcd server module
// that Kubernetes already requires, so the store is the same etcd the API server is tested with.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
