package tokenizer

import "errors"

// LoadHF reads tokenizer.json and the optional tokenizer_config.json from dir.
func LoadHF(dir string) (*Tokenizer, error) { return nil, errors.New("todo") }
