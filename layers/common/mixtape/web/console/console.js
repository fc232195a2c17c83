// The Mixtape console: looks a listener up through the public API with the operator's bearer token and
// sends events for them. Plain DOM code; every value is written with textContent, never parsed as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "mixtape-console-token"; // sessionStorage: the tab's, gone when it closes
const LIMIT = 10;
const PROFILE_WAIT_MS = 20000; // how long to wait for an event to reach the profile (it goes through a queue)
const state = { userId: null, profileVersion: 0, recs: [] };

// URLs are relative to the page (/console), so the console works wherever the API is mounted.
const url = (path) => new URL(path, window.location.href).href;

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || (body && body.message) || `HTTP ${status}`);
    this.status = status;
  }
}

async function api(path, options = {}) {
  const headers = { Authorization: `Bearer ${$("token").value.trim()}` };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url(path), {
    method: options.method || "GET",
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

function status(text, isError = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", isError);
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function definitions(target, pairs) {
  target.replaceChildren(
    ...pairs.map(([key, value]) => {
      const row = el("div");
      row.dataset.key = key;
      row.append(el("dt", null, key), el("dd", null, value));
      return row;
    }),
  );
}

function barChart(target, rows) {
  const strongest = Math.max(...rows.map((row) => row.value), 1e-9);
  target.replaceChildren(
    ...rows.map((row) => {
      const fill = el("div", "fill");
      fill.style.width = `${Math.max(0, (100 * row.value) / strongest).toFixed(1)}%`; // CSSOM: CSP allows it
      const track = el("div", "track");
      track.append(fill);
      const line = el("div", "row");
      line.title = `${row.label}: ${row.value.toFixed(3)}`;
      line.append(el("span", "label", row.label), track, el("span", "value", row.value.toFixed(2)));
      return line;
    }),
  );
}

function renderProfile(profile) {
  $("profile-empty").hidden = profile !== null;
  if (profile === null) {
    $("profile-empty").textContent = "No profile yet: this listener has no history (cold start).";
    $("profile-meta").textContent = "";
    for (const id of ["profile-counts", "chart-artists", "chart-genres", "recent-list"]) $(id).replaceChildren();
    return;
  }
  $("profile-meta").textContent = `version ${profile.version} · last event ${new Date(profile.last_event_at).toLocaleString()}`;
  const counts = Object.entries(profile.counts).sort(([a], [b]) => a.localeCompare(b));
  definitions($("profile-counts"), [...counts, ["disliked", profile.disliked_items.length]]);
  barChart(
    $("chart-artists"),
    profile.top_artists.map((a) => ({ label: a.artist_name || a.artist_id, value: a.affinity })),
  );
  barChart($("chart-genres"), profile.top_genres.map((g) => ({ label: g.genre, value: g.affinity })));
  $("recent-list").replaceChildren(
    ...profile.recent_items.map((play) =>
      el("li", null, `${play.title || play.item_id} — ${play.artist_name || "?"} · ${new Date(play.timestamp).toLocaleString()}`),
    ),
  );
}

function itemRow(item, rank, actions) {
  const row = el("li");
  row.dataset.itemId = item.item_id;
  const text = el("div");
  const title = el("div");
  title.append(el("span", "title", item.title), el("span", "meta", ` — ${item.artist_name}`));
  const meta = el("div", "meta", `${item.item_id} · ${item.genres.join(", ")}${item.explicit ? " · explicit" : ""}`);
  const why = el("div", "reason", item.reason);
  why.append(el("span", "score", ` · score ${Number(item.score).toFixed(3)} · ${item.reason_code}`));
  const buttons = el("div", "actions");
  for (const action of actions) {
    const button = el("button", null, action);
    button.type = "button";
    button.dataset.action = action;
    button.addEventListener("click", () =>
      action === "similar" ? showSimilar(item.item_id) : sendEvent(action, item, button),
    );
    buttons.append(button);
  }
  text.append(title, meta, why, buttons);
  row.append(el("span", "rank", rank), text);
  return row;
}

function renderItems(target, items, actions) {
  target.replaceChildren(...items.map((item, i) => itemRow(item, i + 1, actions)));
}

function renderRecs(reply, after) {
  const before = new Set(state.recs.map((item) => item.item_id));
  const now = new Set(reply.items.map((item) => item.item_id));
  renderItems($("recs-list"), reply.items, ["play", "skip", "like", "dislike", "similar"]);
  $("recs-meta").textContent =
    `catalog v${reply.catalog_version} · model ${reply.model_version || "none"}${reply.cold_start ? " · cold start" : ""}`;
  const change = $("recs-change");
  change.hidden = after === undefined;
  if (after !== undefined) {
    const added = reply.items.filter((item) => !before.has(item.item_id));
    const gone = state.recs.filter((item) => !now.has(item.item_id)).length;
    for (const row of $("recs-list").children) row.classList.toggle("new", !before.has(row.dataset.itemId));
    change.textContent = added.length || gone
      ? `After ${after}: ${added.length} new, ${gone} gone (new ones highlighted).`
      : `After ${after}: the list did not change.`;
  }
  state.recs = reply.items;
}

async function fetchProfile(userId) {
  try {
    return await api(`v1/users/${encodeURIComponent(userId)}/profile`);
  } catch (error) {
    if (error.status === 404) return null; // no history yet
    throw error;
  }
}

const fetchRecs = (userId) => api(`v1/users/${encodeURIComponent(userId)}/recommendations?limit=${LIMIT}`);

async function lookUp(userId) {
  status(`Looking ${userId} up…`);
  try {
    const [profile, recs] = await Promise.all([fetchProfile(userId), fetchRecs(userId)]);
    state.userId = userId;
    state.profileVersion = profile ? profile.version : 0;
    state.recs = [];
    renderProfile(profile);
    renderRecs(recs);
    status(`${userId}: ${recs.items.length} recommendations.`);
  } catch (error) {
    status(`Look-up failed: ${error.message}`, true);
  }
  refreshVersions();
  refreshTrending();
}

// The profile is updated from a queue: poll it until its version moves past the one shown.
async function waitForProfile(userId, version) {
  const deadline = Date.now() + PROFILE_WAIT_MS;
  while (Date.now() < deadline) {
    const profile = await fetchProfile(userId);
    if (profile && profile.version > version) return profile;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return null;
}

async function sendEvent(type, item, button) {
  const userId = state.userId;
  const event = {
    event_id: `console-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`,
    user_id: userId,
    item_id: item.item_id,
    type,
    timestamp: Date.now(),
  };
  if (type === "play") event.ms_played = item.duration_ms || 180000;
  if (type === "skip") event.ms_played = 5000;
  for (const b of document.querySelectorAll(".actions button")) b.disabled = true;
  status(`Sending ${type} of ${item.title}…`);
  try {
    await api("v1/events", { method: "POST", body: { events: [event] } });
    const profile = await waitForProfile(userId, state.profileVersion);
    if (profile === null) throw new Error("the profile did not change in time (is the queue consumer running?)");
    state.profileVersion = profile.version;
    renderProfile(profile);
    renderRecs(await fetchRecs(userId), `${type} of “${item.title}”`);
    status(`${type} of ${item.title} applied: profile version ${profile.version}.`);
  } catch (error) {
    status(`Sending ${type} failed: ${error.message}`, true);
  } finally {
    for (const b of document.querySelectorAll(".actions button")) b.disabled = false;
    if (button) button.blur();
  }
}

async function showSimilar(itemId) {
  $("item-id").value = itemId;
  try {
    const reply = await api(`v1/items/${encodeURIComponent(itemId)}/similar?limit=${LIMIT}`);
    renderItems($("similar-list"), reply.items, ["similar"]);
  } catch (error) {
    $("similar-list").replaceChildren(el("li", "error", `Similar items failed: ${error.message}`));
  }
}

async function refreshVersions() {
  try {
    const health = await api("v1/health");
    definitions($("versions"), [
      ["API", health.version],
      ["catalog version", health.catalog_version ?? "not loaded"],
      ["catalog items", health.catalog_items ?? "not loaded"],
      ["model", health.model_version || "none"],
    ]);
  } catch (error) {
    definitions($("versions"), [["health", error.message]]);
  }
}

// Shown only where the API has the route (and answers with a list of items).
async function refreshTrending() {
  try {
    const reply = await api(`v1/trending?limit=${LIMIT}`);
    const items = Array.isArray(reply && reply.items) ? reply.items : null;
    $("trending-panel").hidden = items === null;
    if (items) {
      $("trending-list").replaceChildren(
        ...items.map((item, i) => {
          const row = el("li");
          row.dataset.itemId = item.item_id;
          const text = el("div");
          text.append(el("span", "title", item.title || item.item_id), el("span", "meta", item.artist_name ? ` — ${item.artist_name}` : ""));
          if (item.score !== undefined) text.append(el("span", "score", ` · ${Number(item.score).toFixed(3)}`));
          row.append(el("span", "rank", i + 1), text);
          return row;
        }),
      );
    }
  } catch {
    $("trending-panel").hidden = true;
  }
}

async function useToken(token, note) {
  $("token").value = token;
  sessionStorage.setItem(TOKEN_KEY, token);
  $("token-note").textContent = note;
  refreshVersions();
  refreshTrending();
}

// `make run` serves a local dev token; a deployed API does not, and the operator pastes one.
async function initToken() {
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) return useToken(saved, "token of this tab");
  try {
    const response = await fetch(url("local/dev-token"));
    if (response.ok) {
      const reply = await response.json();
      return useToken(reply.access_token, `local dev token (${reply.scope})`);
    }
  } catch {
    // not the local stack
  }
  $("token-note").textContent = "paste a token with recommendations:read, profiles:read, events:write";
  return refreshVersions();
}

$("token-form").addEventListener("submit", (e) => {
  e.preventDefault();
  useToken($("token").value.trim(), "token of this tab");
});
$("lookup-form").addEventListener("submit", (e) => {
  e.preventDefault();
  lookUp($("user-id").value.trim());
});
$("similar-form").addEventListener("submit", (e) => {
  e.preventDefault();
  showSimilar($("item-id").value.trim());
});
window.consoleReady = initToken(); // the browser test waits on it
