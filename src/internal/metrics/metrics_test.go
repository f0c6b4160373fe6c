package metrics

import (
	"strings"
	"testing"
	"time"
)

func TestWriteToRendersPrometheusText(t *testing.T) {
	r := New("1.2.3", "abc1234")
	r.Observe("/tickets", 201, 3*time.Millisecond)
	r.Observe("/tickets", 201, 300*time.Millisecond)
	r.Observe("/readyz", 503, time.Millisecond)
	var b strings.Builder
	if _, err := r.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		`app_build_info{version="1.2.3",commit="abc1234"} 1`,
		`http_requests_total{route="/tickets",status="201"} 2`,
		`http_requests_total{route="/readyz",status="503"} 1`,
		`http_request_duration_seconds_bucket{route="/tickets",le="0.005"} 1`,
		`http_request_duration_seconds_bucket{route="/tickets",le="0.5"} 2`,
		`http_request_duration_seconds_bucket{route="/tickets",le="+Inf"} 2`,
		`http_request_duration_seconds_count{route="/tickets"} 2`,
		"# TYPE http_request_duration_seconds histogram",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

func TestLabelValuesAreEscaped(t *testing.T) {
	r := New(`v"1`, "c\\2")
	var b strings.Builder
	_, _ = r.WriteTo(&b)
	if !strings.Contains(b.String(), `version="v\"1",commit="c\\2"`) {
		t.Fatalf("labels not escaped: %s", b.String())
	}
}
