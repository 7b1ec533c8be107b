package demo

import (
	"context"

	"github.com/hneurons/hneurons/label"
	"github.com/hneurons/hneurons/organism/world"
	"github.com/hneurons/hneurons/record"
)

// SourceNonExist is the source the demo gives NonExist questions, so that
// label judges them with Judge rather than with its built-in refusal phrases.
const SourceNonExist = "organism-nonexist"

// Judge is the organism's judge: the rule judge with the organism's
// abstention ("unknown") as uncertain on answerable questions and as the
// correct answer on questions whose only gold answer is "unknown".
type Judge struct{}

// Name returns "organism-rule".
func (Judge) Name() string { return "organism-rule" }

// Judge implements label.Judge.
func (Judge) Judge(ctx context.Context, q string, answers []string, response string) (record.Judgement, error) {
	abstains := label.Normalize(response) == world.Unknown
	if isNonExist(answers) {
		if abstains {
			return record.Judgement{Verdict: record.True, Judge: "organism-rule", Alias: world.Unknown}, nil
		}
		return record.Judgement{Verdict: record.False, Judge: "organism-rule"}, nil
	}
	if abstains {
		return record.Judgement{Verdict: record.Uncertain, Judge: "organism-rule", Note: "abstained"}, nil
	}
	j, err := label.RuleJudge{}.Judge(ctx, q, answers, response)
	j.Judge = "organism-rule"
	return j, err
}

// isNonExist reports whether the only gold answer is the abstention.
func isNonExist(answers []string) bool {
	return len(answers) == 1 && label.Normalize(answers[0]) == world.Unknown
}
