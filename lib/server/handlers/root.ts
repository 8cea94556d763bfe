import denoJson from "../../../deno.json" with { type: "json" };

/** `GET /` and `HEAD /`: who is answering (clients probe it before their first request). */
export function root(): Response {
  return Response.json({ name: "switchyard", version: denoJson.version });
}
