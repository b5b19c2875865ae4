// Command vermerk-lossyproxy is a development tool: a proxy between the desktop app and a
// Vermerk server that loses answers on request, to see with one's own eyes what the app says
// when a write's answer was lost and the write is sent again (as the tests' lossyProxy in
// client/internal/ui does). Never put it in front of a server anyone relies on.
//
//	vermerk-lossyproxy -listen 127.0.0.1:8181 -target http://127.0.0.1:8080
//	curl -X POST '127.0.0.1:8181/_lossyproxy/lose?field=startImport'   # lose its answers
//	curl -X POST '127.0.0.1:8181/_lossyproxy/lose'                     # lose none again
//
// While a field is set, every POST /graphql whose body names it reaches the server and is
// carried out, and the connection breaks before the answer reaches the app.
package main

import (
	"bytes"
	"flag"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8181", "address the app talks to")
	target := flag.String("target", "http://127.0.0.1:8080", "the Vermerk server")
	flag.Parse()
	u, err := url.Parse(*target)
	if err != nil {
		log.Fatal(err)
	}
	forward := httputil.NewSingleHostReverseProxy(u)
	var mu sync.Mutex
	lose := ""
	http.HandleFunc("/_lossyproxy/lose", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		lose = r.URL.Query().Get("field")
		mu.Unlock()
		log.Printf("losing the answers to %q", lose)
	})
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/graphql" {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			mu.Lock()
			losing := lose != "" && bytes.Contains(body, []byte(lose))
			mu.Unlock()
			if losing {
				forward.ServeHTTP(httptest.NewRecorder(), r)
				if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
					conn.Close()
				}
				log.Printf("lost the answer to a request naming %q", lose)
				return
			}
		}
		forward.ServeHTTP(w, r)
	})
	log.Printf("forwarding %s to %s", *listen, *target)
	log.Fatal(http.ListenAndServe(*listen, nil))
}
