// callchain: Go net/http services for the Go runtime tests (stdlib only). Each process logs, as JSON
// lines, the ground truth the probes are checked against: goroutine ids read from runtime.Stack's
// "goroutine N [...]" header, in the goroutine concerned (the handler, each `go func`, the caller of
// Client.Do, and net/http's own writeLoop/readLoop through httptrace callbacks that run there).
//
//	callchain leaf  -listen ADDR
//	callchain front -listen ADDR -downstream URL[,URL...] -mode seq|fanout -log FILE
//	callchain load  -url URL -clients N -requests M -log FILE [-wait-file FILE]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// goid is the current goroutine's id, as the runtime prints it in stack traces.
func goid() uint64 {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	f := bytes.Fields(buf[:n])
	if len(f) < 2 || string(f[0]) != "goroutine" {
		panic("unexpected runtime.Stack header: " + string(buf[:n]))
	}
	id, err := strconv.ParseUint(string(f[1]), 10, 64)
	if err != nil {
		panic(err)
	}
	return id
}

type truthLog struct {
	mu sync.Mutex
	f  *os.File
}

func openLog(path string) *truthLog {
	if path == "" {
		return &truthLog{}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC|os.O_APPEND, 0o600)
	if err != nil {
		log.Fatal(err)
	}
	return &truthLog{f: f}
}

func (l *truthLog) write(v map[string]any) {
	if l.f == nil {
		return
	}
	b, _ := json.Marshal(v)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.f.Write(append(b, '\n'))
}

func newClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 128},
		Timeout: 20 * time.Second}
}

// call makes one GET through client and logs who called, who wrote the request, who read the response.
func call(client *http.Client, url string, tl *truthLog) error {
	caller := goid()
	var writer, reader atomic.Uint64
	trace := &httptrace.ClientTrace{
		WroteRequest:         func(httptrace.WroteRequestInfo) { writer.Store(goid()) },
		GotFirstResponseByte: func() { reader.Store(goid()) },
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	// WroteRequest runs in writeLoop, in a defer after the flush: it may lag the response a little.
	for i := 0; i < 1000 && writer.Load() == 0; i++ {
		time.Sleep(time.Millisecond)
	}
	tl.write(map[string]any{"ev": "call", "caller": caller, "writer": writer.Load(), "reader": reader.Load(),
		"url": url, "status": resp.StatusCode})
	return nil
}

func serve(addr string, tl *truthLog, h http.HandlerFunc) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	tl.write(map[string]any{"ev": "serve", "goid": goid(), "pid": os.Getpid()})
	fmt.Println("ready")
	log.Fatal((&http.Server{Handler: h}).Serve(ln))
}

func main() {
	log.SetFlags(0)
	if len(os.Args) < 2 {
		log.Fatal("usage: callchain leaf|front|load [flags]")
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	listen := fs.String("listen", "127.0.0.1:0", "address to serve on")
	downstream := fs.String("downstream", "", "comma-separated URLs the front calls per request")
	mode := fs.String("mode", "seq", "seq: downstream calls one after another; fanout: one goroutine each")
	url := fs.String("url", "", "load: URL to request")
	clients := fs.Int("clients", 16, "load: concurrent clients")
	requests := fs.Int("requests", 50, "load: requests per client")
	logPath := fs.String("log", "", "ground truth log (JSON lines)")
	waitFile := fs.String("wait-file", "", "load: start only once this file exists (at most 20 s)")
	fs.Parse(os.Args[2:])
	tl := openLog(*logPath)

	switch os.Args[1] {
	case "leaf":
		serve(*listen, tl, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "leaf ok\n") })
	case "front":
		client := newClient()
		urls := strings.Split(*downstream, ",")
		serve(*listen, tl, func(w http.ResponseWriter, r *http.Request) {
			handler := goid()
			tl.write(map[string]any{"ev": "handler", "goid": handler, "path": r.URL.Path})
			failed := atomic.Int32{}
			if *mode == "fanout" {
				var wg sync.WaitGroup
				for _, u := range urls {
					wg.Add(1)
					go func(u string) {
						defer wg.Done()
						tl.write(map[string]any{"ev": "spawn", "parent": handler, "child": goid()})
						if call(client, u, tl) != nil {
							failed.Add(1)
						}
					}(u)
				}
				wg.Wait()
			} else {
				for _, u := range urls {
					if call(client, u, tl) != nil {
						failed.Add(1)
					}
				}
			}
			if failed.Load() > 0 {
				w.WriteHeader(http.StatusBadGateway)
			}
			io.WriteString(w, "front ok\n")
		})
	case "load":
		for i := 0; *waitFile != "" && i < 200; i++ {
			if _, err := os.Stat(*waitFile); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		client := newClient()
		parent := goid()
		var wg sync.WaitGroup
		var failures atomic.Int32
		for c := 0; c < *clients; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tl.write(map[string]any{"ev": "spawn", "parent": parent, "child": goid()})
				for i := 0; i < *requests; i++ {
					if err := call(client, *url, tl); err != nil {
						log.Print(err)
						failures.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		if failures.Load() > 0 {
			log.Fatalf("%d requests failed", failures.Load())
		}
		fmt.Println("load done")
	default:
		log.Fatal("unknown mode " + os.Args[1])
	}
}
