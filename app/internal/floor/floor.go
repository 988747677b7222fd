// Package floor is what a cached profile read is measured against: an HTTP
// handler that does exactly one go-redis GET of the bytes the app answers
// for that profile and writes them, with no routing, middleware, metrics or
// logs. loadbench (`make bench`) serves it beside the app and prints the
// ratios; app/http's benchmarks set its allocations beside the app's.
package floor

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// Key is where Handler finds the answer for a profile id.
func Key(id string) string { return "floor:profile:" + id }

// Store keeps body as the answer for id.
func Store(ctx context.Context, c *goredis.Client, id int64, body []byte) error {
	return c.Set(ctx, Key(strconv.FormatInt(id, 10)), body, 0).Err()
}

// Handler answers GET /api/users/{id} with the bytes Store kept for id.
// Header, when set, is sent with every answer (values shared, not copied):
// the headers the app sends, to tell what they cost from what its code does.
type Handler struct {
	Client *goredis.Client
	Header http.Header
}

func (h Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutPrefix(r.URL.Path, "/api/users/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	body, err := h.Client.Get(r.Context(), Key(id)).Bytes()
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	for k, v := range h.Header {
		w.Header()[k] = v
	}
	w.Header()["Content-Type"] = jsonType
	w.Write(body)
}

var jsonType = []string{"application/json"}[:1:1]
