package datasets

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// triviaRow is the part of the Hugging Face TriviaQA parquet schema we read;
// other columns (entity pages, search results) are not decoded.
type triviaRow struct {
	Question   *string `parquet:"question,optional"`
	QuestionID *string `parquet:"question_id,optional"`
	Answer     *struct {
		Aliases           []string `parquet:"aliases,optional,list"`
		NormalizedAliases []string `parquet:"normalized_aliases,optional,list"`
		Value             *string  `parquet:"value,optional"`
	} `parquet:"answer,optional"`
}

// ReadTriviaQAParquet reads TriviaQA (e.g. rc.nocontext) from a Hugging Face
// parquet file (rc.* configurations list a question once per evidence
// source, so ids repeat: see Options.DedupeIDs). A row without question_id or question is bad ("row N",
// 1-based). Answers are answer.aliases (plus answer.value when the aliases
// lack it); rows with blanked answers (the public test split) get none.
func ReadTriviaQAParquet(path string, opt Options) ([]Record, Stats, error) {
	var st Stats
	f, err := os.Open(path)
	if err != nil {
		return nil, st, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, st, fmt.Errorf("datasets: %w", err)
	}
	return readTriviaQA(f, info.Size(), path, opt)
}

// readTriviaQA reads TriviaQA rows from the parquet file r of size bytes
// (path names it in errors). A panic of the parquet library on a malformed
// file becomes an error, and the footer's magic numbers and length are
// checked before the library reads it. Known limit: the library's Thrift
// decoder allocates the lengths a damaged file's metadata declares before
// it checks that the bytes exist (fuzzing found a 600-byte file that
// allocates 2.3 GB and then fails), and no reader passed in can prevent
// that; do not point a memory-constrained process at parquet files of
// unknown origin.
func readTriviaQA(f io.ReaderAt, size int64, path string, opt Options) (recs []Record, st Stats, err error) {
	defer func() {
		if r := recover(); r != nil {
			recs, err = nil, fmt.Errorf("datasets: %s: malformed parquet file (the parquet reader failed: %v)", path, r)
		}
	}()
	if err := checkParquetFooter(f, size); err != nil {
		return nil, st, fmt.Errorf("datasets: %s: not a parquet file: %w", path, err)
	}
	pf, err := parquet.OpenFile(f, size)
	if err != nil {
		return nil, st, fmt.Errorf("datasets: %s: not a readable parquet file: %w", path, err)
	}
	for _, col := range []string{"question", "question_id"} {
		if _, ok := pf.Schema().Lookup(col); !ok {
			return nil, st, fmt.Errorf("datasets: %s: parquet schema has no %q column", path, col)
		}
	}
	r := parquet.NewGenericReader[triviaRow](pf)
	defer r.Close()
	buf := make([]triviaRow, 256)
	row := 0
	for {
		n, rerr := r.Read(buf)
		for i := 0; i < n; i++ {
			row++
			tr := buf[i]
			buf[i] = triviaRow{}
			where := fmt.Sprintf("%s row %d", path, row)
			if tr.QuestionID == nil || *tr.QuestionID == "" {
				if err := st.bad(opt, where, errors.New("missing question_id")); err != nil {
					return recs, st, err
				}
				continue
			}
			if tr.Question == nil || strings.TrimSpace(*tr.Question) == "" {
				if err := st.bad(opt, where, fmt.Errorf("question %s: empty question", *tr.QuestionID)); err != nil {
					return recs, st, err
				}
				continue
			}
			rec := Record{ID: *tr.QuestionID, Question: *tr.Question, Answers: []string{}, Source: "triviaqa"}
			if tr.Answer != nil {
				val := ""
				if tr.Answer.Value != nil {
					val = *tr.Answer.Value
				}
				rec.Answers = triviaAnswers(tr.Answer.Aliases, val)
				rec.NormalizedAnswers = tr.Answer.NormalizedAliases
			}
			if dup, err := st.dedupe(opt, where, rec); err != nil {
				return recs, st, err
			} else if dup {
				continue
			}
			recs = append(recs, rec)
			if opt.full(len(recs)) {
				st.Read = len(recs)
				return recs, st, nil
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return recs, st, fmt.Errorf("datasets: %s row %d: %w", path, row+1, rerr)
		}
	}
	st.Read = len(recs)
	return recs, st, nil
}

// triviaAnswers returns the non-empty aliases, with value appended when it
// is not among them. "<unk>", the placeholder of the blanked public test
// split, is not an answer.
func triviaAnswers(aliases []string, value string) []string {
	out := []string{}
	seen := map[string]bool{"<unk>": true}
	for _, a := range aliases {
		if a != "" && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	if value != "" && !seen[value] {
		out = append(out, value)
	}
	return out
}

// ReadTriviaQAJSON reads the original TriviaQA JSON release:
// {"Data": [{"QuestionId", "Question", "Answer": {"Aliases",
// "NormalizedAliases", "Value"}}]}. Bad items are reported as "item N"
// (1-based) with their QuestionId when known.
func ReadTriviaQAJSON(path string, opt Options) ([]Record, Stats, error) {
	var st Stats
	f, err := os.Open(path)
	if err != nil {
		return nil, st, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	var doc struct {
		Data []json.RawMessage `json:"Data"`
	}
	if err := json.NewDecoder(f).Decode(&doc); err != nil {
		return nil, st, fmt.Errorf("datasets: %s: %w", path, err)
	}
	if doc.Data == nil {
		return nil, st, fmt.Errorf("datasets: %s: no \"Data\" list", path)
	}
	var recs []Record
	for i, raw := range doc.Data {
		var it struct {
			QuestionID string `json:"QuestionId"`
			Question   string `json:"Question"`
			Answer     *struct {
				Aliases           []string `json:"Aliases"`
				NormalizedAliases []string `json:"NormalizedAliases"`
				Value             string   `json:"Value"`
			} `json:"Answer"`
		}
		where := fmt.Sprintf("%s item %d", path, i+1)
		if err := json.Unmarshal(raw, &it); err != nil {
			if err := st.bad(opt, where, err); err != nil {
				return recs, st, err
			}
			continue
		}
		var problem error
		switch {
		case it.QuestionID == "":
			problem = errors.New("missing QuestionId")
		case strings.TrimSpace(it.Question) == "":
			problem = fmt.Errorf("question %s: empty Question", it.QuestionID)
		case it.Answer == nil:
			problem = fmt.Errorf("question %s: missing Answer", it.QuestionID)
		}
		if problem != nil {
			if err := st.bad(opt, where, problem); err != nil {
				return recs, st, err
			}
			continue
		}
		rec := Record{ID: it.QuestionID, Question: it.Question, Source: "triviaqa",
			Answers: triviaAnswers(it.Answer.Aliases, it.Answer.Value), NormalizedAnswers: it.Answer.NormalizedAliases}
		if dup, err := st.dedupe(opt, where, rec); err != nil {
			return recs, st, err
		} else if dup {
			continue
		}
		recs = append(recs, rec)
		if opt.full(len(recs)) {
			break
		}
	}
	st.Read = len(recs)
	return recs, st, nil
}

// checkParquetFooter checks the "PAR1" magic at both ends of a file of size
// bytes and that the footer length it ends with fits inside it.
func checkParquetFooter(f io.ReaderAt, size int64) error {
	if size < 12 {
		return fmt.Errorf("%d bytes is too short", size)
	}
	var head [4]byte
	var tail [8]byte
	if _, err := f.ReadAt(head[:], 0); err != nil {
		return err
	}
	if _, err := f.ReadAt(tail[:], size-8); err != nil {
		return err
	}
	if string(head[:]) != "PAR1" || string(tail[4:]) != "PAR1" {
		return fmt.Errorf("no PAR1 magic at the start and end (encrypted or not parquet)")
	}
	if n := int64(binary.LittleEndian.Uint32(tail[:4])); n > size-12 {
		return fmt.Errorf("footer of %d bytes in a file of %d", n, size)
	}
	return nil
}
