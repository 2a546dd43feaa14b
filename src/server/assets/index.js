// The runs page: a form from the scenario's levers, a run with progress, its report and
// files, and a paired comparison of two runs.
let scenarios = [], chosen = null;
const runs = [];
const $ = id => document.getElementById(id);
const leverId = path => "lever-" + path.replace(/\./g, "-");
const HEAD = [["churn_rate", "Churn", pct], ["spoilage_rate", "Spoilage", pct], ["fill_rate", "Fill rate", pct], ["profit_yuan", "Profit, yuan", v => fmt(v, true)], ["cost_per_order_yuan", "Cost per order, yuan", v => v.toFixed(2)]];

function buildForm() {
  const f = $("levers"); f.innerHTML = "";
  $("pick-first").hidden = !!chosen;
  if (!chosen) return;
  for (const l of chosen.levers) {
    const id = leverId(l.path);
    let input;
    if (l.kind === "choice") {
      input = `<select id="${id}" data-path="${l.path}">` + l.options.map(o => `<option${o === l.default ? " selected" : ""}>${o}</option>`).join("") + "</select>";
    } else {
      const step = l.kind === "whole" ? 1 : l.step;
      input = `<input type="number" id="${id}" data-path="${l.path}" min="${l.min}" max="${l.max}" step="${step}" value="${l.default}">`;
    }
    f.insertAdjacentHTML("beforeend", `<label for="${id}">${l.label}${l.unit ? " (" + l.unit + ")" : ""}</label>${input}<span class="help">${l.help} Default ${l.default}${l.kind === "choice" ? "" : "; " + l.min + " to " + l.max}.</span>`);
  }
  $("run").disabled = false;
}

function changedLevers() {
  const out = {};
  for (const l of chosen.levers) {
    const el = $(leverId(l.path));
    const v = l.kind === "choice" ? el.value : Number(el.value);
    if (v !== l.default) out[l.path] = v;
  }
  return out;
}

function headline(r) {
  return '<div class="headline">' + HEAD.map(([k, label, f]) => {
    const x = r.kpis[k];
    const ci = r.replications > 1 ? `<small>95 % CI ${f(x.ci95_low)} – ${f(x.ci95_high)}</small>` : "<small>one replication: no CI</small>";
    return `<div>${label}<b>${f(x.mean)}</b>${ci}</div>`;
  }).join("") + "</div>";
}

function showResult(r) {
  const files = r.files.filter(f => !f.endsWith(".html")).map(f => `<a href="${f}" download>${f.split("/").pop()}</a>`).join(" · ");
  $("result").className = "";
  $("result").innerHTML = `<p>Run ${r.run}: <b>${r.scenario}</b>, ${r.replications} replications. Files: ${files} · <a href="/runs/${r.run}/report.html" target="_blank">report in a new tab</a></p>` +
    headline(r) + `<iframe class="report" id="report" src="/runs/${r.run}/report.html" title="report of run ${r.run}"></iframe>`;
}

function drawRuns() {
  $("runs").tBodies[0].innerHTML = runs.map(r => `<tr><td><input type="checkbox" class="pick" value="${r.run}" ${r.status === "done" ? "" : "disabled"}></td><td>${r.run}</td><td>${r.scenario}</td><td>${Object.entries(r.levers).map(([k, v]) => k + " = " + v).join(", ") || "none"}</td><td>${r.replications}</td><td>${r.status}</td></tr>`).join("");
  document.querySelectorAll(".pick").forEach(b => b.addEventListener("change", compare));
}

async function compare() {
  const ids = [...document.querySelectorAll(".pick:checked")].map(b => b.value);
  if (ids.length !== 2) { $("compare").innerHTML = ""; return; }
  try {
    const c = await api("GET", `/api/compare?a=${ids[0]}&b=${ids[1]}`);
    $("compare").innerHTML = `<p>Run ${ids[1]} − run ${ids[0]}, ${c.pairs} pairs (${c.paired_by}).</p><table id="compare-table"><thead><tr><th>figure</th><th>a</th><th>b</th><th>b − a</th><th>95 % CI</th><th></th></tr></thead><tbody>` +
      c.figures.map(f => `<tr><td>${f.figure}</td><td>${fmt(f.a)}</td><td>${fmt(f.b)}</td><td>${fmt(f.diff)}</td><td>${fmt(f.ci95_low)} – ${fmt(f.ci95_high)}</td><td>${f.differs ? "differs" : "cannot tell apart"}</td></tr>`).join("") + "</tbody></table>";
  } catch (e) { $("compare").innerHTML = `<p class="error">${e.message}</p>`; }
}

async function run() {
  $("error").textContent = "";
  $("run").disabled = true;
  try {
    let r = await api("POST", "/api/runs", { scenario: chosen.name, levers: changedLevers(), replications: Number($("replications").value) });
    runs.push(r); drawRuns();
    $("progress").hidden = false;
    while (r.status === "running") {
      $("progress").value = r.progress;
      $("status").textContent = `day ${r.days_done} of ${r.days_total}`;
      await new Promise(ok => setTimeout(ok, 300));
      r = await api("GET", `/api/runs/${r.run}`);
    }
    runs[runs.findIndex(x => x.run === r.run)] = r; drawRuns();
    $("progress").value = 1;
    if (r.status === "failed") throw new Error(r.error);
    $("status").textContent = "done";
    showResult(r);
  } catch (e) { $("error").textContent = e.message; }
  $("run").disabled = false;
}

document.querySelectorAll('input[name=scenario]').forEach(b => b.addEventListener("change", () => { chosen = scenarios.find(s => s.name === b.value); buildForm(); }));
$("run").addEventListener("click", run);
api("GET", "/api/scenarios").then(list => { scenarios = list; const b = document.querySelector("input[name=scenario]:checked"); if (b) { chosen = scenarios.find(s => s.name === b.value); buildForm(); } });
