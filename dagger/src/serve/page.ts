/**
 * The status page at `/`: plain HTML and a little JS, no build step. The token is kept in the
 * browser's sessionStorage and sent as a bearer header (never in a URL); the live log reads the
 * event stream with fetch, since EventSource cannot send that header.
 */

import { createHash } from "node:crypto";

/** The page. */
export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>pipeline serve</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; }
  h1 { font-size: 1.3rem; } h2 { font-size: 1.1rem; margin-top: 1.5rem; }
  table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #ddd; vertical-align: top; }
  .succeeded, .ok { color: #17702b; } .failed, .timed_out { color: #b00020; } .running { color: #0b57d0; } .cancelled, .interrupted, .skipped { color: #777; } .awaiting_approval { color: #a05a00; } .approval { color: #555; font-size: .9em; }
  pre#log { background: #111; color: #eee; padding: .75rem; max-height: 24rem; overflow: auto; white-space: pre-wrap; }
  tr.run { cursor: pointer; } tr.run:hover { background: #f4f4f4; } .stage { margin-right: .6rem; white-space: nowrap; }
  #error { color: #b00020; }
</style>
</head>
<body>
<h1>pipeline serve</h1>
<form id="login"><label>API token <input id="token" type="password" autocomplete="off"></label> <button>Use</button> <span id="role"></span></form>
<p id="error" role="alert"></p>
<h2>Environments</h2>
<table id="environments"><thead><tr><th>Environment</th><th>Current</th><th>History</th><th></th></tr></thead><tbody></tbody></table>
<h2>Runs</h2>
<table id="runs"><thead><tr><th>#</th><th>Kind</th><th>Ref / env</th><th>Status</th><th>Stages</th><th>Created</th></tr></thead><tbody></tbody></table>
<h2 id="log-title">Log</h2>
<pre id="log" aria-live="polite"></pre>
<script>
"use strict";
const $ = (s) => document.querySelector(s);
let token = sessionStorage.getItem("pipeline-token") || "";
let role = null;
let following = null;
const text = (v) => String(v == null ? "" : v).replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
const secs = (ms) => ms == null ? "" : (ms / 1000).toFixed(1) + " s";
async function api(path, init) {
  const res = await fetch(path, Object.assign({}, init, { headers: Object.assign({ authorization: "Bearer " + token, "content-type": "application/json" }, (init || {}).headers) }));
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(res.status + ": " + (body.error || res.statusText));
  return body;
}
function fail(e) { $("#error").textContent = e.message; }
async function whoami() {
  try { role = (await api("/api/whoami")).role; $("#role").textContent = "role: " + role; $("#error").textContent = ""; }
  catch (e) { role = null; $("#role").textContent = ""; fail(e); }
}
async function loadRuns() {
  const { runs } = await api("/api/runs?limit=50");
  $("#runs tbody").innerHTML = runs.map((r) =>
    '<tr class="run" data-id="' + r.id + '"><td>' + r.id + (r.retryOf ? " (retry of " + r.retryOf + ")" : "") + "</td><td>" + text(r.kind) +
    "</td><td>" + text(r.ref || r.env || (r.pr ? "#" + r.pr : "")) + (r.fork ? " (fork)" : "") + '</td><td class="' + text(r.status) + '">' + text(r.status) + approval(r) +
    "</td><td>" + r.stages.map((s) => '<span class="stage ' + text(s.status) + '">' + text(s.name) + " " + secs(s.durationMs) + "</span>").join("") +
    "</td><td>" + new Date(r.createdAt).toLocaleTimeString() + "</td></tr>").join("");
}
function approval(r) {
  if (r.approvedAt) return '<br><span class="approval">approved by ' + text(r.approvedBy) + " at " + text(new Date(r.approvedAt).toLocaleString()) + "</span>";
  const waiting = r.fork && ["awaiting_approval", "queued", "running"].includes(r.status);
  return waiting && (role === "deployer" || role === "admin") ? ' <button class="approve" data-id="' + Number(r.id) + '">Approve</button>' : "";
}
async function loadEnvironments() {
  const { environments } = await api("/api/environments");
  const canDeploy = role === "deployer" || role === "admin";
  $("#environments tbody").innerHTML = environments.map((e) =>
    '<tr data-env="' + text(e.name) + '"><td>' + text(e.name) + '</td><td class="current">' + text(e.current ? e.current.version : "-") +
    "</td><td>" + e.history.slice(0, 5).map((h) => text(h.version) + (h.rollback ? " (rollback)" : "")).join(", ") +
    "</td><td>" + (canDeploy && e.history.length > 1 ? '<button class="rollback" data-env="' + text(e.name) + '">Roll back</button>' : "") + "</td></tr>").join("");
}
async function follow(id) {
  if (following) following.abort();
  const controller = new AbortController();
  following = controller;
  $("#log").textContent = "";
  $("#log-title").textContent = "Log of run " + id;
  try {
    const res = await fetch("/api/runs/" + id + "/logs", { headers: { authorization: "Bearer " + token, accept: "text/event-stream" }, signal: controller.signal });
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\\n\\n")) >= 0) {
        const event = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
        const data = event.split("\\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\\n");
        if (event.includes("event: end")) { $("#log").textContent += "-- run ended: " + JSON.parse(data).status + "\\n"; continue; }
        if (data) { const line = JSON.parse(data); $("#log").textContent += "[" + line.stage + "] " + line.line + "\\n"; }
      }
      $("#log").scrollTop = $("#log").scrollHeight;
    }
  } catch (e) { if (e.name !== "AbortError") fail(e); }
}
$("#runs").addEventListener("click", async (ev) => {
  const button = ev.target.closest("button.approve");
  if (button) {
    button.disabled = true;
    try { await api("/api/runs/" + Number(button.dataset.id) + "/approve", { method: "POST", body: "{}" }); await loadRuns(); }
    catch (e) { fail(e); }
    return;
  }
  const tr = ev.target.closest("tr.run"); if (tr) follow(tr.dataset.id);
});
$("#environments").addEventListener("click", async (ev) => {
  const button = ev.target.closest("button.rollback");
  if (!button) return;
  button.disabled = true;
  try { const { id } = await api("/api/environments/" + encodeURIComponent(button.dataset.env) + "/rollback", { method: "POST", body: "{}" }); follow(id); }
  catch (e) { fail(e); }
});
$("#login").addEventListener("submit", async (ev) => {
  ev.preventDefault(); token = $("#token").value; sessionStorage.setItem("pipeline-token", token); $("#token").value = "";
  await whoami(); refresh();
});
async function refresh() { if (!token) return; try { await loadRuns(); await loadEnvironments(); } catch (e) { fail(e); } }
whoami().then(refresh);
setInterval(() => { if (token) loadRuns().catch(fail); }, 1000);
setInterval(() => { if (token) loadEnvironments().catch(fail); }, 4000);
</script>
</body>
</html>
`;

let csp: string | undefined;

/**
 * The page's Content-Security-Policy: its one inline script and one inline style by their sha256
 * (nothing else runs, not even an injected inline handler), fetches to this server only, no
 * framing (clickjacking of the Roll back button), no plugins, no base or form target elsewhere.
 */
export function statusPageCsp(): string {
  if (csp) return csp;
  const hash = (tag: string) => {
    const body = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(STATUS_PAGE)?.[1] ?? "";
    return `'sha256-${createHash("sha256").update(body).digest("base64")}'`;
  };
  csp = [
    "default-src 'none'",
    `script-src ${hash("script")}`,
    `style-src ${hash("style")}`,
    "connect-src 'self'",
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
  return csp;
}
