// Package parent ends this process when the process that started it is gone.
package parent

import (
	"io"
	"os"
)

// ExitWithStdin exits when standard input reaches its end, if DMS_EXIT_WITH_STDIN=1. The Java starter (local-infra's
// LocalKubernetes) keeps the write end of that pipe open for as long as its JVM lives; the kernel closes it when the JVM
// ends in any way, a SIGKILL included, so neither server outlives the tests that started it.
func ExitWithStdin() {
	if os.Getenv("DMS_EXIT_WITH_STDIN") != "1" {
		return
	}
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(3)
	}()
}
