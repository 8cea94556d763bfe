/**
 * What Gemini's and Bedrock's requests share in their making from the chat
 * shape: content as `{text}` parts and inline images, turns that must
 * alternate (a run of one role's messages is one turn), and the sampling
 * settings under the names both use.
 */
import { untranslatable } from "./check.ts";
import { asArray, type Drop, type Json, keepOnly } from "./json.ts";
import { dataUrl } from "./text.ts";

/** Turns `{role, [key]: [...]}`, a message of the same role as the last merged into it. */
export function alternatingTurns(key: "parts" | "content") {
  const turns: Json[] = [];
  return {
    turns,
    add(role: string, more: Json[]): void {
      if (more.length === 0) return;
      const last = turns.at(-1);
      if (last?.role === role) (last[key] as Json[]).push(...more);
      else turns.push({ role, [key]: more });
    },
  };
}

/** `temperature`, `topP`, `maxTokens` and `stopSequences` from a chat request, those it sets. */
export function sampling(chat: Json): Json {
  const out: Json = {};
  if (chat.temperature !== undefined) out.temperature = chat.temperature;
  if (chat.top_p !== undefined) out.topP = chat.top_p;
  const maxTokens = chat.max_completion_tokens ?? chat.max_tokens;
  if (maxTokens !== undefined) out.maxTokens = maxTokens;
  if (chat.stop !== undefined && chat.stop !== null) {
    out.stopSequences = Array.isArray(chat.stop) ? chat.stop : [chat.stop];
  }
  return out;
}

/**
 * A chat message's content as `{text}` parts and images, `image` making the
 * part of an inline (data URL) image, or null when the provider cannot take
 * it — then the request is refused, `refused` saying why.
 */
export function contentParts(
  content: unknown,
  image: (mediaType: string, data: string) => Json | null,
  refused: string,
): Json[] {
  if (typeof content === "string") return content ? [{ text: content }] : [];
  return asArray(content).flatMap((part): Json[] => {
    if (part.type === "text") return part.text ? [{ text: String(part.text) }] : [];
    if (part.type !== "image_url") throw untranslatable(`a content part of type '${part.type}'`);
    const data = dataUrl(String((part.image_url as Json | undefined)?.url ?? ""));
    const made = data && image(data.mediaType, data.data);
    if (!made) throw untranslatable(refused);
    return [made];
  });
}

/** A chat request's function tools as `{name, description?, parameters?}`; other kinds reported dropped. */
export function functionTools(chat: Json, drop: Drop): Json[] {
  return keepOnly(
    asArray(chat.tools),
    (t) => t.type === "function",
    drop,
    (t) => `a ${t.type} tool`,
  )
    .map((t) => {
      const fn = (t.function ?? {}) as Json;
      return {
        name: fn.name,
        ...(fn.description ? { description: fn.description } : {}),
        ...(fn.parameters ? { parameters: fn.parameters } : {}),
      };
    });
}

/** The function a chat `tool_choice` names, if it names one. */
export function namedTool(choice: unknown): string | undefined {
  const name = typeof choice === "object" && choice !== null
    ? ((choice as Json).function as Json | undefined)?.name
    : undefined;
  return typeof name === "string" ? name : undefined;
}
