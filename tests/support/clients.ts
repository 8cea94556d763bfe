/** Asking through the official SDKs the way tests keep doing it. */
import type OpenAI from "openai";

/** One user question to `model`, answered plain and streamed: the two answers' text. */
export async function chatBothWays(
  ai: OpenAI,
  model: string,
  content = "q",
): Promise<[string | null, string | null]> {
  const messages = [{ role: "user" as const, content }];
  const plain = await ai.chat.completions.create({ model, messages });
  const streamed = await ai.chat.completions.stream({ model, messages }).finalContent();
  return [plain.choices[0].message.content, streamed];
}
