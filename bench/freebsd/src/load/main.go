// HTTP load generator: C keep-alive connections issue GET requests until
// N requests are done or D elapse; prints requests per second.
// Usage: load URL [C] [N] [D]   (defaults 8, 200000, 10s)
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	url := os.Args[1]
	c, n, d := 8, int64(200000), 10*time.Second
	if len(os.Args) > 2 {
		c, _ = strconv.Atoi(os.Args[2])
	}
	if len(os.Args) > 3 {
		n, _ = strconv.ParseInt(os.Args[3], 10, 64)
	}
	if len(os.Args) > 4 {
		d, _ = time.ParseDuration(os.Args[4])
	}
	tr := &http.Transport{MaxIdleConnsPerHost: c, DisableCompression: true}
	cl := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	var done, fails int64
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < c; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) && atomic.AddInt64(&done, 1) <= n {
				resp, err := cl.Get(url)
				if err != nil {
					atomic.AddInt64(&fails, 1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	el := time.Since(start).Seconds()
	if done > n {
		done = n
	}
	ok := done - fails
	fmt.Printf("%.0f %d %d %.2f\n", float64(ok)/el, ok, fails, el)
	if ok == 0 {
		os.Exit(1)
	}
}
