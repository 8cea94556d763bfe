/**
 * The embedded default (SPEC §3): zero setup runs the built-in `echo` model, and
 * well-known environment variables add real providers.
 */
import type { Env } from "./load.ts";

/** The config, in the file's own shape, that applies when no file is found. */
export function embeddedDefault(env: Env): Record<string, unknown> {
  const providers: Record<string, unknown> = { echo: { type: "echo" } };
  const models: Record<string, unknown> = { echo: ["echo/echo"] };
  let catchAll: string | undefined;

  if (env.OPENAI_API_KEY) {
    providers.openai = {
      type: "openai",
      base_url: env.OPENAI_BASE_URL || "https://api.openai.com/v1",
      api_key: env.OPENAI_API_KEY,
    };
    for (const glob of ["gpt-*", "o1*", "o3*", "o4*"]) models[glob] = ["openai/*"];
    catchAll = "openai/*";
  }
  if (env.ANTHROPIC_API_KEY) {
    providers.anthropic = {
      type: "anthropic",
      base_url: env.ANTHROPIC_BASE_URL || "https://api.anthropic.com",
      api_key: env.ANTHROPIC_API_KEY,
    };
    models["claude-*"] = ["anthropic/*"];
  }
  if (env.OLLAMA_HOST) {
    const host = env.OLLAMA_HOST.includes("://") ? env.OLLAMA_HOST : `http://${env.OLLAMA_HOST}`;
    providers.ollama = { type: "ollama", base_url: host };
    models["ollama/*"] = ["ollama/*"];
  }
  // An explicit OpenAI-compatible upstream takes every model not matched above.
  if (env.API_KEY && env.API_BASE) {
    providers.upstream = { type: "openai", base_url: env.API_BASE, api_key: env.API_KEY };
    catchAll = "upstream/*";
  }
  if (catchAll) models["*"] = [catchAll];

  const server: Record<string, unknown> = { port: env.PROXY_PORT || env.PORT || 8000 };
  if (env.HOST) server.host = env.HOST;
  if (env.SWITCHYARD_API_KEY) server.api_keys = [env.SWITCHYARD_API_KEY];
  const config: Record<string, unknown> = {
    server,
    log: { level: env.LOG_LEVEL?.toLowerCase() || "info" },
    providers,
    models,
  };
  if (env.GRAMMAR_MODEL) {
    config.splitter = {
      models: ["*"],
      model: env.GRAMMAR_MODEL,
      temperature: env.GRAMMAR_TEMPERATURE || 0.1,
    };
  }
  return config;
}
