// Package metrics renders Prometheus text exposition format with the standard library only: a
// request counter by route and status, a request duration histogram and a build info gauge.
package metrics

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// Buckets are the upper bounds, in seconds, of the request duration histogram.
var Buckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	count  uint64
}

// Registry collects the service's metrics; it is safe for concurrent use.
type Registry struct {
	mu        sync.Mutex
	version   string
	commit    string
	requests  map[[2]string]uint64 // route, status
	durations map[string]*histogram
}

// New returns a registry reporting the given build version and commit.
func New(version, commit string) *Registry {
	return &Registry{version: version, commit: commit, requests: map[[2]string]uint64{}, durations: map[string]*histogram{}}
}

// Observe records one request.
func (r *Registry) Observe(route string, status int, elapsed time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests[[2]string{route, fmt.Sprint(status)}]++
	h := r.durations[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(Buckets))}
		r.durations[route] = h
	}
	seconds := elapsed.Seconds()
	for i, bound := range Buckets {
		if seconds <= bound {
			h.counts[i]++
			break
		}
	}
	h.sum += seconds
	h.count++
}

func label(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

func format(f float64) string {
	return fmt.Sprintf("%g", f)
}

// WriteTo writes every metric in Prometheus text format.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	b.WriteString("# HELP app_build_info Build version and commit of the running binary.\n# TYPE app_build_info gauge\n")
	fmt.Fprintf(&b, "app_build_info{version=\"%s\",commit=\"%s\"} 1\n", label(r.version), label(r.commit))

	b.WriteString("# HELP http_requests_total HTTP requests by route and status.\n# TYPE http_requests_total counter\n")
	keys := make([][2]string, 0, len(r.requests))
	for k := range r.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+" "+keys[i][1] < keys[j][0]+" "+keys[j][1] })
	for _, k := range keys {
		fmt.Fprintf(&b, "http_requests_total{route=\"%s\",status=\"%s\"} %d\n", label(k[0]), k[1], r.requests[k])
	}

	b.WriteString("# HELP http_request_duration_seconds HTTP request duration by route.\n# TYPE http_request_duration_seconds histogram\n")
	routes := make([]string, 0, len(r.durations))
	for route := range r.durations {
		routes = append(routes, route)
	}
	sort.Strings(routes)
	for _, route := range routes {
		h := r.durations[route]
		var cumulative uint64
		for i, bound := range Buckets {
			cumulative += h.counts[i]
			fmt.Fprintf(&b, "http_request_duration_seconds_bucket{route=\"%s\",le=\"%s\"} %d\n", label(route), format(bound), cumulative)
		}
		fmt.Fprintf(&b, "http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %d\n", label(route), h.count)
		fmt.Fprintf(&b, "http_request_duration_seconds_sum{route=\"%s\"} %s\n", label(route), format(h.sum))
		fmt.Fprintf(&b, "http_request_duration_seconds_count{route=\"%s\"} %d\n", label(route), h.count)
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}
