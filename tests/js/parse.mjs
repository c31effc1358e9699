// Parses Mermaid diagrams with Mermaid's own parser (mermaid.parse), in a jsdom window.
// Usage: node parse.mjs FILE...; prints `ok FILE <diagram type>` or `error FILE: <message>`
// per file, and exits 0 once every file is read.
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!DOCTYPE html><body></body>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });

for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, "utf8");
  try {
    const result = await mermaid.parse(text);
    console.log(`ok ${file} ${result.diagramType}`);
  } catch (e) {
    console.log(`error ${file}: ${String(e.message ?? e).split("\n").join(" ")}`);
  }
}
