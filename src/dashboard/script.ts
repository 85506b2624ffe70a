/**
 * /dashboard/app.js: the dashboard's browser code, served as it is written here (plain ES2022,
 * no build step, nothing from a CDN). Kept as text because the Worker serves it, never runs it.
 *
 * Rules it keeps: ticket text only ever goes through textContent / text nodes (subjects are
 * user input); every API error is shown as its {"detail"}; the pure parts (ages, the pending
 * matrix, the oldest-ticket scan, the chart's geometry) are exported so that
 * src/dashboard/script.test.ts can test them in Node, and only start() touches the DOM.
 */
export const DASHBOARD_JS = String.raw`// Smart-Support Edge · queue dashboard. Served by the Worker as /dashboard/app.js.
const TOKEN_KEY = "smart-support.dashboard.token";
const AGENT_KEY = "smart-support.dashboard.agent";
const POLL_MS = 2500;
const NEXT_LIMIT = 20;
// The oldest waiting ticket is the oldest of each urgency level's first ticket in queue order;
// when the next 20 are all urgent, further pages are read to find the first normal one.
const OLDEST_PAGE = 500;
const OLDEST_MAX_PAGES = 5;
const LEVELS = ["1", "5"];
const SVG_NS = "http://www.w3.org/2000/svg";

export function formatAge(ms) {
  if (!Number.isFinite(ms)) return "–";
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return s + " s";
  const m = Math.floor(s / 60);
  if (m < 60) return m + " min " + (s % 60) + " s";
  const h = Math.floor(m / 60);
  if (h < 48) return h + " h " + (m % 60) + " min";
  return Math.floor(h / 24) + " d " + (h % 24) + " h";
}

export function urgencyLabel(level) {
  const l = String(level);
  return l === "1" ? "1 · high" : l === "5" ? "5 · normal" : l;
}

/**
 * by_category (the auto lane) as rows (its own keys, in its order: teams bring their own
 * categories) × urgency columns, plus each category's review-lane count; a row's total is both.
 */
export function pendingMatrix(byCategory, reviewByCategory) {
  const categories = Object.keys(byCategory || {});
  const inReview = (c) => (reviewByCategory && reviewByCategory[c] && reviewByCategory[c].pending) || 0;
  const seen = categories.flatMap((c) => Object.keys((byCategory[c] && byCategory[c].by_urgency) || {}));
  const levels = [...new Set([...LEVELS, ...seen])].sort((a, b) => Number(a) - Number(b));
  const rows = categories.map((category) => {
    const depth = byCategory[category] || {};
    const by = depth.by_urgency || {};
    return { category, cells: levels.map((l) => by[l] || 0), review: inReview(category), total: (depth.pending || 0) + inReview(category) };
  });
  const totals = levels.map((_, i) => rows.reduce((sum, r) => sum + r.cells[i], 0));
  return { levels, rows, totals, review: rows.reduce((sum, r) => sum + r.review, 0), total: rows.reduce((sum, r) => sum + r.total, 0) };
}

/** A ticket's routing in a few words: lane, and who decided the category (its reason's detail is the cell's title). */
export function routingText(ticket) {
  const lane = ticket.routing || "auto";
  const by = ticket.reason && ticket.reason.decided_by;
  return by ? lane + " · " + by : lane;
}

/** The body of POST /v1/tickets/{id}/category: the lease id only when this page holds the claim. */
export function correctionRequest(category, lease) {
  return lease ? { category, lease_id: lease.id } : { category };
}

/**
 * The oldest of the waiting tickets seen so far. The list is in queue order (urgency, then
 * arrival), so each level's first entry is that level's oldest: the answer is exact once every
 * level that has waiting tickets has shown its first one, or the list has ended.
 */
export function oldestWaiting(entries, waitingLevels, ended) {
  const heads = new Map();
  for (const entry of entries) {
    const level = String(entry.ticket.urgency_level);
    if (!heads.has(level)) heads.set(level, entry.ticket);
  }
  let oldest = null;
  for (const ticket of heads.values()) {
    if (!oldest || Date.parse(ticket.queued_at) < Date.parse(oldest.queued_at)) oldest = ticket;
  }
  const exact = ended || waitingLevels.every((l) => heads.has(l));
  return { ticket: oldest, exact };
}

/** Rounds up to 1, 2 or 5 × 10^k, so the axis reads in round numbers. */
export function niceCeiling(value) {
  if (!(value > 0)) return 1;
  const power = Math.pow(10, Math.floor(Math.log10(value)));
  for (const f of [1, 2, 5, 10]) if (f * power >= value) return f * power;
  return 10 * power;
}

/**
 * Where the chart's marks go: a bar per minute for arrivals, a line through the minutes'
 * centres for completions, on one y scale from 0 to a round maximum.
 */
export function chartGeometry(minutes, size) {
  const { width, height, left, right, top, bottom } = size;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const n = Math.max(1, minutes.length);
  const step = plotW / n;
  const max = niceCeiling(Math.max(0, ...minutes.map((m) => Math.max(m.arrivals, m.completions))));
  const y = (v) => top + plotH - (v / max) * plotH;
  const bars = minutes.map((m, i) => ({
    x: left + i * step + step * 0.15,
    y: y(m.arrivals),
    width: step * 0.7,
    height: top + plotH - y(m.arrivals),
    arrivals: m.arrivals,
    start: m.start,
  }));
  const line = minutes.map((m, i) => [left + i * step + step / 2, y(m.completions)]);
  const ticks = [0, max / 2, max].map((v) => ({ value: v, y: y(v) }));
  return { max, bars, line, ticks, baseline: top + plotH, plotLeft: left, plotRight: left + plotW };
}

export function isActivity(data) {
  return !!data && Array.isArray(data.minutes) &&
    data.minutes.every((m) => m && typeof m.start === "string" && Number.isFinite(m.arrivals) && Number.isFinite(m.completions));
}

// ---------------------------------------------------------------------------------------------
// Everything below runs in the browser only.
// ---------------------------------------------------------------------------------------------

const leases = new Map(); // ticket_id → the lease this page's claim got (its id proves the claim)
let token = "";
let timer = null;
let running = null;
let again = false;
let lastCategories = "";
let categories = [];
let claimedKey = null;
const waitingKeys = new Map(); // table id → what its rows show, so a poll leaves an open select alone

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
  for (const child of children) node.append(child instanceof Node ? child : String(child));
  return node;
}

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = "Bearer " + token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store" });
  } catch (error) {
    return { ok: false, status: 0, detail: "network error: " + (error && error.message ? error.message : String(error)) };
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (res.ok) return { ok: true, status: res.status, data };
  const detail = data && typeof data.detail === "string" ? data.detail : text.slice(0, 300) || res.statusText;
  return { ok: false, status: res.status, detail };
}

const failure = (r) => (r.status ? r.status + ": " : "") + r.detail;

/** Writes only on change: the error lines are live regions, and a poll must not re-announce them. */
function setText(node, value) {
  if (node.textContent !== value) node.textContent = value;
}

function setError(id, result) {
  setText($(id), result && !result.ok ? failure(result) : "");
}

function shortId(id) {
  return id.slice(0, 8);
}

function idCell(id) {
  return el("td", { class: "mono", title: id }, shortId(id));
}

function renderAuth(status) {
  const state = $("auth-state");
  state.className = "";
  if (status.status === 401) {
    state.className = "warn";
    state.textContent = (token ? "That token was refused" : "The API needs a token") + " (" + failure(status) + ")";
  } else if (status.ok) {
    state.textContent = token ? "Token accepted." : "No token needed: auth is off.";
  } else {
    state.textContent = "";
  }
}

function renderStatus(status) {
  setError("status-error", status);
  const s = status.ok ? status.data : null;
  $("pending-total").textContent = s ? String(s.pending) : "–";
  $("claimed-total").textContent = s ? String(s.claimed) : "–";
  $("processed-total").textContent = s ? String(s.processed) : "–";
  $("review-total").textContent = s && s.review ? String(s.review.pending) : "–";
  const table = $("pending-table");
  const head = table.tHead.rows[0];
  const body = table.tBodies[0];
  const foot = table.tFoot;
  if (!s) {
    body.replaceChildren();
    foot.replaceChildren();
    return;
  }
  const m = pendingMatrix(s.by_category, s.review && s.review.by_category);
  head.replaceChildren(el("th", { scope: "col" }, "Category"), ...m.levels.map((l) => el("th", { scope: "col" }, urgencyLabel(l))),
    el("th", { scope: "col" }, "In review"), el("th", { scope: "col" }, "Waiting"));
  body.replaceChildren(...m.rows.map((r) => el("tr", { "data-category": r.category },
    el("th", { scope: "row" }, r.category),
    ...r.cells.map((n, i) => el("td", { "data-level": m.levels[i], class: n ? "num" : "num zero" }, n)),
    el("td", { "data-level": "review", class: r.review ? "num" : "num zero" }, r.review),
    el("td", { "data-level": "total", class: "num strong" }, r.total))));
  foot.replaceChildren(el("tr", { "data-category": "" },
    el("th", { scope: "row" }, "All"),
    ...m.totals.map((n, i) => el("td", { "data-level": m.levels[i], class: "num" }, n)),
    el("td", { "data-level": "review", class: "num" }, m.review),
    el("td", { "data-level": "total", class: "num strong" }, m.total)));
  const key = m.rows.map((r) => r.category).join("\n");
  if (key !== lastCategories) {
    lastCategories = key;
    categories = m.rows.map((r) => r.category);
    // New categories: every correction select must offer them.
    waitingKeys.clear();
    claimedKey = null;
    const select = $("claim-category");
    const chosen = select.value;
    select.replaceChildren(el("option", { value: "" }, "any"), ...m.rows.map((r) => el("option", { value: r.category }, r.category)));
    if (m.rows.some((r) => r.category === chosen)) select.value = chosen;
  }
}

function expiryText(iso, now) {
  const left = Date.parse(iso) - now;
  const at = new Date(iso).toLocaleTimeString();
  return left > 0 ? at + " (in " + formatAge(left) + ")" : at + " (expired)";
}

function renderClaimed(result, now) {
  setError("claimed-error", result);
  const entries = result.ok ? result.data.tickets : [];
  const live = new Set(entries.map((e) => e.ticket.ticket_id));
  // A lease whose ticket is no longer claimed (acked elsewhere, expired) proves nothing any more.
  if (result.ok) for (const id of [...leases.keys()]) if (!live.has(id)) leases.delete(id);
  $("claimed-empty").hidden = !result.ok || entries.length > 0;
  // Same tickets, same buttons: only the expiry countdowns change, so the rows (and a button
  // someone is pressing) stay in place between polls.
  const key = entries.map((e) => e.ticket.ticket_id + e.ticket.category + (leases.has(e.ticket.ticket_id) ? "*" : "") + e.lease.expires_at).join(" ");
  const body = $("claimed-table").tBodies[0];
  if (key === claimedKey) {
    for (const cell of body.querySelectorAll("td.expires")) setText(cell, expiryText(cell.getAttribute("data-expires-at"), now));
    return;
  }
  claimedKey = key;
  body.replaceChildren(...entries.map((e) => {
    const t = e.ticket;
    const mine = leases.get(t.ticket_id);
    const actions = el("td", { class: "actions" });
    if (mine) {
      const ack = el("button", { type: "button", class: "ack", "aria-label": "Ack ticket " + shortId(t.ticket_id) }, "Ack");
      const release = el("button", { type: "button", class: "release", "aria-label": "Release ticket " + shortId(t.ticket_id) }, "Release");
      ack.addEventListener("click", () => finish(t, mine, "ack"));
      release.addEventListener("click", () => finish(t, mine, "release"));
      actions.append(ack, release);
    } else {
      actions.append(el("span", { class: "muted" }, "claimed elsewhere"));
    }
    return el("tr", { "data-ticket-id": t.ticket_id },
      idCell(t.ticket_id),
      el("td", { class: "subject" }, t.subject),
      el("td", {}, t.category),
      el("td", {}, urgencyLabel(t.urgency_level)),
      el("td", { class: "agent" }, e.lease.agent == null ? "–" : e.lease.agent),
      el("td", { class: "expires", "data-expires-at": e.lease.expires_at }, expiryText(e.lease.expires_at, now)),
      actions,
      correctCell(t));
  }));
}

/** A select of the categories status reports and a button: one click sends the correction. */
function correctCell(ticket) {
  const select = el("select", { class: "correct-category", "aria-label": "Category for ticket " + shortId(ticket.ticket_id) },
    ...categories.map((c) => el("option", { value: c }, c)));
  select.value = ticket.category;
  const button = el("button", { type: "button", class: "correct", "aria-label": "Correct ticket " + shortId(ticket.ticket_id) }, "Correct");
  button.addEventListener("click", () => correctCategory(ticket, select.value, button));
  return el("td", { class: "correct" }, select, button);
}

function renderWaiting(prefix, result, now) {
  setError(prefix + "-error", result);
  const entries = result.ok ? result.data.tickets : [];
  $(prefix + "-empty").hidden = !result.ok || entries.length > 0;
  const body = $(prefix + "-table").tBodies[0];
  const key = entries.map((e) => e.ticket.ticket_id + e.ticket.category + (e.ticket.routing || "")).join(" ");
  if (waitingKeys.get(prefix) === key) {
    for (const cell of body.querySelectorAll("td.age")) setText(cell, formatAge(now - Date.parse(cell.getAttribute("data-queued-at"))));
    return;
  }
  waitingKeys.set(prefix, key);
  body.replaceChildren(...entries.map((e, i) => {
    const t = e.ticket;
    return el("tr", { "data-ticket-id": t.ticket_id },
      el("td", { class: "num" }, i + 1),
      idCell(t.ticket_id),
      el("td", { class: "subject" }, t.subject),
      el("td", { class: "category" }, t.category),
      el("td", { class: t.urgency_level === 1 ? "urgent" : "" }, urgencyLabel(t.urgency_level)),
      el("td", { class: "num" }, (t.confidence * 100).toFixed(0) + " %"),
      el("td", { class: "routing", title: (t.reason && t.reason.detail) || "" }, routingText(t)),
      el("td", { class: "num age", "data-queued-at": t.queued_at }, formatAge(now - Date.parse(t.queued_at))),
      correctCell(t));
  }));
}

async function renderOldest(status, queued, now) {
  const out = $("oldest-age");
  if (!status.ok || !queued.ok) {
    out.textContent = "–";
    return;
  }
  if (status.data.pending - (status.data.review ? status.data.review.pending : 0) === 0) {
    out.textContent = "nothing waiting";
    return;
  }
  const matrix = pendingMatrix(status.data.by_category, null);
  const waitingLevels = matrix.levels.filter((_, i) => matrix.totals[i] > 0);
  const entries = [...queued.data.tickets];
  let cursor = queued.data.next_cursor;
  let found = oldestWaiting(entries, waitingLevels, cursor === null);
  for (let page = 0; !found.exact && cursor && page < OLDEST_MAX_PAGES; page++) {
    const more = await api("GET", "/v1/tickets?state=queued&limit=" + OLDEST_PAGE + "&cursor=" + encodeURIComponent(cursor));
    if (!more.ok) break;
    entries.push(...more.data.tickets);
    cursor = more.data.next_cursor;
    found = oldestWaiting(entries, waitingLevels, cursor === null);
  }
  if (!found.ticket) {
    out.textContent = "–";
    return;
  }
  out.textContent = (found.exact ? "" : "at least ") + formatAge(now - Date.parse(found.ticket.queued_at));
  out.title = "ticket " + found.ticket.ticket_id + ", queued " + found.ticket.queued_at;
}

function renderHealth(result) {
  setError("health-error", result);
  const list = $("models");
  if (!result.ok) {
    list.replaceChildren();
    return;
  }
  const h = result.data;
  const m1 = h.models.m1;
  const pct = (x) => (typeof x === "number" ? (x * 100).toFixed(1) + " %" : "–");
  const v1Model = "M1 " + (m1.loaded ? "loaded" : "not loaded: " + (m1.error || "unknown")) + " · accuracy " + pct(m1.accuracy) + " · macro-F1 " + pct(m1.macro_f1);
  const m2 = h.models.m2;
  const v2Model = h.models.live.toUpperCase() + " live · M2 " + m2.state + (m2.reason ? " (" + m2.reason + ")" : "");
  const hook = h.v2.webhook;
  const outcomes = Object.entries(hook.counts).map(([k, n]) => k + " " + n).join(" · ") || "none yet";
  const pairs = [
    ["/v1 model", v1Model, "v1-model"],
    ["/v2 model", v2Model, "v2-model"],
    ["Webhook", hook.mode + (hook.threshold == null ? "" : " · threshold " + hook.threshold) + (hook.error ? " · " + hook.error : ""), "webhook-mode"],
    ["Webhook outcomes", outcomes, "webhook-counts"],
    ["Service", h.status + " (whole deployment, all tenants)", "service"],
  ];
  list.replaceChildren(...pairs.map(([k, v, id]) => el("div", {}, el("dt", {}, k), el("dd", { id }, v))));
}

export function drawChart(container, activity) {
  const size = { width: 1180, height: 190, left: 44, right: 12, top: 14, bottom: 34 };
  const g = chartGeometry(activity.minutes, size);
  const arrivals = activity.minutes.reduce((s, m) => s + m.arrivals, 0);
  const completions = activity.minutes.reduce((s, m) => s + m.completions, 0);
  const summary = "Last " + activity.minutes.length + " minutes: " + arrivals + " arrivals, " + completions + " completions";
  const root = svg("svg", { viewBox: "0 0 " + size.width + " " + size.height, role: "img", "aria-labelledby": "chart-title", class: "chart" });
  root.append(svg("title", { id: "chart-title" }, summary));
  for (const t of g.ticks) {
    root.append(svg("line", { x1: g.plotLeft, x2: g.plotRight, y1: t.y, y2: t.y, class: "grid" }));
    root.append(svg("text", { x: g.plotLeft - 6, y: t.y + 4, "text-anchor": "end", class: "axis" }, t.value));
  }
  for (const b of g.bars) {
    const rect = svg("rect", { x: b.x, y: b.y, width: b.width, height: b.height, class: "arrivals", "data-start": b.start });
    rect.append(svg("title", {}, new Date(b.start).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) + ": " + b.arrivals + " arrivals"));
    root.append(rect);
  }
  root.append(svg("polyline", { points: g.line.map((p) => p[0].toFixed(1) + "," + p[1].toFixed(1)).join(" "), class: "completions" }));
  const labelAt = [0, Math.floor(g.bars.length / 2), g.bars.length - 1];
  for (const i of labelAt) {
    const b = g.bars[i];
    if (!b) continue;
    const text = i === g.bars.length - 1 ? "now" : new Date(b.start).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    root.append(svg("text", { x: b.x + b.width / 2, y: g.baseline + 16, "text-anchor": "middle", class: "axis" }, text));
  }
  root.append(svg("rect", { x: g.plotLeft, y: size.height - 12, width: 10, height: 10, class: "arrivals" }));
  root.append(svg("text", { x: g.plotLeft + 14, y: size.height - 3, class: "legend" }, "arrivals"));
  root.append(svg("line", { x1: g.plotLeft + 90, x2: g.plotLeft + 108, y1: size.height - 7, y2: size.height - 7, class: "completions" }));
  root.append(svg("text", { x: g.plotLeft + 112, y: size.height - 3, class: "legend" }, "completions"));
  container.replaceChildren(root);
  return summary;
}

function renderActivity(result) {
  const chart = $("activity-chart");
  const note = $("activity-note");
  if (result.ok && isActivity(result.data)) {
    note.textContent = drawChart(chart, result.data) + ".";
    note.className = "note";
    return;
  }
  chart.replaceChildren();
  note.className = "note error";
  note.textContent = "activity unavailable (" + (result.ok ? "unexpected answer from GET /v1/tickets/activity" : failure(result)) + ")";
}

async function load() {
  const [status, claimed, claimedReview, queued, review, health, activity] = await Promise.all([
    api("GET", "/v1/tickets/status"),
    api("GET", "/v1/tickets?state=claimed&limit=500"),
    api("GET", "/v1/tickets?state=claimed&queue=review&limit=500"),
    api("GET", "/v1/tickets?state=queued&limit=" + NEXT_LIMIT),
    api("GET", "/v1/tickets?state=queued&queue=review&limit=" + NEXT_LIMIT),
    api("GET", "/health"),
    api("GET", "/v1/tickets/activity"),
  ]);
  const now = Date.now();
  renderAuth(status);
  renderStatus(status);
  // Claimed tickets of both lanes, in one table.
  const allClaimed = claimed.ok && claimedReview.ok ? { ok: true, data: { tickets: [...claimed.data.tickets, ...claimedReview.data.tickets] } } : claimed.ok ? claimedReview : claimed;
  renderClaimed(allClaimed, now);
  renderWaiting("queued", queued, now);
  renderWaiting("review", review, now);
  renderHealth(health);
  renderActivity(activity);
  await renderOldest(status, queued, now);
  $("updated").textContent = "updated " + new Date().toLocaleTimeString();
}

/** One load at a time; a refresh asked for during one runs again right after it, with fresh data. */
function refresh() {
  if (running) {
    again = true;
    return running;
  }
  clearTimeout(timer);
  running = (async () => {
    try {
      do {
        again = false;
        await load();
      } while (again);
    } catch (error) {
      $("status-error").textContent = "dashboard error: " + (error && error.message ? error.message : String(error));
    } finally {
      running = null;
      timer = setTimeout(refresh, POLL_MS);
    }
  })();
  return running;
}

function showAction(result, text) {
  $("action-error").textContent = result.ok ? "" : failure(result);
  $("action-result").textContent = result.ok ? text : "";
}

async function claim(event) {
  event.preventDefault();
  const body = { lease_seconds: Number($("claim-lease").value) };
  const category = $("claim-category").value;
  if (category) body.category = category;
  if ($("claim-queue").value === "review") body.queue = "review";
  const agent = $("claim-agent").value.trim();
  sessionStorage.setItem(AGENT_KEY, agent);
  if (agent) body.agent = agent;
  const button = $("claim-button");
  button.disabled = true;
  const result = await api("POST", "/v1/tickets/claim", body);
  button.disabled = false;
  if (result.ok) leases.set(result.data.ticket.ticket_id, result.data.lease);
  showAction(result, result.ok ? "Claimed " + shortId(result.data.ticket.ticket_id) + " “" + result.data.ticket.subject + "” until " + new Date(result.data.lease.expires_at).toLocaleTimeString() + "." : "");
  await refresh();
}

async function finish(ticket, lease, action) {
  const result = await api("POST", "/v1/tickets/" + encodeURIComponent(ticket.ticket_id) + "/" + action, { lease_id: lease.id });
  // Done, back in the queue, or the lease is no longer the live one (409): this page holds nothing now.
  if (result.ok || result.status === 409 || result.status === 404) leases.delete(ticket.ticket_id);
  showAction(result, (action === "ack" ? "Acked " : "Released ") + shortId(ticket.ticket_id) + " “" + ticket.subject + "”.");
  await refresh();
}

async function correctCategory(ticket, category, button) {
  button.disabled = true;
  const lease = leases.get(ticket.ticket_id);
  const result = await api("POST", "/v1/tickets/" + encodeURIComponent(ticket.ticket_id) + "/category", correctionRequest(category, lease));
  button.disabled = false;
  const what = category === ticket.category ? "Confirmed " : "Corrected ";
  showAction(result, what + shortId(ticket.ticket_id) + " “" + ticket.subject + "”: " + ticket.category + " → " + category + ".");
  await refresh();
}

function start() {
  token = sessionStorage.getItem(TOKEN_KEY) || "";
  $("token").value = token;
  $("claim-agent").value = sessionStorage.getItem(AGENT_KEY) || "";
  $("auth-form").addEventListener("submit", (event) => {
    event.preventDefault();
    token = $("token").value.trim();
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
    // Leases belong to the tenant that claimed them; another token's page starts with none.
    leases.clear();
    refresh();
  });
  $("forget-token").addEventListener("click", () => {
    token = "";
    $("token").value = "";
    sessionStorage.removeItem(TOKEN_KEY);
    leases.clear();
    refresh();
  });
  $("claim-form").addEventListener("submit", claim);
  refresh();
}

if (typeof document !== "undefined") start();
`;
