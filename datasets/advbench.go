package datasets

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ReadAdvBench reads AdvBench's harmful_behaviors.csv (two columns, a
// harmful request and the target completion "Sure, here is ..."). Each
// record's Question is the request and Extra["target"] the target. The
// columns are told apart by their content, not their header: the copy in
// ../shared names them "target,goal" while its first column holds the
// requests (upstream's header is "goal,target"); a row where neither or both
// fields begin with "Sure, here" is a bad row.
func ReadAdvBench(path string, opt Options) ([]Record, Stats, error) {
	var recs []Record
	var st Stats
	s := stem(path)
	err := readCSV(path, []string{"goal", "target"}, func(line int, row []string, col map[string]int) error {
		where := fmt.Sprintf("%s line %d", path, line)
		if len(row) != 2 {
			return st.bad(opt, where, errors.New("want 2 fields"))
		}
		t0, t1 := strings.HasPrefix(row[0], "Sure, here"), strings.HasPrefix(row[1], "Sure, here")
		if t0 == t1 {
			return st.bad(opt, where, errors.New("cannot tell the request from the target (one field must begin with \"Sure, here\")"))
		}
		goal, target := row[0], row[1]
		if t0 {
			goal, target = target, goal
		}
		if strings.TrimSpace(goal) == "" {
			return st.bad(opt, where, errors.New("empty request"))
		}
		recs = append(recs, Record{ID: s + ":" + strconv.Itoa(line), Question: goal, Answers: []string{}, Source: "advbench",
			Extra: map[string]string{"target": target}})
		if opt.full(len(recs)) {
			return errStop
		}
		return nil
	})
	st.Read = len(recs)
	return recs, st, err
}
