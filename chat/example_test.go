package chat_test

import (
	"fmt"

	"github.com/hneurons/hneurons/chat"
)

func Example() {
	// A ChatML-style template, as Qwen ships it (shortened).
	src := "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}" +
		"{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
	tm, err := chat.Parse(src)
	if err != nil {
		panic(err)
	}
	tr, err := tm.RenderTurns([]chat.Message{{Role: "user", Content: "Who wrote Hamlet?"}}, "Shakespeare", chat.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%q\n", tr.Prompt)
	fmt.Printf("%q\n", tr.Full[tr.Response.Start:tr.Response.End])
	fmt.Println(tr.PromptIsPrefix)
	// Output:
	// "<|im_start|>user\nWho wrote Hamlet?<|im_end|>\n<|im_start|>assistant\n"
	// "Shakespeare"
	// true
}
