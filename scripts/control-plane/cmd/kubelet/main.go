// kubelet, built from k8s.io/kubernetes as a library at the same pin as the API server
// (see ../../go.mod), for the local cluster's nodes.
package main

import (
	"context"
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kubelet/app"
)

func main() {
	os.Exit(cli.Run(app.NewKubeletCommand(context.Background())))
}
