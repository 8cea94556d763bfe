/**
 * `switchyard convert FILE`: a LiteLLM config as switchyard's own YAML, the
 * same models served, `os.environ/X` written `${X}` (never resolved),
 * commented where a choice was made. The result passes the schema before it
 * is printed.
 */
import { Document, isCollection, isScalar, LineCounter, parseDocument } from "yaml";
import { fromLiteLLM, isLiteLLM } from "./litellm.ts";
import { ConfigError, describe, parseConfigText } from "./load.ts";

export function convertLiteLLM(text: string, path: string): { yaml: string; warnings: string[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length) throw new ConfigError(doc.errors.map((e) => `${path}: ${e.message}`));
  const raw = doc.toJS();
  if (!raw || typeof raw !== "object" || Array.isArray(raw) || !isLiteLLM(raw)) {
    throw new ConfigError([`${path}: not a LiteLLM config (it has no model_list)`]);
  }
  const source = { path, doc, lines };
  const mapped = fromLiteLLM(raw);
  if (mapped.problems.length) {
    throw new ConfigError(mapped.problems.map((p) => describe(p.path, p.message, source)));
  }
  const out = new Document(mapped.config);
  out.commentBefore = ` switchyard config, converted from ${path} by \`switchyard convert\`.\n` +
    " Every os.environ value became a ${VAR} reference: set those variables (or a .env file).";
  for (const note of mapped.notes) {
    const node = out.getIn(note.path, true);
    if (isScalar(node)) node.comment = ` ${note.message}`;
    else if (isCollection(node)) {
      node.commentBefore = node.commentBefore
        ? `${node.commentBefore}\n ${note.message}`
        : ` ${note.message}`;
    }
  }
  const yaml = out.toString({ lineWidth: 0 });
  // What it prints must be a config `check` accepts (variables stand in for the secrets).
  const env = Object.fromEntries(mapped.env.map((ref) => [ref.name, "https://env.invalid"]));
  parseConfigText(yaml, path, env);
  return { yaml, warnings: mapped.warnings.map((w) => describe(w.path, w.message, source)) };
}
