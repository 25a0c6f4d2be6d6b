// realprog go: a Go program with cgo (dynamically linked, so preloaded):
// rounds of 200 goroutines on their first, 2 KiB stacks spin in spin(),
// while runtime/pprof profiles them with its own SIGPROF handler (argv[1]
// names the profile to write; "-": no profile); cspin() runs in C through
// cgo; then a child process. Prints the hashes; exits 3.
package main

// #include <stdint.h>
// static uint64_t cspin(uint64_t n)
// {
//	uint64_t h = 1469598103934665603u;
//	for (uint64_t i = 0; i < n; i++)
//		h = (h ^ i) * 1099511628211u;
//	return h;
// }
import "C"

import (
	"fmt"
	"os"
	"os/exec"
	"runtime/pprof"
	"sync"
)

//go:noinline
func leaf(h, i uint64) uint64 { return (h ^ i) * 1099511628211 }

//go:noinline
func spin(n int) uint64 {
	h := uint64(1469598103934665603)
	for i := 0; i < n; i++ {
		h = leaf(h, uint64(i))
	}
	return h
}

func main() {
	var f *os.File
	if os.Args[1] != "-" {
		var err error
		if f, err = os.Create(os.Args[1]); err != nil {
			panic(err)
		}
		if err = pprof.StartCPUProfile(f); err != nil {
			panic(err)
		}
	}
	var wg sync.WaitGroup
	res := make([]uint64, 200)
	for round := 0; round < 6; round++ {
		for i := range res {
			wg.Add(1)
			go func(k int) { defer wg.Done(); res[k] += spin(200000 + k) }(i)
		}
		wg.Wait()
	}
	if f != nil {
		pprof.StopCPUProfile()
		f.Close()
	}
	var x uint64
	for _, v := range res {
		x ^= v
	}
	out, err := exec.Command("/bin/echo", "child").Output()
	if err != nil {
		panic(err)
	}
	fmt.Printf("%x %x %s", x, uint64(C.cspin(100000000)), out)
	os.Exit(3)
}
