package main

import (
	"context"
	"fmt"
	"net"
	"net/http"

	"github.com/scalezero/scalezero/app/internal/floor"
	"github.com/scalezero/scalezero/app/redis"
	"github.com/scalezero/scalezero/app/service"
)

// serveBare stores, for every id, the body the app at appBase answers, and
// serves the bare handler (floor.Handler) on a loopback port until stop;
// with header, it sends those headers too.
// Its Redis client is built as the app's cache client is (redis.NewClient:
// the same timeouts and pool) and reads the same Redis; its server is the
// app's (service.NewHTTPServer: the same limits and timeouts), so the two
// differ only in their handlers.
func serveBare(ctx context.Context, client *http.Client, appBase, redisAddr string, ids []int64, header http.Header, name string) (string, func(), error) {
	rc := redis.NewClient(redis.Options{Addr: redisAddr})
	for _, id := range ids {
		var body []byte
		if err := get(client, appBase, id, &body); err != nil {
			rc.Close()
			return "", nil, err
		}
		if err := floor.Store(ctx, rc, id, body); err != nil {
			rc.Close()
			return "", nil, fmt.Errorf("store the bare handler's bytes: %w", err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		rc.Close()
		return "", nil, err
	}
	srv := service.NewHTTPServer(floor.Handler{Client: rc, Header: header})
	go labelled("server", name, func() { srv.Serve(ln) })
	return "http://" + ln.Addr().String(), func() { srv.Close(); rc.Close() }, nil
}

// appHeaders are the headers the app answers a profile read with, but for
// those every server sets (Date, Content-Length, Content-Type); the request
// id is a fixed one of the same length.
func appHeaders(client *http.Client, appBase string, id int64) (http.Header, error) {
	res, err := client.Get(appBase + "/api/users/" + fmt.Sprint(id))
	if err != nil {
		return nil, err
	}
	res.Body.Close()
	h := res.Header.Clone()
	for _, k := range []string{"Date", "Content-Length", "Content-Type"} {
		h.Del(k)
	}
	h.Set("X-Request-Id", "0123456789abcdef")
	return h, nil
}
