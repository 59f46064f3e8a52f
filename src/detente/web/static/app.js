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

function renderFields(fields) {
  const box = byId("fields");
  box.innerHTML = "";
  fieldValues = {};
  for (const f of fields) {
    const row = document.createElement("div");
    row.className = "f";
    const id = "f-" + f.path.replace(/[^a-zA-Z0-9]/g, "_");
    row.innerHTML = `<label for="${id}"></label><input id="${id}" type="number">`;
    row.querySelector("label").textContent = f.label;
    const input = row.querySelector("input");
    input.value = f.value;
    input.step = f.integer ? "1" : "any";
    input.dataset.path = f.path;
    input.addEventListener("change", () => { fieldValues[f.path] = Number(input.value); validate(); });
    box.appendChild(row);
  }
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

function fmt(x) {
  if (typeof x !== "number") return Array.isArray(x) ? "[" + x.map(fmt).join(", ") + "]" : String(x);
  return Math.abs(x) >= 1000 ? x.toExponential(2) : x.toFixed(3);
}

function renderResults(job) {
  const rows = job.summary.packages;
  const cols = ["name", "p_war", "p_war_ci", "p_settlement", "p_nuclear", "deaths_mean",
                "displaced_mean", "delta_p_war_vs_status_quo", "delta_p_war_ci"];
  let html = "<table><thead><tr>" + cols.map((c) => `<th>${c}</th>`).join("") + "</tr></thead><tbody>";
  for (const r of rows) html += "<tr>" + cols.map((c) => `<td>${fmt(r[c])}</td>`).join("") + "</tr>";
  byId("summary").innerHTML = html + "</tbody></table>";
  byId("note").textContent = job.note;
  byId("downloads").innerHTML = ["parquet", "csv", "json", "scenario"].map((k) =>
    `<a href="/api/runs/${job.id}/download/${k}" download>${k}</a>`).join("");
  const figs = byId("figures");
  figs.innerHTML = "";
  for (const [name, spec] of Object.entries(job.figures)) {
    const div = document.createElement("div");
    div.className = "fig";
    div.id = "fig-" + name;
    figs.appendChild(div);
    vegaEmbed(div, spec, {renderer: "svg", actions: {export: true, source: false, compiled: false, editor: false}});
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
  if (status !== 202) { showError(body); byId("run").disabled = false; return; }
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
