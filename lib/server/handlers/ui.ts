/**
 * `GET /ui` (SPEC §15): the dashboard's page, script, styles and chart
 * library, all built into the program by static imports — no CDN, no file
 * read at run time, so `deno compile` carries them. uPlot draws the charts:
 * 51 KB, no dependencies, canvas; the page itself is plain JavaScript (a
 * framework would weigh more than everything it renders).
 */
import page from "../../ui/index.html" with { type: "text" };
import script from "../../ui/app.js" with { type: "text" };
import style from "../../ui/style.css" with { type: "text" };
import uplot from "uplot/dist/uPlot.iife.min.js" with { type: "text" };
import uplotStyle from "uplot/dist/uPlot.min.css" with { type: "text" };
import { ProxyError } from "../../errors.ts";
import type { Exchange } from "../exchange.ts";

const ASSETS: Record<string, [string, string]> = {
  "/ui": [page, "text/html; charset=utf-8"],
  "/ui/": [page, "text/html; charset=utf-8"],
  "/ui/app.js": [script, "text/javascript; charset=utf-8"],
  "/ui/style.css": [style, "text/css; charset=utf-8"],
  "/ui/uplot.js": [uplot, "text/javascript; charset=utf-8"],
  "/ui/uplot.css": [uplotStyle, "text/css; charset=utf-8"],
};

/** Every path the dashboard serves. */
export const UI_PATHS = Object.keys(ASSETS);

export function ui(x: Exchange): Response {
  if (!x.rt.config.server.ui) {
    throw new ProxyError(404, "the dashboard is off (server.ui: false)", "ui_off");
  }
  const [asset, type] = ASSETS[x.path];
  const body = asset === page
    ? page.replace("{{ui_public}}", String(x.rt.config.server.ui_public))
    : asset;
  return new Response(body, {
    headers: {
      "content-type": type,
      "cache-control": "no-cache",
      // Nothing but this origin: no CDN, no inline script, no frame elsewhere.
      "content-security-policy":
        "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'",
    },
  });
}
