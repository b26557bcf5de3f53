// chainsvc: Go net/http services of the chain tests (tests/integration/test_go_chains.sh), stdlib only.
// Same protocol as the Python services (tests/integration/chains/truth_log.py): GET /r/<id> is served,
// the downstream calls carry ids derived from <id> by a hash (never <id> itself, so the agent cannot link
// by content), and each request served is logged as one JSON line of ground truth:
//
//	{"service": NAME, "received": ID, "sent": [ID, ...]}
//
// Every downstream call goes through one http.Client with Go's default transport settings (keep-alive,
// at most 2 idle connections per host: under load most calls dial, as in many real services).
//
//	chainsvc leaf  -listen ADDR -truth FILE [-service NAME]
//	chainsvc front -listen ADDR -truth FILE [-service NAME] -downstream URL[,URL...] -mode seq|fanout
//
// seq: the handler's goroutine calls each downstream in turn; fanout: one `go func` per downstream call,
// the handler waits for all. GET /healthz answers 200 (readiness).
package main

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// childID is truth_log.py's child_id: sha1("<received>:<index>") in hex, first 16 digits.
func childID(received string, index int) string {
	sum := sha1.Sum([]byte(fmt.Sprintf("%s:%d", received, index)))
	return hex.EncodeToString(sum[:])[:16]
}

type truthLog struct {
	mu      sync.Mutex
	f       *os.File
	service string
}

func (t *truthLog) log(received string, sent []string) {
	b, err := json.Marshal(map[string]any{"service": t.service, "received": received, "sent": sent})
	if err != nil {
		log.Fatal(err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, err := t.f.Write(append(b, '\n')); err != nil {
		log.Fatal(err)
	}
}

func call(client *http.Client, url string) error {
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d", url, resp.StatusCode)
	}
	return nil
}

func main() {
	log.SetFlags(0)
	if len(os.Args) < 2 || (os.Args[1] != "leaf" && os.Args[1] != "front") {
		log.Fatal("usage: chainsvc leaf|front -listen ADDR -truth FILE [-service NAME] [-downstream URLS -mode seq|fanout]")
	}
	role := os.Args[1]
	fs := flag.NewFlagSet(role, flag.ExitOnError)
	listen := fs.String("listen", "127.0.0.1:0", "address to serve on")
	truthPath := fs.String("truth", "", "ground truth log (JSON lines)")
	service := fs.String("service", role, "service name in the truth log")
	downstream := fs.String("downstream", "", "front: comma-separated base URLs called per request")
	mode := fs.String("mode", "seq", "front: seq (one after another) or fanout (one goroutine each)")
	fs.Parse(os.Args[2:])
	if *truthPath == "" {
		log.Fatal("-truth FILE is required")
	}
	f, err := os.OpenFile(*truthPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		log.Fatal(err)
	}
	truth := &truthLog{f: f, service: *service}
	var urls []string
	if role == "front" {
		if *downstream == "" || (*mode != "seq" && *mode != "fanout") {
			log.Fatal("front needs -downstream URL[,URL...] and -mode seq|fanout")
		}
		urls = strings.Split(*downstream, ",")
	}
	client := &http.Client{Timeout: 30 * time.Second}

	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("/r/", func(w http.ResponseWriter, r *http.Request) {
		received := strings.TrimPrefix(r.URL.Path, "/r/")
		sent := make([]string, len(urls))
		errs := make([]error, len(urls))
		for i := range urls {
			sent[i] = childID(received, i)
		}
		if *mode == "fanout" {
			var wg sync.WaitGroup
			for i := range urls {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					errs[i] = call(client, urls[i]+"/r/"+sent[i])
				}(i)
			}
			wg.Wait()
		} else {
			for i := range urls {
				errs[i] = call(client, urls[i]+"/r/"+sent[i])
			}
		}
		for _, err := range errs {
			if err != nil {
				log.Print(err)
				w.WriteHeader(http.StatusBadGateway)
				io.WriteString(w, "downstream failed")
				return
			}
		}
		truth.log(received, sent)
		io.WriteString(w, "ok")
	})
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal((&http.Server{Handler: mux}).Serve(ln))
}
