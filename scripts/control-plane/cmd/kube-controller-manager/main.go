// kube-controller-manager, built from k8s.io/kubernetes as a library (see ../../go.mod): the real
// ReplicaSet, Deployment, StatefulSet, DaemonSet, Job, garbage-collector and node-lifecycle
// controllers of the local cluster.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() {
	os.Exit(cli.Run(app.NewControllerManagerCommand()))
}
