package datasets

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hneurons/hneurons/record"
)

// eachLine calls fn with every non-blank line of the file at path (1-based
// line numbers). fn's error stops the scan and is returned unchanged.
func eachLine(path string, fn func(line int, text []byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	return eachLineReader(f, path, fn)
}

// errStop ends a scan early without error (Limit reached).
var errStop = errors.New("stop")

func eachLineReader(r io.Reader, path string, fn func(line int, text []byte) error) error {
	br := bufio.NewReaderSize(r, 1<<16)
	for n := 1; ; n++ {
		b, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(b)) > 0 {
			if ferr := fn(n, b); ferr != nil {
				if ferr == errStop {
					return nil
				}
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("datasets: %s line %d: %w", path, n, err)
		}
	}
}

// stem is the file name without directory and final extension.
func stem(path string) string {
	b := filepath.Base(path)
	return strings.TrimSuffix(b, filepath.Ext(b))
}

// ReadNQ reads NQ-Open JSONL: {"question": ..., "answer": [...]}. A line with
// no question or no answers is bad. IDs are "<file stem>:<line>".
func ReadNQ(path string, opt Options) ([]Record, Stats, error) {
	var recs []Record
	var st Stats
	s := stem(path)
	err := eachLine(path, func(line int, b []byte) error {
		var row struct {
			Question *string  `json:"question"`
			Answer   []string `json:"answer"`
		}
		where := fmt.Sprintf("%s line %d", path, line)
		if err := json.Unmarshal(b, &row); err != nil {
			return st.bad(opt, where, err)
		}
		if row.Question == nil || strings.TrimSpace(*row.Question) == "" {
			return st.bad(opt, where, errors.New(`missing or empty "question"`))
		}
		if len(row.Answer) == 0 {
			return st.bad(opt, where, errors.New(`missing or empty "answer" list`))
		}
		recs = append(recs, Record{ID: s + ":" + strconv.Itoa(line), Question: *row.Question, Answers: row.Answer, Source: "nq"})
		if opt.full(len(recs)) {
			return errStop
		}
		return nil
	})
	st.Read = len(recs)
	return recs, st, err
}

// stringOrList decodes a JSON string or list of strings.
type stringOrList []string

func (s *stringOrList) UnmarshalJSON(b []byte) error {
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("[")) {
		var l []string
		if err := json.Unmarshal(b, &l); err != nil {
			return err
		}
		*s = l
		return nil
	}
	var one string
	if err := json.Unmarshal(b, &one); err != nil {
		return fmt.Errorf("want a string or a list of strings: %w", err)
	}
	*s = []string{one}
	return nil
}

// ReadJSONL reads generic JSONL: {"id"?: string, "question": string,
// "answers"?: [...]} ("answer" accepted too, as a string or a list; "source",
// "group" and "extra" are kept). The provenance line that hneurons writes at
// the top of its own JSONL files (record.IsHeader) is skipped, so labelled
// and split files read as datasets too. Unknown fields are ignored. A missing id becomes
// "<file stem>:<line>". A line without a question is bad.
func ReadJSONL(path string, opt Options) ([]Record, Stats, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, Stats{}, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	return ReadJSONLFrom(f, path, opt)
}

// ReadJSONLFrom is ReadJSONL on a reader; name is used in errors and ids.
func ReadJSONLFrom(r io.Reader, name string, opt Options) ([]Record, Stats, error) {
	var recs []Record
	var st Stats
	s := stem(name)
	err := eachLineReader(r, name, func(line int, b []byte) error {
		if line == 1 && record.IsHeader(b) {
			return nil
		}
		var row struct {
			ID                json.RawMessage   `json:"id"`
			Question          *string           `json:"question"`
			Answers           stringOrList      `json:"answers"`
			Answer            stringOrList      `json:"answer"`
			Source            string            `json:"source"`
			Group             string            `json:"group"`
			NormalizedAnswers []string          `json:"normalized_answers"`
			Incorrect         []string          `json:"incorrect"`
			Extra             map[string]string `json:"extra"`
		}
		where := fmt.Sprintf("%s line %d", name, line)
		if err := json.Unmarshal(b, &row); err != nil {
			return st.bad(opt, where, err)
		}
		if row.Question == nil || strings.TrimSpace(*row.Question) == "" {
			return st.bad(opt, where, errors.New(`missing or empty "question"`))
		}
		id, err := idString(row.ID)
		if err != nil {
			return st.bad(opt, where, err)
		}
		if id == "" {
			id = s + ":" + strconv.Itoa(line)
		}
		ans := []string(row.Answers)
		if ans == nil {
			ans = row.Answer
		}
		if ans == nil {
			ans = []string{}
		}
		src := row.Source
		if src == "" {
			src = "jsonl"
		}
		rec := Record{ID: id, Question: *row.Question, Answers: ans, Source: src, Group: row.Group,
			NormalizedAnswers: row.NormalizedAnswers, Incorrect: row.Incorrect, Extra: row.Extra}
		if dup, err := st.dedupe(opt, where, rec); dup || err != nil {
			return err
		}
		recs = append(recs, rec)
		if opt.full(len(recs)) {
			return errStop
		}
		return nil
	})
	st.Read = len(recs)
	return recs, st, err
}

// idString accepts a JSON string or number id; absent or null gives "".
func idString(raw json.RawMessage) (string, error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || string(t) == "null" {
		return "", nil
	}
	if t[0] == '"' {
		var s string
		if err := json.Unmarshal(t, &s); err != nil {
			return "", fmt.Errorf(`bad "id": %w`, err)
		}
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(t, &n); err != nil {
		return "", fmt.Errorf(`"id" must be a string or a number: %w`, err)
	}
	return n.String(), nil
}
