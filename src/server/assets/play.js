// The purchasing game: one decision a night, the market answers; the score at the end.
let game = null;
const $ = id => document.getElementById(id);
const safe = name => name.replace(/[^a-z0-9_]/gi, "_");

function arrives(p) {
  return p.lead_nights === 0 ? "tomorrow's pick" : p.lead_nights === 1 ? "the pick after" : `${p.lead_nights + 1} picks from now`;
}

function draw(state) {
  game = state;
  $("game").hidden = state.over;
  if (state.over) { score(); return; }
  const t = state.tonight;
  $("night-title").textContent = `Night ${state.played + 1} of ${state.nights} (day ${t.day}) — ${state.scenario}`;
  $("today").innerHTML = t.today
    ? `<b>Today's pickup</b>: ${fmt(t.today.units_sold, true)} units handed over, <span class="${t.today.units_stockout ? "worse" : ""}">${fmt(t.today.units_stockout, true)} missing (stock-outs)</span>, ${fmt(t.today.units_spoiled, true)} spoiled, ${fmt(t.today.complaints, true)} complaints, revenue ${fmt(t.today.revenue_yuan, true)} yuan. Customers: ${fmt(t.customers, true)}.`
    : `<b>First night.</b> ${fmt(t.customers, true)} customers. Lots booked a day ahead on earlier nights are already on the road.`;
  $("tonight").tBodies[0].innerHTML = t.products.map(p => {
    const suggestion = p.plan_units !== undefined ? ` <small class="muted">plan: ${p.plan_units}</small>` : "";
    // Several sources: the split is the student's too (percent per source).
    const sources = p.sources.length < 2 ? `${p.sources[0][0]}` : p.sources.map(s => `${s[0]} <input type="number" class="split" min="0" max="100" step="5" data-product="${p.name}" data-supplier="${s[0]}" value="${Math.round(100 * s[1])}"> %`).join("<br>");
    return `<tr><td>${p.name}</td><td>${fmt(p.orders_units, true)}</td><td>${fmt(p.stock_units, true)}</td><td>${pct(p.stock_age_share)}</td><td>${fmt(p.on_order_units, true)}</td><td>${arrives(p)}</td><td>${fmt(p.forecast_units, true)}</td><td>${p.unit_cost_yuan.toFixed(2)}</td><td>${p.price_yuan.toFixed(2)}</td><td>${sources}</td>` +
      `<td><input type="number" min="0" step="1" id="buy-${safe(p.name)}" data-product="${p.name}" value="${Math.round(p.lead_nights === 0 ? Math.max(0, p.orders_units - p.stock_units) : p.forecast_units)}">${suggestion}</td></tr>`;
  }).join("");
  const h = state.history;
  lineChart($("season-chart"), {
    title: "Your season so far", xlabel: "night", ylabel: "units", counts: true,
    series: [
      { name: "ordered", points: h.map(x => [x.night, x.orders_units]) },
      { name: "bought", points: h.map(x => [x.night, x.bought_units]) },
      { name: "missing next day", points: h.map(x => [x.night, x.stockout_units_next_day]) },
      { name: "spoiled next day", points: h.map(x => [x.night, x.spoiled_units_next_day]) },
    ],
  });
}

async function start() {
  $("error").textContent = "";
  try {
    const r = await api("POST", "/api/play", { scenario: $("game-scenario").value, nights: Number($("game-nights").value), seed: Number($("game-seed").value), hints: $("game-hints").checked });
    $("score").hidden = true;
    draw(r.state);
  } catch (e) { $("error").textContent = e.message; }
}

async function sleep() {
  $("error").textContent = "";
  const purchase = {};
  document.querySelectorAll("#tonight input[id^=buy-]").forEach(i => { purchase[i.dataset.product] = Math.max(0, Math.round(Number(i.value) || 0)); });
  const split = {};
  document.querySelectorAll("#tonight input.split").forEach(i => { (split[i.dataset.product] ||= {})[i.dataset.supplier] = Math.max(0, Number(i.value) || 0); });
  $("sleep").disabled = true;
  try { draw(await api("POST", `/api/play/${game.game}/night`, { purchase, split })); } catch (e) { $("error").textContent = e.message; }
  $("sleep").disabled = false;
}

async function score() {
  const s = await api("GET", `/api/play/${game.game}/score`);
  const rows = [["profit_yuan", "Profit, yuan", v => fmt(v, true), 1], ["spoilage_rate", "Spoilage", pct, -1], ["churn_rate", "Churn", pct, -1], ["fill_rate", "Fill rate", pct, 1], ["units_procured", "Units bought", v => fmt(v, true), 0], ["units_spoiled", "Units spoiled", v => fmt(v, true), -1], ["units_stockout", "Units missing", v => fmt(v, true), -1]];
  const cls = (a, b, sense) => sense === 0 || a === b ? "" : (a - b) * sense > 0 ? "better" : "worse";
  $("score").hidden = false;
  $("score").innerHTML = `<h2>Season over: you against the plan</h2><p>${s.nights} nights of ${s.scenario}, seed ${s.seed}. The benchmark is ${s.benchmark_is}.</p>` +
    `<table id="score-table"><thead><tr><th>KPI</th><th>you</th><th>the plan</th></tr></thead><tbody>` +
    rows.map(([k, label, f, sense]) => `<tr><td>${label}</td><td class="${cls(s.player[k], s.benchmark[k], sense)}">${f(s.player[k])}</td><td>${f(s.benchmark[k])}</td></tr>`).join("") +
    `</tbody></table><div id="score-chart"></div><div id="score-units"></div><p><button type="button" onclick="location.reload()">Play again</button></p>`;
  lineChart($("score-chart"), { title: "Profit per day", xlabel: "day", ylabel: "yuan", counts: true, series: [
    { name: "you", points: s.days.map(d => [d.day, d.player.profit_yuan]), color: PALETTE[0] },
    { name: "the plan", points: s.days.map(d => [d.day, d.benchmark.profit_yuan]), color: PALETTE[0], dashed: true }] });
  lineChart($("score-units"), { title: "Units spoiled and missing per day", xlabel: "day", ylabel: "units", counts: true, series: [
    { name: "you: spoiled", points: s.days.map(d => [d.day, d.player.units_spoiled]), color: PALETTE[0] },
    { name: "you: missing", points: s.days.map(d => [d.day, d.player.units_stockout]), color: PALETTE[3] },
    { name: "plan: spoiled", points: s.days.map(d => [d.day, d.benchmark.units_spoiled]), color: PALETTE[0], dashed: true },
    { name: "plan: missing", points: s.days.map(d => [d.day, d.benchmark.units_stockout]), color: PALETTE[3], dashed: true }] });
}

$("start").addEventListener("click", start);
$("sleep").addEventListener("click", sleep);
