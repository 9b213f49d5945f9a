// Command etcd is the etcd server of the version k8s.io/kubernetes v1.37.2 depends on (go.etcd.io/etcd/server/v3, resolved
// in go.mod), the API server's storage in the tests of the Kubernetes providers.
package main

import (
	"os"

	"dms-mlflow/deploy/kube/internal/parent"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	parent.ExitWithStdin()
	etcdmain.Main(os.Args)
}
