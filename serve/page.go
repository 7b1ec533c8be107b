package serve

import (
	_ "embed"
	"net/http"
)

// pageHTML is the chat page: one file, no external assets.
//
//go:embed page/index.html
var pageHTML []byte

// page serves the chat page at GET /.
func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
	_, _ = w.Write(pageHTML)
}
