// Per-syscall cost: N raw getpid calls (no Go scheduler hooks), prints
// the wall time per call in nanoseconds.  Usage: getpid [N]
package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

func main() {
	n := 200000
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	pid, _, _ := syscall.RawSyscall(syscall.SYS_GETPID, 0, 0, 0)
	start := time.Now()
	for i := 0; i < n; i++ {
		if p, _, _ := syscall.RawSyscall(syscall.SYS_GETPID, 0, 0, 0); p != pid {
			fmt.Println("getpid changed")
			os.Exit(1)
		}
	}
	el := time.Since(start)
	fmt.Printf("%.3f\n", float64(el.Nanoseconds())/float64(n))
}
