package serve

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the server's Prometheus series, in its own registry (so that
// several servers in one process, as in tests, do not collide).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec   // by endpoint and status code
	duration *prometheus.HistogramVec // by endpoint
	risk     prometheus.Histogram
	actions  *prometheus.CounterVec // by action
	tokens   prometheus.Counter     // completion tokens returned
}

func newMetrics(e *Engine) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hneurons_requests_total", Help: "HTTP requests by endpoint and status code."}, []string{"endpoint", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "hneurons_request_duration_seconds", Help: "Completion request latency.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 14)}, []string{"endpoint"}),
		risk: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "hneurons_answer_risk", Help: "Hallucination risk of returned answers.",
			Buckets: []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9}}),
		actions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hneurons_policy_actions_total", Help: "What the policy did with each returned choice."}, []string{"action"}),
		tokens: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hneurons_completion_tokens_total", Help: "Tokens of the returned completions."}),
	}
	stat := func(name, help string, kind prometheus.ValueType, f func(EngineStats) float64) prometheus.Collector {
		d := prometheus.NewDesc(name, help, nil, nil)
		return collectorFunc{d, func(ch chan<- prometheus.Metric) {
			ch <- prometheus.MustNewConstMetric(d, kind, f(e.Stats()))
		}}
	}
	m.reg.MustRegister(m.requests, m.duration, m.risk, m.actions, m.tokens,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		stat("hneurons_queue_waiting", "Jobs waiting for a batch slot.", prometheus.GaugeValue, func(s EngineStats) float64 { return float64(s.Waiting) }),
		stat("hneurons_active_sequences", "Sequences decoding.", prometheus.GaugeValue, func(s EngineStats) float64 { return float64(s.Active) }),
		stat("hneurons_last_batch_rows", "Segments in the last decoding step.", prometheus.GaugeValue, func(s EngineStats) float64 { return float64(s.LastBatch) }),
		stat("hneurons_decode_steps_total", "Decoding steps run.", prometheus.CounterValue, func(s EngineStats) float64 { return float64(s.Steps) }),
		stat("hneurons_forward_calls_total", "Forward calls run (one per distinct alpha per step).", prometheus.CounterValue, func(s EngineStats) float64 { return float64(s.ForwardCalls) }),
		stat("hneurons_sampled_tokens_total", "Tokens sampled by the engine.", prometheus.CounterValue, func(s EngineStats) float64 { return float64(s.Tokens) }),
	)
	return m
}

// collectorFunc is a Collector of one series computed at scrape time.
type collectorFunc struct {
	desc    *prometheus.Desc
	collect func(chan<- prometheus.Metric)
}

func (c collectorFunc) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }
func (c collectorFunc) Collect(ch chan<- prometheus.Metric) { c.collect(ch) }
