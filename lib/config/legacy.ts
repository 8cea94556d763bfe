/**
 * The seed project's JSON config: `{"model_mapping": {client: upstream},
 * "providers": [{name, type, api_key, base_url, priority}]}`. Every mapped model
 * is served by every provider, lowest `priority` first; models not in the
 * mapping go to the same providers under their own name.
 */

/** True when the parsed file is seed-style rather than the SPEC §4 shape. */
export function isLegacy(raw: object): boolean {
  return "model_mapping" in raw || Array.isArray((raw as { providers?: unknown }).providers);
}

interface LegacyProvider {
  name?: unknown;
  priority?: unknown;
  [key: string]: unknown;
}

/** Maps a seed-style config onto the SPEC §4 shape; validation happens after. */
export function fromLegacy(raw: Record<string, unknown>): Record<string, unknown> {
  const { model_mapping: mapping = {}, providers: list = [], ...rest } = raw;
  const providers: Record<string, unknown> = {};
  const order: { name: string; priority: number }[] = [];
  (Array.isArray(list) ? list as LegacyProvider[] : []).forEach((p, i) => {
    const { name, priority, ...settings } = p;
    const key = typeof name === "string" && name ? name : `provider${i + 1}`;
    providers[key] = settings;
    order.push({ name: key, priority: typeof priority === "number" ? priority : i });
  });
  order.sort((a, b) => a.priority - b.priority);

  const deploymentsFor = (model: string) =>
    order.map(({ name, priority }) => ({ provider: name, model, priority }));
  const models: Record<string, unknown> = {};
  for (const [client, upstream] of Object.entries(mapping as Record<string, unknown>)) {
    models[client] = deploymentsFor(String(upstream));
  }
  if (order.length > 0 && !("*" in models)) models["*"] = deploymentsFor("*");
  return { ...rest, providers, models };
}
