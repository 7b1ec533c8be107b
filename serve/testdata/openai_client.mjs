// The official openai npm client against an hneurons server (run by
// TestOpenAINodeClient): node openai_client.mjs BASE_URL API_KEY QUESTION.
// Prints one JSON object with what the client parsed.
import OpenAI from "openai";

const [baseURL, apiKey, question] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
const messages = [{ role: "user", content: question }];

const whole = await client.chat.completions.create({ model: "hneurons", messages, seed: 11, max_tokens: 16 });

const stream = await client.chat.completions.create({
  model: "hneurons", messages, seed: 11, max_tokens: 16, stream: true, stream_options: { include_usage: true },
});
let text = "";
let chunks = 0;
let running = 0;
let final = null;
let usage = null;
for await (const chunk of stream) {
  chunks++;
  if (chunk.object !== "chat.completion.chunk") throw new Error("chunk object " + chunk.object);
  if (chunk.usage) usage = chunk.usage;
  for (const c of chunk.choices) {
    if (c.delta && c.delta.content) text += c.delta.content;
    if (c.hneurons && !c.hneurons.final) running++;
    if (c.finish_reason) final = c.hneurons;
  }
}

const completion = await client.completions.create({ model: "hneurons", prompt: question, max_tokens: 4, seed: 3 });

let unauthorised = null;
try {
  await new OpenAI({ baseURL, apiKey: "wrong", maxRetries: 0 }).models.list();
} catch (e) {
  unauthorised = e.status;
}

let badRequest = null;
try {
  await client.chat.completions.create({ model: "hneurons", messages, temperature: 5 });
} catch (e) {
  badRequest = { status: e.status, param: e.param };
}

const models = await client.models.list();

console.log(JSON.stringify({
  whole: { content: whole.choices[0].message.content, risk: whole.choices[0].hneurons.risk, finish: whole.choices[0].finish_reason, usage: whole.usage },
  stream: { content: text, chunks, running, final, usage },
  completion: { text: completion.choices[0].text, risk: completion.choices[0].hneurons.risk },
  unauthorised, badRequest,
  models: models.data.map((m) => m.id),
}));
