package record

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/hneurons/hneurons/internal/atomicfile"
)

// WriteJSONL writes recs as a whole JSONL file atomically (see atomicfile),
// with prov as its first line when not nil. HTML characters are not
// escaped.
func WriteJSONL[T any](path string, prov *Provenance, recs []T) error {
	err := atomicfile.Write(path, func(w io.Writer) error {
		if prov != nil {
			line, err := HeaderLine(prov)
			if err != nil {
				return err
			}
			if _, err := w.Write(line); err != nil {
				return err
			}
		}
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for i := range recs {
			if err := enc.Encode(&recs[i]); err != nil {
				return fmt.Errorf("record %d: %w", i, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	return nil
}

// WriteJSON writes v as an indented JSON document atomically.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return fmt.Errorf("record: encoding %s: %w", path, err)
	}
	if err := atomicfile.WriteBytes(path, append(b, '\n')); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	return nil
}
