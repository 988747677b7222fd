package http

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/scalezero/scalezero/app"
)

// jsonType is every JSON answer's Content-Type, shared (capacity 1: an Add
// copies) rather than allocated per answer by Header.Set.
var jsonType = []string{"application/json"}[:1:1]

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header()["Content-Type"] = jsonType
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeRawJSON answers with body, JSON already encoded as writeJSON would
// encode it (json.Marshal's bytes; the newline Encode adds is written
// after them: the server buffers both, and body need not grow).
func writeRawJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header()["Content-Type"] = jsonType
	w.WriteHeader(status)
	w.Write(body)
	w.Write(newline)
}

var newline = []byte{'\n'}

func writeError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg, "request_id": requestID(w)})
}

func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	s.o.Logger.Error("request failed", "error", err, "request_id", requestID(w), "path", r.URL.Path)
	writeError(w, r, http.StatusInternalServerError, "internal error")
}

// retryAfter is what a 503 asks clients to wait: about as long as a primary
// takes to restart or a breaker to close.
const retryAfter = 2 * time.Second

// unavailable answers 503 with Retry-After: what the request needs is down,
// and the same request may succeed later.
func (s *Server) unavailable(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.o.Logger.Warn(what+" unavailable", "error", err, "request_id", requestID(w))
	setRetryAfter(w, retryAfter)
	writeError(w, r, http.StatusServiceUnavailable, what+" unavailable; try again")
}

// fail maps a store's error at the edge: a dependency that is down is 503
// (app.ErrUnavailable), anything else is a bug (500).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, what string, err error) {
	if r.Context().Err() != nil && errors.Is(err, r.Context().Err()) {
		writeError(w, r, statusClientGone, "client closed the request") // no one reads it; logs and metrics do
		return
	}
	if errors.Is(err, app.ErrUnavailable) {
		s.unavailable(w, r, what, err)
		return
	}
	s.internal(w, r, err)
}

// setRetryAfter sets Retry-After in whole seconds, at least 1.
func setRetryAfter(w http.ResponseWriter, d time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(max(1, math.Ceil(d.Seconds())))))
}

// drainLimit bounds what tooLarge reads of a body it refused, and drainTime
// how long it tries.
const (
	drainLimit = 32 << 20
	drainTime  = 10 * time.Second
)

// tooLarge answers 413, then reads what is left of the body (within bounds)
// before the connection closes: a server that closes a connection with
// unread data makes the kernel reset it, and the client may then lose the
// 413 and see only "connection reset". A client that asked to send the body
// only once invited (Expect: 100-continue) has not sent it.
func (s *Server) tooLarge(w http.ResponseWriter, r *http.Request, body io.Reader, msg string) {
	w.Header().Set("Connection", "close")
	writeError(w, r, http.StatusRequestEntityTooLarge, msg)
	if strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
		return
	}
	rc := http.NewResponseController(w)
	rc.Flush()
	rc.SetReadDeadline(time.Now().Add(drainTime))
	io.CopyN(io.Discard, body, drainLimit)
}

// isJSON reports whether the request says its body is JSON. Browsers send
// text/plain, form and multipart bodies across sites without asking; only
// JSON needs a CORS preflight, so requiring it keeps other sites' forms out.
func isJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// decode reads one JSON object of at most MaxBodyBytes with known fields only;
// on failure it answers 4xx and returns false.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	tooBigMsg := fmt.Sprintf("body larger than %d bytes", s.o.MaxBodyBytes)
	switch {
	case !isJSON(r):
		writeError(w, r, http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type %q: allowed application/json", r.Header.Get("Content-Type")))
		return false
	case r.ContentLength > s.o.MaxBodyBytes:
		s.tooLarge(w, r, r.Body, tooBigMsg)
		return false
	}
	raw := r.Body
	body := http.MaxBytesReader(w, raw, s.o.MaxBodyBytes)
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
		s.tooLarge(w, r, raw, tooBigMsg)
		return false
	case errors.Is(err, io.EOF):
		writeError(w, r, http.StatusBadRequest, "empty body: send a JSON object")
		return false
	case err != nil:
		writeError(w, r, http.StatusBadRequest, jsonProblem(err))
		return false
	}
	return true
}

// jsonProblem says what is wrong with a body in the API's terms: Go's own
// messages name the server's types ("Go struct field signupRequest.email
// of type string"), which are no business of the client's.
func jsonProblem(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("malformed JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ) && typ.Field != "":
		return fmt.Sprintf("%s: expected %s, got %s", typ.Field, jsonKind(typ.Type.Kind()), typ.Value)
	case errors.As(err, &typ):
		return fmt.Sprintf("expected a JSON object, got %s", typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return strings.TrimPrefix(err.Error(), "json: ") // the client's own field name
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "malformed JSON: the body ends too soon"
	}
	return "malformed JSON: " + strings.TrimPrefix(err.Error(), "json: ")
}

func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Float64:
		return "a number"
	}
	return "a JSON value of another type"
}
