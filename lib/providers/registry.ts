/** Provider types by name: the built-ins; plugins add theirs (lib/plugin.ts). */
import { anthropic } from "./anthropic.ts";
import { echo } from "./echo.ts";
import { mock } from "./mock.ts";
import { ollama } from "./ollama.ts";
import { openai } from "./openai.ts";
import type { ProviderFactory } from "./types.ts";

export const BUILTIN_PROVIDERS: Readonly<Record<string, ProviderFactory>> = {
  openai,
  anthropic,
  ollama,
  echo,
  mock,
};
