// detente web app: plain JavaScript, no external assets.
"use strict";
const byId = (id) => document.getElementById(id);
let fieldValues = {};

async function api(path, options = {}) {
  const res = await fetch(path, {headers: {"Content-Type": "application/json"}, ...options});
  const body = await res.json().catch(() => ({}));
  return {status: res.status, body};
}

function showError(err) {
  const box = byId("yaml-error");
  document.querySelectorAll(".field-error").forEach((el) => el.classList.remove("field-error"));
  if (!err) { box.textContent = ""; return; }
  box.textContent = `${err.path}: ${err.message}`;
  box.dataset.path = err.path;
  const input = document.querySelector(`[data-path="${CSS.escape(err.path)}"]`);
  (input || byId("yaml")).classList.add("field-error");
}

// Every text from a scenario (names, labels, messages) goes in as text,
// never as HTML: makeEl() sets textContent only.
function makeEl(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function renderFields(fields) {
  const box = byId("fields");
  box.replaceChildren();
  fieldValues = {};
  fields.forEach((f, i) => {
    const row = makeEl("div", undefined, {class: "f"});
    const id = `f-${i}`;
    const label = makeEl("label", f.label, {for: id});
    const input = makeEl("input", undefined, {id, type: "number"});
    input.value = f.value;
    input.step = f.integer ? "1" : "any";
    input.dataset.path = f.path;
    input.addEventListener("change", () => { fieldValues[f.path] = Number(input.value); validate(); });
    row.append(label, input);
    box.appendChild(row);
  });
}

let latestValidation = 0;

async function validate() {
  // Only the newest validation may update the page: an older answer that
  // arrives late (the first scenario, say, after an upload) is dropped.
  const mine = ++latestValidation;
  const {status, body} = await api("/api/validate", {method: "POST",
    body: JSON.stringify({yaml: byId("yaml").value, overrides: fieldValues})});
  if (mine !== latestValidation) return status === 200;
  document.body.dataset.validated = String(mine);
  if (status !== 200) { showError(body); return false; }
  showError(null);
  if (!Object.keys(fieldValues).length) renderFields(body.fields);
  return true;
}

async function loadScenario(name) {
  const {body} = await api(`/api/scenarios/${encodeURIComponent(name)}`);
  byId("yaml").value = body.yaml;
  fieldValues = {};
  await validate();
}

// The results table: human labels with units (issue 19), values formatted
// for reading; the raw names stay in the downloads. The columns, their labels
// and units come from the server (/api/columns: detente.outcomes declares them).
let COLUMNS = [];

function fmt(x, kind) {
  if (x === null || x === undefined) return "–";
  if (kind === "text") return String(x);
  if (kind === "interval" || kind === "dinterval") {
    const k = kind === "interval" ? "prob" : "delta";
    return Array.isArray(x) ? `${fmt(x[0], k)} to ${fmt(x[1], k)}` : String(x);
  }
  if (typeof x !== "number") return String(x);
  if (kind === "prob") return x.toFixed(3);
  if (kind === "delta") return (x > 0 ? "+" : "") + x.toFixed(3);
  if (kind === "count") return Math.abs(x) >= 1e7 ? x.toExponential(2) : Math.round(x).toLocaleString("en");
  return String(x);
}

function renderResults(job) {
  const table = makeEl("table");
  const head = makeEl("tr");
  for (const [key, label] of COLUMNS) head.appendChild(makeEl("th", label, {title: key}));
  table.appendChild(makeEl("thead")).appendChild(head);
  const body = table.appendChild(makeEl("tbody"));
  for (const r of job.summary.packages) {
    const tr = body.appendChild(makeEl("tr"));
    for (const [key, , kind] of COLUMNS) tr.appendChild(makeEl("td", fmt(r[key], kind)));
  }
  byId("summary").replaceChildren(table);
  byId("note").textContent = job.note;
  byId("downloads").replaceChildren(...["parquet", "csv", "json", "scenario"].map((k) =>
    makeEl("a", k, {href: `/api/runs/${encodeURIComponent(job.id)}/download/${k}`, download: ""})));
  const figs = byId("figures");
  figs.replaceChildren();
  // Vega's interpreter, not eval: the page runs under a CSP without 'unsafe-eval'.
  const options = {renderer: "svg", ast: true, expr: (window.vega || {}).expressionInterpreter,
                   actions: {export: true, source: false, compiled: false, editor: false}};
  for (const [name, spec] of Object.entries(job.figures)) {
    const div = makeEl("div", undefined, {class: "fig", id: "fig-" + name.replace(/[^a-z0-9-]/gi, "_")});
    figs.appendChild(div);
    vegaEmbed(div, spec, options);
  }
}

async function run() {
  if (!(await validate())) return;
  byId("run").disabled = true;
  byId("progress").hidden = false;
  byId("progress").value = 0;
  byId("status").textContent = "queued";
  const {status, body} = await api("/api/runs", {method: "POST", body: JSON.stringify({
    yaml: byId("yaml").value, overrides: fieldValues,
    runs: Number(byId("runs").value), seed: Number(byId("seed").value)})});
  if (status !== 202) {
    showError({path: body.path || "request", message: body.message || `HTTP ${status}`});
    byId("run").disabled = false;
    return;
  }
  const id = body.id;
  for (;;) {
    await new Promise((r) => setTimeout(r, 300));
    const {body: job} = await api(`/api/runs/${id}`);
    byId("progress").value = job.progress;
    byId("status").textContent = `${job.status}: ${Math.round(job.progress * 100)}%`;
    if (job.status === "done") { renderResults(job); break; }
    if (job.status === "failed") { byId("status").textContent = job.error; break; }
  }
  byId("run").disabled = false;
}

async function init() {
  COLUMNS = (await api("/api/columns")).body.map((c) => [c.key, c.label, c.kind]);
  const {body} = await api("/api/scenarios");
  for (const s of body) {
    const opt = document.createElement("option");
    opt.value = s.name;
    opt.textContent = `${s.name}: ${s.title}`;
    byId("scenario").appendChild(opt);
  }
  byId("scenario").value = body.some((s) => s.name === "ukraine-2022") ? "ukraine-2022" : body[0].name;
  byId("scenario").addEventListener("change", () => loadScenario(byId("scenario").value));
  byId("upload").addEventListener("change", async () => {
    const file = byId("upload").files[0];
    if (!file) return;
    byId("yaml").value = await file.text();
    fieldValues = {};
    await validate();
  });
  byId("yaml").addEventListener("change", () => { fieldValues = {}; validate(); });
  byId("run").addEventListener("click", run);
  await loadScenario(byId("scenario").value);
}
init();
