/** `POST /admin/reload` and `GET /admin/config` (SPEC §13). */
import { maskedConfig } from "../../config/masked.ts";
import { rfc3339 } from "../../keys/periods.ts";
import type { Exchange } from "../exchange.ts";

export async function reload(x: Exchange): Promise<Response> {
  const result = await x.rt.live!.reload();
  if (result.ok) return Response.json({ status: "reloaded", warnings: result.warnings });
  return Response.json({
    error: {
      message: `the new config has ${result.problems.length} problem(s); the running config stays`,
      type: "invalid_request_error",
      param: null,
      code: "invalid_config",
    },
    problems: result.problems,
  }, { status: 400 });
}

export function showConfig(x: Exchange): Response {
  const { live } = x.rt;
  return Response.json({
    config: maskedConfig(live!.rt.config, live!.rt.redactor.text),
    sha256: live!.loaded.sha256,
    loaded_at: rfc3339(live!.loaded.at),
  });
}
