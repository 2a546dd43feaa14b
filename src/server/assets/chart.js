// A line chart in SVG, drawn in the page (no library fetched). series: [{name, points: [[x, y], ...]}].
// Counts (opts.counts) get whole-number ticks; the legend sits to the right of the plot.
const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9"];
function niceStep(span, counts) {
  const raw = span / 5, p = Math.pow(10, Math.floor(Math.log10(raw || 1)));
  let step = [1, 2, 5, 10].map(m => m * p).find(s => s >= raw) || raw;
  return counts ? Math.max(1, Math.round(step)) : step;
}
function fmt(v, counts) {
  if (counts || Math.abs(v) >= 1000) return Math.round(v).toLocaleString("en").replace(/,/g, "\u2009");
  return (+v.toPrecision(3)).toString();
}
function lineChart(el, opts) {
  const W = 760, H = 300, L = 70, R = 170, T = 30, B = 45;
  const pts = opts.series.flatMap(s => s.points);
  if (!pts.length) { el.innerHTML = ""; return; }
  const xs = pts.map(p => p[0]), ys = pts.map(p => p[1]);
  const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1);
  let y0 = Math.min(0, ...ys), y1 = Math.max(...ys, y0 + 1);
  const step = niceStep(y1 - y0, opts.counts); y1 = Math.ceil(y1 / step) * step; y0 = Math.floor(y0 / step) * step;
  const X = x => L + (x - x0) / (x1 - x0) * (W - L - R), Y = y => H - B - (y - y0) / (y1 - y0) * (H - T - B);
  let s = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img">`;
  s += `<text x="${L}" y="18" font-size="14" font-weight="bold">${opts.title}</text>`;
  for (let y = y0; y <= y1 + step / 2; y += step) {
    s += `<line x1="${L}" x2="${W - R}" y1="${Y(y)}" y2="${Y(y)}" stroke="#eee"/><text x="${L - 6}" y="${Y(y) + 4}" font-size="11" text-anchor="end">${fmt(y, opts.counts)}</text>`;
  }
  const xstep = Math.max(1, Math.round((x1 - x0) / 10));
  for (let x = x0; x <= x1; x += xstep) s += `<text x="${X(x)}" y="${H - B + 16}" font-size="11" text-anchor="middle">${x}</text>`;
  s += `<line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#444"/><line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="#444"/>`;
  s += `<text x="${(L + W - R) / 2}" y="${H - 6}" font-size="12" text-anchor="middle">${opts.xlabel}</text>`;
  s += `<text transform="translate(14 ${(T + H - B) / 2}) rotate(-90)" font-size="12" text-anchor="middle">${opts.ylabel}</text>`;
  opts.series.forEach((ser, i) => {
    const c = ser.color || PALETTE[i % PALETTE.length], dash = ser.dashed ? ' stroke-dasharray="6 4"' : "";
    s += `<polyline fill="none" stroke="${c}" stroke-width="2"${dash} points="${ser.points.map(p => X(p[0]) + "," + Y(p[1])).join(" ")}"/>`;
    ser.points.forEach(p => { s += `<circle cx="${X(p[0])}" cy="${Y(p[1])}" r="2.5" fill="${c}"/>`; });
    s += `<line x1="${W - R + 12}" x2="${W - R + 32}" y1="${T + 10 + 18 * i}" y2="${T + 10 + 18 * i}" stroke="${c}" stroke-width="3"${dash}/><text x="${W - R + 38}" y="${T + 14 + 18 * i}" font-size="12">${ser.name}</text>`;
  });
  el.innerHTML = s + "</svg>";
}
async function api(method, path, body) {
  const r = await fetch(path, { method, headers: { "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await r.json().catch(() => null);
  if (!r.ok) throw new Error((data && data.error ? data.error + (data.field ? " (" + data.field + ")" : "") : r.status + " " + r.statusText));
  return data;
}
function pct(x) { return (100 * x).toFixed(1) + " %"; }
