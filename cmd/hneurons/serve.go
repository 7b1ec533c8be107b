package main

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/hneurons/hneurons/probe"
	"github.com/hneurons/hneurons/serve"
)

// apiKeyEnv is the environment variable read when --api-key is not given.
const apiKeyEnv = "HNEURONS_API_KEY"

// serveOptions are the flags of `hneurons serve`.
type serveOptions struct {
	model, probe, addr, name string
	apiKey                   string
	calibrate                string
	falseAlarm               float64
	threshold                float64
	policy                   string
	maxRegen                 int
	warning, abstention      string
	maxBatch, queue          int
	maxTokens, maxN          int
	maxBody                  int64
	timeout                  time.Duration
	grace                    time.Duration

	// listen, when set (tests), receives the bound address.
	listen func(addr string)
}

// newServeCmd builds the `hneurons serve` command.
func newServeCmd() *cobra.Command { return newServeCmdWith(&serveOptions{}) }

// newServeCmdWith builds the command around o (tests set o.listen).
func newServeCmdWith(o *serveOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve --model M --probe probe.json [--addr 127.0.0.1:8080]",
		Short: "Serve an OpenAI-compatible API that scores every answer's hallucination risk",
		Long: `Serve runs an OpenAI-compatible HTTP server (POST /v1/chat/completions and
/v1/completions, streaming or not; GET /v1/models, /healthz, /metrics in the
Prometheus text format; GET / a chat page) on the model, and scores every
choice with the H-Neuron probe: the "hneurons" object of each choice holds the
risk P(hallucination) of its answer, read from the same forward passes that
generated it (the running risk in every streamed chunk, the answer's in the
last one).

The flag threshold is --threshold, or the one calibrated on held-out answers
(--calibrate FEATURES, a feature store such as the demo's features/test) at
the --false-alarm rate. --policy says what happens above it: annotate (only
report), regenerate (sample again with --warning in the prompt, up to
--max-regenerations times) or abstain (answer --abstention); a request can
choose its own in "hneurons": {"policy": ..., "threshold": ..., "alpha": ...}.

It reads vLLM's request extensions too (top-level top_k, return_token_ids for
each choice's "token_ids", add_special_tokens on /v1/completions) and samples
choice i with the request's seed as collect does, so that
` + "`hneurons collect --endpoint`" + ` against it writes the records a local collect
would (with --max-n at least collect's --samples, or collect --endpoint-n).

The server binds to loopback unless --addr says otherwise. With --api-key (or
$` + apiKeyEnv + `) every endpoint but /healthz needs "Authorization: Bearer KEY".
SIGTERM or Ctrl-C drains: running requests finish, new ones get 503.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runServe(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.model, "model", "", modelUsage)
	f.StringVar(&o.probe, "probe", "", "probe.json trained on this model's CETT features (required)")
	f.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen address (loopback by default)")
	f.StringVar(&o.name, "name", "", "model id the API reports (default: the model folder's name)")
	f.StringVar(&o.apiKey, "api-key", "", "require this bearer token (default $"+apiKeyEnv+"; none: no auth)")
	f.StringVar(&o.calibrate, "calibrate", "", "held-out feature store to calibrate the threshold on (e.g. a demo's features/test)")
	f.Float64Var(&o.falseAlarm, "false-alarm", 0.1, "false-alarm rate the calibrated threshold allows on held-out faithful answers")
	f.Float64Var(&o.threshold, "threshold", 0, "risk above which an answer is flagged (default: calibrated, else 0.5)")
	f.StringVar(&o.policy, "policy", string(serve.Annotate), "annotate, regenerate or abstain")
	f.IntVar(&o.maxRegen, "max-regenerations", 2, "most regenerations of a flagged answer (regenerate policy)")
	f.StringVar(&o.warning, "warning", "", "text added to the prompt of a regeneration (default: a short caution)")
	f.StringVar(&o.abstention, "abstention", "", `the abstain policy's answer (default "unknown")`)
	f.IntVar(&o.maxBatch, "max-batch", 32, "most sequences decoding at once")
	f.IntVar(&o.queue, "queue", 64, "most requests waiting for a slot (more get 429)")
	f.IntVarP(&o.maxTokens, "max-new-tokens", "n", 256, "largest max_tokens of a request (and its default)")
	f.IntVar(&o.maxN, "max-n", 8, "largest n (choices) of a request")
	f.Int64Var(&o.maxBody, "max-body", 1<<20, "largest request body in bytes (more get 413)")
	f.DurationVar(&o.timeout, "timeout", 2*time.Minute, "request timeout (504 after it)")
	f.DurationVar(&o.grace, "shutdown-grace", 30*time.Second, "how long a shutdown waits for running requests")
	cmd.MarkFlagRequired("model")
	cmd.MarkFlagRequired("probe")
	aliases(cmd, map[string]string{"max-tokens": "max-new-tokens"})
	return cmd
}

// validate checks the flags before anything is loaded.
func (o *serveOptions) validate() error {
	var c checks
	_, err := serve.ParsePolicy(o.policy)
	c.flag("policy", err)
	c.atLeast("max-regenerations", o.maxRegen, 0)
	c.atLeast("max-batch", o.maxBatch, 1)
	c.atLeast("queue", o.queue, 1)
	c.atLeast("max-new-tokens", o.maxTokens, 1)
	c.atLeast("max-n", o.maxN, 1)
	if o.maxBody < 1024 {
		c.add("--max-body %d: want at least 1024", o.maxBody)
	}
	c.duration("timeout", o.timeout)
	c.duration("shutdown-grace", o.grace)
	if o.threshold < 0 || o.threshold > 1 {
		c.add("--threshold %v: want a risk in [0, 1]", o.threshold)
	}
	if !(o.falseAlarm >= 0 && o.falseAlarm < 1) {
		c.add("--false-alarm %v: want a rate in [0, 1)", o.falseAlarm)
	}
	if _, _, err := net.SplitHostPort(o.addr); err != nil {
		c.flag("addr", err)
	}
	return c.err()
}

func runServe(cmd *cobra.Command, o *serveOptions) error {
	if err := o.validate(); err != nil {
		return err
	}
	m, tok, err := openModel(o.model)
	if err != nil {
		return err
	}
	defer m.Close()
	pr, err := probe.Load(o.probe)
	if err != nil {
		return err
	}
	det, err := serve.NewDetector(m, pr)
	if err != nil {
		return err
	}
	var cal *serve.Calibration
	if o.calibrate != "" {
		c, err := serve.CalibrateFeatures(pr, o.calibrate, o.falseAlarm)
		if err != nil {
			return fmt.Errorf("--calibrate: %w", err)
		}
		cal = &c
		slog.Info("serve: threshold calibrated on held-out answers", "threshold", c.Threshold,
			"false_alarm_rate", c.FalseAlarmRate, "detection_rate", c.DetectionRate,
			"faithful", c.Faithful, "hallucinated", c.Hallucinated)
	}
	key := o.apiKey
	if key == "" {
		key = os.Getenv(apiKeyEnv)
	}
	name := o.name
	if name == "" {
		name = filepath.Base(filepath.Clean(o.model))
	}
	var threshold *float64
	if cmd.Flags().Changed("threshold") {
		threshold = &o.threshold
	}
	srv, err := serve.New(m, tok, det, serve.Config{
		ModelName: name, Engine: serve.EngineOptions{MaxBatch: o.maxBatch, QueueLen: o.queue},
		Limits:  serve.Limits{MaxTokens: o.maxTokens, MaxN: o.maxN},
		MaxBody: o.maxBody, RequestTimeout: o.timeout, APIKey: key,
		Policy: serve.Policy(o.policy), Threshold: threshold, MaxRegenerations: o.maxRegen, Calibration: cal,
		Warning: o.warning, Abstention: o.abstention, ShutdownGrace: o.grace,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		srv.Close()
		return fmt.Errorf("--addr: %w", err)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "hneurons: serving %s on http://%s/ (%d probe neurons, %d H-Neurons)\n",
		name, ln.Addr(), det.K(), len(pr.HNeurons))
	if o.listen != nil {
		o.listen(ln.Addr().String())
	}
	return srv.Serve(cmd.Context(), ln)
}
