// The dashboard (SPEC §15): plain JavaScript over the /admin/* endpoints, uPlot for the charts.
// The admin key lives in sessionStorage and goes only to this origin's /admin/*.
"use strict";

const REFRESH_MS = 5000;
const $ = (id) => document.getElementById(id);
const KEY = "switchyard.admin";
let timer;
const charts = {};

function key() {
  return sessionStorage.getItem(KEY) ?? "";
}

async function admin(path, init = {}) {
  const headers = key() ? { authorization: `Bearer ${key()}` } : {};
  const r = await fetch(path, { ...init, headers });
  if (r.status === 401 || r.status === 403) throw new Unauthorized();
  return r;
}

class Unauthorized extends Error {}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k === "style") e.style.cssText = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

const ms = (v) => (v === null || v === undefined ? "–" : `${Math.round(v)} ms`);
const usd = (
  v,
) => (v === null || v === undefined ? "–" : `$${v < 1 ? v.toFixed(4) : v.toFixed(2)}`);
const time = (t) => new Date(t).toLocaleTimeString();

function bar(used, limit, show = String) {
  if (limit === null || limit === undefined) return el("span", {}, show(used));
  const share = limit > 0 ? Math.min(1, used / limit) : 1;
  return el(
    "span",
    {},
    el(
      "span",
      { class: `bar${share >= 1 ? " full" : ""}`, title: `${Math.round(share * 100)}%` },
      el("i", { style: `width:${(share * 100).toFixed(1)}%` }),
    ),
    `${show(used)} / ${show(limit)}`,
  );
}

// ---- charts

function chart(id, series, colors) {
  const box = $(id);
  const opts = {
    width: Math.max(220, box.clientWidth),
    height: 150,
    legend: { show: series.length > 1 },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true } },
    axes: [{ stroke: "#888", grid: { stroke: "#8882" } }, {
      stroke: "#888",
      grid: { stroke: "#8882" },
      size: 50,
    }],
    series: [
      {},
      ...series.map((label, i) => ({ label, stroke: colors[i], width: 1.5, spanGaps: false })),
    ],
  };
  return new uPlot(opts, [[], ...series.map(() => [])], box);
}

function drawCharts(stats) {
  const s = stats.series;
  const per = stats.bucket_s;
  const t = s.map((b) => b.t);
  const data = {
    "chart-requests": [s.map((b) => b.requests / per)],
    "chart-errors": [s.map((b) => (b.requests ? b.errors / b.requests : null))],
    "chart-latency": [s.map((b) => b.p50_ms), s.map((b) => b.p99_ms)],
    "chart-tokens": [s.map((b) => b.tokens / per)],
    "chart-cost": [s.map((b) => (b.cost_usd * 3600) / per)],
  };
  if (!charts["chart-requests"]) {
    charts["chart-requests"] = chart("chart-requests", ["req/s"], ["#3b6fd4"]);
    charts["chart-errors"] = chart("chart-errors", ["errors"], ["#c4372b"]);
    charts["chart-latency"] = chart("chart-latency", ["p50", "p99"], ["#1f8a4c", "#b7791f"]);
    charts["chart-tokens"] = chart("chart-tokens", ["tokens/s"], ["#7a5af8"]);
    charts["chart-cost"] = chart("chart-cost", ["USD/h"], ["#0e9384"]);
  }
  for (const [id, lines] of Object.entries(data)) charts[id].setData([t, ...lines]);
}

addEventListener("resize", () => {
  for (const [id, c] of Object.entries(charts)) {
    c.setSize({ width: Math.max(220, $(id).clientWidth), height: 150 });
  }
});

// ---- tables

function fill(table, rows) {
  const body = $(table).tBodies[0];
  body.replaceChildren(...rows);
}

function drawDeployments({ models }) {
  fill(
    "deployments",
    models.flatMap((m) =>
      m.deployments.map((d, i) =>
        el(
          "tr",
          { "data-deployment": d.id },
          el("td", {}, i === 0 ? m.name : ""),
          el("td", {}, d.id),
          el(
            "td",
            { class: d.healthy ? "good" : "warn" },
            d.healthy ? "healthy" : `cooling down, ${d.cooldown_s} s left`,
          ),
          el("td", {}, ms(d.latency_ms)),
          el(
            "td",
            {},
            d.success_rate === null ? "–" : `${Math.round(d.success_rate * 100)}% of ${d.tries}`,
          ),
          el("td", {}, d.in_flight),
        )
      )
    ),
  );
}

function drawKeys({ keys }) {
  fill(
    "keys",
    keys.map((k) =>
      el(
        "tr",
        { "data-key": k.name },
        el("td", {}, k.name),
        el("td", {}, bar(k.usage.requests, k.limits.rpm)),
        el("td", {}, bar(k.usage.tokens, k.limits.tpm)),
        el("td", {}, bar(k.usage.in_flight, k.limits.max_parallel)),
        el(
          "td",
          { class: "spend" },
          k.limits.budget ? bar(k.spend_usd, k.limits.budget.usd, usd) : usd(k.spend_usd),
        ),
      )
    ),
  );
}

function drawRequests({ requests }) {
  fill(
    "requests",
    requests.map((r) => {
      const row = el(
        "tr",
        { "data-id": r.request_id },
        el("td", {}, time(r.time)),
        el("td", {}, r.key ?? "–"),
        el("td", {}, `${r.model ?? "–"} → ${r.deployment ?? "–"}`),
        el(
          "td",
          { class: r.status >= 500 || r.error ? "bad" : r.status >= 400 ? "warn" : "good" },
          r.status,
        ),
        el("td", {}, ms(r.latency_ms)),
        el("td", {}, r.tokens ?? "–"),
        el("td", {}, usd(r.cost_usd)),
      );
      row.addEventListener("click", () => openRequest(r.request_id));
      return row;
    }),
  );
}

async function openRequest(id) {
  const r = await (await admin(`/admin/requests/${encodeURIComponent(id)}`)).json();
  const dialog = $("detail");
  dialog.querySelector("pre").textContent = JSON.stringify(r, null, 2);
  dialog.showModal();
}

async function drawConfig() {
  const c = await (await admin("/admin/config")).json();
  $("config-meta").textContent = `sha256 ${c.sha256.slice(0, 12)}…, loaded ${
    new Date(c.loaded_at).toLocaleString()
  }`;
  $("config").textContent = JSON.stringify(c.config, null, 2);
}

$("reload").addEventListener("click", async () => {
  const out = $("reload-result");
  out.textContent = "reloading…";
  try {
    const r = await admin("/admin/reload", { method: "POST" });
    const body = await r.json();
    out.className = r.ok ? "good" : "bad";
    out.textContent = r.ok ? "reloaded" : `refused: ${body.problems.join("; ")}`;
    await drawConfig();
  } catch (err) {
    out.className = "bad";
    out.textContent = err instanceof Unauthorized ? "reload needs the admin key" : String(err);
  }
});

// ---- refresh and login

async function refresh() {
  try {
    const [stats, deployments, keys, requests] = await Promise.all(
      ["/admin/stats", "/admin/deployments", "/admin/keys", "/admin/requests"].map(async (p) =>
        (await admin(p)).json()
      ),
    );
    drawCharts(stats);
    drawDeployments(deployments);
    drawKeys(keys);
    drawRequests(requests);
    $("status").textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    if (err instanceof Unauthorized) return showLogin("that key is not an admin key");
    $("status").textContent = `cannot reach switchyard: ${err.message}`;
  }
}

/** `server.ui_public`: the page reads without a key (the server says so in the page). */
const OPEN = document.querySelector('meta[name="switchyard-ui-public"]')?.content === "true";

async function start() {
  if (!key() && !OPEN) return showLogin("");
  try {
    await drawConfig();
  } catch (err) {
    if (err instanceof Unauthorized) return showLogin(key() ? "that key is not an admin key" : "");
    throw err;
  }
  $("login").hidden = true;
  $("board").hidden = false;
  $("logout").hidden = !key();
  await refresh();
  clearInterval(timer);
  timer = setInterval(refresh, REFRESH_MS);
}

function showLogin(message) {
  clearInterval(timer);
  sessionStorage.removeItem(KEY);
  $("board").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message;
}

$("login").addEventListener("submit", (e) => {
  e.preventDefault();
  sessionStorage.setItem(KEY, $("key").value.trim());
  $("key").value = "";
  start();
});

$("logout").addEventListener("click", () => showLogin(""));

start();
