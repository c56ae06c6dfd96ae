//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd || windows)

package kommo

import (
	"errors"
	"os"
)

// Without an OS file lock (js/wasm has no processes to share with),
// WithSharedBudget has no effect: the window stays in memory.
const sharedBudgetSupported = false

func lockBudgetFile(string) (*os.File, error) { return nil, errors.ErrUnsupported }

func unlockBudgetFile(*os.File) {}
