// Command kube-apiserver is the Kubernetes API server of release k8s.io/kubernetes v1.37.2 (the version in go.mod), built
// from its Go module for the tests of the Kubernetes providers (local-infra's LocalKubernetes starts it beside etcd).
package main

import (
	"os"

	"dms-mlflow/deploy/kube/internal/parent"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	parent.ExitWithStdin()
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}
