// The test strings: hand-picked cases of every kind a tokenizer splits
// differently (ASCII, Unicode, digits, white-space runs, code, emoji, CJK,
// special tokens, byte-level edge cases), then seeded random mixtures of
// their pieces. Deterministic: the same list every run.
export function testStrings() {
  const fixed = [
    "", " ", "  ", "\n", "\n\n", "\t", " \t\n ", "a", "A", "Hello world", " Hello world", "Hello  world",
    "Hello world!", "hello, world.", "HELLO WORLD", "What is the capital of France?",
    "Who wrote the novel 'Pride and Prejudice'?", "when did the eiffel tower open to the public",
    "I'm can't won't they're we've he'd you'll", "It's 's 't 're 've 'm 'll 'd", "don't DON'T Don'T",
    "0", "7", "42", "123", "1234", "12345", "123456789", "3.14159", "1,000,000", "2026-12-07", "10:45pm",
    "$9.99", "-17", "+1 (555) 010-9999", "0x1F", "1e-5", "v1.2.3", "2^10 = 1024", "١٢٣", "１２３",
    "   leading", "trailing   ", "a  b   c    d", "line1\nline2\r\nline3\rline4", "\n\n\nthree newlines",
    "tab\tseparated\tvalues", "    indented code", "mixed \t \n whitespace", " \u00a0 no-break space", "\u2003em space",
    "def f(x):\n    return x * 2\n", "for (int i = 0; i < n; i++) { sum += a[i]; }", "console.log(`${a} + ${b}`);",
    "SELECT * FROM users WHERE id = 42;", "<div class=\"x\">&amp;</div>", "{\"key\": [1, 2, {\"n\": null}]}",
    "#include <stdio.h>", "x <<= 2; y >>= 3; z **= 4", "if err != nil {\n\treturn err\n}", "a_b-c.d/e\\f",
    "https://example.com/path?q=1&r=2#frag", "user@example.org", "C:\\Users\\name\\file.txt",
    "café", "naïve résumé", "Ça va? Très bien.", "Straße", "İstanbul ıi", "Ελληνικά", "Русский текст", "Україна",
    "עברית", "العربية", "हिन्दी", "ภาษาไทย", "한국어 텍스트", "Tiếng Việt", "ǅ ǆ ǈ", "e\u0301 (combining)", "ﬁ ligature",
    "東京は日本の首都です。", "北京是中国的首都。", "日本語と中文と한국어", "これはテストです", "漢字かなカナ", "Ｆｕｌｌｗｉｄｔｈ",
    "😀", "👋🏽", "👨‍👩‍👧‍👦", "🇧🇦", "❤️", "I ❤️ 🍕!", "emoji😀inside", "⭐️✨🔥", "∑∫√∞≠≤≥", "→ ← ↑ ↓", "©®™", "…—–",
    "\u200b zero width", "\ufeffBOM", "\u0000nul", "\u007f del", "\ud83d\ude00 pair", "½ ¼ ¾", "µ Ω Å",
    "<|begin_of_text|>", "<|begin_of_text|>Hello", "<|eot_id|>", "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
    "<s>", "</s>", "<s> [INST] hi [/INST]", "<unk>", "<bos>", "<eos>", "<start_of_turn>user\nhi<end_of_turn>\n",
    "<|im_start|>user\nhi<|im_end|>\n", "<|endoftext|>", "<think>\nreason\n</think>", "<｜begin▁of▁sentence｜>",
    "<|User|>hi<|Assistant|>", "<pad>", "<mask>", "[CLS] [SEP]", "<|fake_token|>", "< |im_start| >",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "abababababababababab", "!!!!!!!!!!", "??!!..,,", "----------",
    "==========", "__init__", "camelCaseIdentifier", "snake_case_identifier", "SCREAMING_SNAKE", "kebab-case-name",
    "The quick brown fox jumps over the lazy dog.", "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
    "Answer: Paris", "Respond with the answer only, without any explanation.", "Q: 2+2?\nA: 4",
  ];
  const pieces = [
    "the", " the", "The", " of", "ing", "tion", "123", "4567", " 89", "  ", "\n", "\t", " ", "café", "東京", "日本",
    "😀", "👋🏽", "🇧🇦", "'s", "'ll", "n't", "://", "()", "{}", "[]", "=>", "==", "!=", "…", "—", "ß", "İ", "ı",
    "<s>", "</s>", "<|eot_id|>", "<|im_end|>", "<end_of_turn>", "Ω", "é", "\u0301", "x", "Y", "z", ".", ",", "?", "!",
    "  \n", "\n\n", "   ", "0", "00", "000", "한", "ไ", "ع", "ж", "ü", "ñ", "ø", "€", "£", "¥", "\u00a0",
  ];
  // xorshift32 with a fixed seed
  let s = 0x9e3779b9;
  const rnd = (n) => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s % n;
  };
  const out = [...fixed];
  while (out.length < 320) {
    let t = "";
    const k = 1 + rnd(12);
    for (let i = 0; i < k; i++) t += pieces[rnd(pieces.length)];
    out.push(t);
  }
  return out;
}
