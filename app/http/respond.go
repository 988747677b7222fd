package http

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg, "request_id": requestID(r.Context())})
}

func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	s.o.Logger.Error("request failed", "error", err, "request_id", requestID(r.Context()), "path", r.URL.Path)
	writeError(w, r, http.StatusInternalServerError, "internal error")
}

func (s *Server) unavailable(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.o.Logger.Error(what+" unavailable", "error", err, "request_id", requestID(r.Context()))
	writeError(w, r, http.StatusServiceUnavailable, what+" unavailable; try again")
}

// decode reads one JSON object of at most MaxBodyBytes with known fields only;
// on failure it answers 4xx and returns false.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	body := http.MaxBytesReader(w, r.Body, s.o.MaxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value")
	}
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			err = errors.New("trailing data after the JSON object")
		}
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", s.o.MaxBodyBytes))
		return false
	case errors.Is(err, io.EOF):
		writeError(w, r, http.StatusBadRequest, "empty body: send a JSON object")
		return false
	case err != nil:
		writeError(w, r, http.StatusBadRequest, "malformed JSON: "+err.Error())
		return false
	}
	return true
}

// statusProbe captures what the mux's own 404 or 405 handler would send.
type statusProbe struct {
	header http.Header
	status int
}

func (p *statusProbe) Header() http.Header         { return p.header }
func (p *statusProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *statusProbe) WriteHeader(code int)        { p.status = code }

// jsonErrors answers unknown routes (404) and wrong methods (405, with Allow)
// in the API's JSON error shape instead of the mux's plain text.
func jsonErrors(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		probe := &statusProbe{header: http.Header{}, status: http.StatusNotFound}
		h.ServeHTTP(probe, r)
		if allow := probe.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		writeError(w, r, probe.status, strings.ToLower(http.StatusText(probe.status)))
	})
}
