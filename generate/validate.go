package generate

import (
	"errors"
	"fmt"
	"math"
)

// Validate reports sampling settings that make no sense, naming each by its
// command-line flag: a negative or non-finite temperature (0 is greedy), a
// negative top-k (0 keeps all tokens), a top-p outside [0, 1] (0 and 1 keep
// all tokens).
func (o SamplerOptions) Validate() error {
	var errs []error
	if !(o.Temperature >= 0) || math.IsInf(o.Temperature, 0) {
		errs = append(errs, fmt.Errorf("--temperature %v: want a finite value >= 0 (0: greedy)", o.Temperature))
	}
	if o.TopK < 0 {
		errs = append(errs, fmt.Errorf("--top-k %d: want 0 (all tokens) or more", o.TopK))
	}
	if !(o.TopP >= 0 && o.TopP <= 1) {
		errs = append(errs, fmt.Errorf("--top-p %v: want a probability in [0, 1] (0 or 1: all tokens)", o.TopP))
	}
	return errors.Join(errs...)
}
