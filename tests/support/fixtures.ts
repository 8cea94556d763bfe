/**
 * Real clients' requests (`tests/fixtures/client-requests`, copied from the
 * project's shared fixtures so the suite runs from a bare clone).
 */
export async function clientRequest(name: string) {
  return JSON.parse(
    await Deno.readTextFile(
      new URL(`../fixtures/client-requests/${name}.json`, import.meta.url),
    ),
  );
}
