package origin

import (
	"context"
	"fmt"

	"github.com/hneurons/hneurons/chat"
	"github.com/hneurons/hneurons/extract"
	"github.com/hneurons/hneurons/features"
	"github.com/hneurons/hneurons/model"
	"github.com/hneurons/hneurons/probe"
	"github.com/hneurons/hneurons/record"
	"github.com/hneurons/hneurons/tokenizer"
)

// TransferOptions configure Transfer, the backward transfer of METHOD.md
// section 6: the instruct model's probe applied unchanged to the base
// model's CETT on the same labelled responses.
type TransferOptions struct {
	// Base is the model the probe is transferred to; Tok its tokenizer,
	// which must be the instruct model's (the caller checks).
	Base *model.Model
	Tok  *tokenizer.Tokenizer
	// Probe is the instruct model's probe, applied as it is.
	Probe *probe.Probe
	// Records are labelled responses to score. Records of the chat prompt
	// format are replayed in the base format (BaseRecords: the question as
	// "{question}\nAnswer:", the response cut at its first newline) unless
	// KeepFormat; records collected on the base model in the base format
	// are used as they are.
	Records    []record.Labelled
	KeepFormat bool
	// Train, when not nil, is the instruct model's training set (answer
	// rows, probe.LoadEvalDataset): the restricted classifiers of the
	// controls, on the H-Neurons and on Seeds sets of as many random
	// neurons, are trained on it and scored on the base model's rows
	// (probe.TransferCheck), so that they are transferred the way the probe is.
	Train *probe.Dataset
	Seeds int
	// Boot bootstrap resamples give the intervals; Seed fixes them and the
	// random neurons; Balance scores a class-balanced subset (the paper's
	// accuracies).
	Boot    int
	Seed    uint64
	Balance bool
	// Dir is the feature store the base model's CETT is written to
	// (resumable, with provenance); Input identifies the records in it.
	Dir   string
	Input record.Input
	Fresh bool
	// Progress, when set, follows the extraction.
	Progress func(ExtractProgress)
}

// ExtractProgress is the extraction's progress report.
type ExtractProgress = extract.Progress

// TransferResult is what Transfer measured.
type TransferResult struct {
	// BaseModel is the base model's identity; ProbeModel the instruct
	// model's, as the probe records it.
	BaseModel  string `json:"base_model"`
	ProbeModel string `json:"probe_model"`
	// Replayed is true when chat-format records were turned into base
	// records; Replay counts what that did.
	Replayed bool            `json:"replayed"`
	Replay   BaseReplayStats `json:"replay"`
	// Extract is the extraction's account of the records (skipped ones
	// included).
	Extract extract.Stats `json:"extract"`
	// Probe is the unchanged probe's score on the base model's answer rows.
	Probe probe.Metrics `json:"probe"`
	// Controls are the transferred restricted classifiers (nil without
	// TransferOptions.Train).
	Controls *probe.Transfer `json:"controls,omitempty"`
}

// CheckLayout returns an error unless the probe's neurons exist, at the
// same places, in m: the same number of layers and of neurons per layer.
func CheckLayout(pr *probe.Probe, m *model.Model) error {
	c := m.Config
	if pr.Layers == 0 || pr.DFF == 0 {
		return fmt.Errorf("origin: the probe was trained on a plain matrix, not on a model's neurons")
	}
	if pr.Layers != c.NLayers || pr.DFF != c.DFF {
		return fmt.Errorf("origin: the probe is for %d layers x %d neurons, the model %s has %d x %d: their neuron layouts differ",
			pr.Layers, pr.DFF, m.Path, c.NLayers, c.DFF)
	}
	return nil
}

// Transfer replays the records through the base model, extracts the
// answer regions' CETT and scores the probe on them unchanged, with the
// transferred random-neuron controls beside it.
func Transfer(ctx context.Context, o TransferOptions) (*TransferResult, error) {
	if err := CheckLayout(o.Probe, o.Base); err != nil {
		return nil, err
	}
	id, err := o.Base.Identity()
	if err != nil {
		return nil, fmt.Errorf("origin: %w", err)
	}
	res := &TransferResult{BaseModel: id, ProbeModel: o.Probe.ModelFingerprint}
	recs := o.Records
	if !o.KeepFormat {
		var chatRecs, baseRecs []record.Labelled
		for _, r := range recs {
			if r.PromptFormat == chat.FormatBase {
				baseRecs = append(baseRecs, r)
			} else {
				chatRecs = append(chatRecs, r)
			}
		}
		if len(chatRecs) > 0 {
			replayed, st, err := BaseRecords(o.Tok, chatRecs)
			if err != nil {
				return nil, err
			}
			res.Replayed, res.Replay = true, st
			recs = append(baseRecs, replayed...)
		}
	}
	if res.Extract, err = extract.Run(ctx, o.Base, o.Tok, recs, o.Dir, extract.Options{
		Regions: []string{features.RegionAnswer}, Input: o.Input, Fresh: o.Fresh, Progress: o.Progress,
	}); err != nil {
		return nil, err
	}
	eval, err := probe.LoadEvalDataset(o.Dir)
	if err != nil {
		return nil, err
	}
	// The probe is applied to another model on purpose: its fingerprint is
	// set aside, its layout was checked above.
	pr := *o.Probe
	pr.ModelFingerprint = ""
	rep, err := probe.Assess(ctx, &pr, eval, probe.AssessOptions{Boot: o.Boot, Seed: o.Seed, Balance: o.Balance})
	if err != nil {
		return nil, fmt.Errorf("origin: scoring the probe on the base model: %w", err)
	}
	res.Probe = rep.Metrics
	if o.Train != nil && len(pr.HNeurons) > 0 {
		hcols := make([]int, len(pr.HNeurons))
		for i, n := range pr.HNeurons {
			hcols[i] = n.Layer*pr.DFF + n.Neuron
		}
		if res.Controls, err = probe.TransferCheck(ctx, o.Train, eval, hcols, o.Seeds, o.Seed, nil); err != nil {
			return nil, fmt.Errorf("origin: transferred controls: %w", err)
		}
	}
	return res, nil
}
