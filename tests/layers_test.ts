/**
 * The layers of lib/ as the import graph shows them (`deno info --json`):
 * no import runs up. Formats know only the wire vocabulary and the errors;
 * providers know nothing of routing or the server; observers nothing of
 * routing; nothing below the server imports from it (the composition root,
 * runtime.ts, excepted).
 */
import { assertEquals } from "./support/assert.ts";

const ROOT = new URL("../", import.meta.url).href;
const MAIN = new URL("../main.ts", import.meta.url).pathname;

interface Module {
  specifier: string;
  dependencies?: { code?: { specifier: string }; type?: { specifier: string } }[];
}

/** Every local import, as [from, to] paths relative to the repository. */
async function imports(): Promise<[string, string][]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", MAIN],
    stdout: "piped",
  }).output();
  const { modules } = JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: Module[] };
  const local = (s: string | undefined) => s?.startsWith(ROOT) ? s.slice(ROOT.length) : null;
  return modules.flatMap((m) => {
    const from = local(m.specifier);
    if (!from) return [];
    return (m.dependencies ?? []).flatMap((d) =>
      [d.code?.specifier, d.type?.specifier].map(local).filter((to): to is string => to !== null)
        .map((to): [string, string] => [from, to])
    );
  });
}

/** [what imports, what it may not import, why]. */
const RULES: [RegExp, RegExp, string][] = [
  [
    /^lib\/formats\//,
    /^lib\/(?!formats\/|api\.ts$|errors\.ts$)/,
    "formats import only the vocabulary and the errors",
  ],
  [/^lib\/providers\//, /^lib\/(routing|server)\//, "providers know nothing of routing or serving"],
  [/^lib\/observe\//, /^lib\/routing\//, "observers know nothing of routing"],
  [/^lib\/(?!server\/|runtime\.ts$)/, /^lib\/server\//, "nothing below the server imports from it"],
  [/^lib\/(api|errors)\.ts$/, /^lib\/(?!api\.ts$)/, "the ground floor stands on nothing"],
];

Deno.test("no import runs up the layers of lib/", async () => {
  const edges = await imports();
  assertEquals(edges.length > 100, true, "the graph was read");
  const wrong = edges.flatMap(([from, to]) =>
    RULES.filter(([who, what]) => who.test(from) && what.test(to)).map(([, , why]) =>
      `${from} → ${to}: ${why}`
    )
  );
  assertEquals(wrong, []);
});
