// Package jsonpos turns the byte offset of an encoding/json error into the
// line and column a person looks for in the file.
package jsonpos

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Wrap adds the line and column of a JSON syntax or type error in data (the
// text that was decoded) to err: the offending byte of a syntax error, the
// last byte of the mistyped value of a type error. Other errors pass through
// unchanged.
func Wrap(data []byte, err error) error {
	off := int64(-1)
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return err
	}
	if off > 0 {
		off-- // the offset counts the bytes read, the offending one included
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - int64(bytes.LastIndexByte(data[:off], '\n'))
	return fmt.Errorf("line %d, column %d: %w", line, col, err)
}
