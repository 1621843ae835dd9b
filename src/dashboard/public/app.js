// The dashboard page: one EventSource (/api/stream) pushes a snapshot every second and each new
// alert at once; charts are uPlot (served from node_modules), the rest plain DOM. No framework.
/* global uPlot */

const LEVELS = ['critical_low', 'low', 'normal', 'elevated', 'high', 'critical_high', 'unclassified'];
const LEVEL_COLORS = { critical_low: '#8e6cff', low: '#4c8dff', normal: '#3ecf8e', elevated: '#f0b429', high: '#ff8a3d', critical_high: '#ff5c5c', unclassified: '#8b98a5' };
const SERIES_COLORS = ['#4cc2ff', '#ff8a3d', '#c678dd', '#3ecf8e', '#f0b429'];
const $ = (id) => document.getElementById(id);
const fmtTime = (ms) => (ms == null ? '' : new Date(ms).toLocaleTimeString([], { hour12: false }));
const compact = (v) => (v == null ? '' : Math.abs(v) >= 1e6 ? `${+(v / 1e6).toFixed(1)}M` : Math.abs(v) >= 1e3 ? `${+(v / 1e3).toFixed(1)}k` : `${+v.toFixed(1)}`);
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const params = new URLSearchParams(location.search);
let chosen = params.get('customer') ?? '';
let autoChosen = false;
const charts = {};
const seenAnomalies = new Set();

/** Creates (or re-creates, when the series change) a uPlot chart in element `id`. */
function plot(id, seriesLabels, data, extra = {}) {
  const el = $(id);
  const key = seriesLabels.join('|');
  let entry = charts[id];
  if (entry === undefined || entry.key !== key) {
    entry?.chart.destroy();
    const opts = {
      width: Math.max(300, el.clientWidth), height: 180,
      scales: { x: { time: extra.time !== false, ...(extra.xRange ? { range: extra.xRange } : {}) } },
      axes: [{ stroke: '#8b98a5', grid: { stroke: '#26313c' } }, { stroke: '#8b98a5', grid: { stroke: '#26313c' }, size: 50, values: (u, vals) => vals.map(compact) }],
      series: [{}, ...seriesLabels.map((label, i) => ({ label, stroke: SERIES_COLORS[i % SERIES_COLORS.length], width: 1.5, spanGaps: true, ...(extra.series ?? {}) }))],
      legend: { show: seriesLabels.length > 1 || extra.legend === true },
      ...(extra.opts ?? {}),
    };
    el.textContent = '';
    entry = { key, chart: new uPlot(opts, data, el) };
    charts[id] = entry;
  } else {
    entry.chart.setData(data);
  }
  const points = data[0].length;
  el.dataset.state = points > 0 && data.slice(1).some((s) => s.some((v) => v != null)) ? 'live' : 'empty';
  el.dataset.points = String(points);
}

function bars(id, rows, format = (n) => n.toLocaleString()) {
  const el = $(id);
  const max = Math.max(1, ...rows.map((r) => r.value));
  el.innerHTML = rows.length === 0 ? '<div class="bar"><span>none</span></div>' : rows.map((r) => `
    <div class="bar"><span title="${esc(r.label)}">${esc(r.label)}</span><div class="fill" style="width:${(100 * r.value) / max}%;background:${r.color ?? ''}"></div><span class="n">${format(r.value)}</span></div>`).join('');
  el.dataset.state = rows.length > 0 ? 'live' : 'empty';
  el.dataset.points = String(rows.length);
}

function renderLevels(levels) {
  const el = $('chart-levels');
  const total = Object.values(levels).reduce((a, b) => a + b, 0);
  const present = LEVELS.filter((l) => (levels[l] ?? 0) > 0);
  el.innerHTML = `<div class="stack">${present.map((l) => `<div title="${l}" style="width:${(100 * levels[l]) / total}%;background:${LEVEL_COLORS[l]}"></div>`).join('')}</div>
    <div class="legend">${present.map((l) => `<span><span class="swatch" style="background:${LEVEL_COLORS[l]}"></span>${l} ${((100 * levels[l]) / total).toFixed(1)}%</span>`).join('')}</div>`;
  el.dataset.state = total > 0 ? 'live' : 'empty';
  el.dataset.points = String(present.length);
}

/** Trend lines of several customers, aligned on one time axis. */
function renderTrends(id, trends) {
  const names = Object.keys(trends).filter((c) => trends[c].length > 0);
  if (names.length === 0) return plot(id, ['—'], [[], []]);
  const data = uPlot.join(names.map((c) => [trends[c].map((p) => p[0] / 1000), trends[c].map((p) => p[1])]));
  plot(id, names, data, { legend: true });
}

function anomalyRow(a) {
  const episode = a.episodeStart == null ? 'point' : `${fmtTime(a.episodeStart)} – ${a.episodeEnd == null ? 'ongoing' : fmtTime(a.episodeEnd)}`;
  const alert = a.alertSuppressed == null ? 'pending' : a.alertSuppressed ? 'cool-down' : 'published';
  const fresh = seenAnomalies.size > 0 && !seenAnomalies.has(a.id) ? ' class="fresh"' : '';
  return `<tr data-id="${esc(a.id)}" data-customer="${esc(a.customerId)}"${fresh}><td>${fmtTime(a.detectedAt)}</td>
    <td><span class="customer-link">${esc(a.customerId)}</span></td><td>${esc(a.rule)}</td><td class="sev-${esc(a.severity)}">${esc(a.severity)}</td>
    <td>${fmtTime(a.eventTime)}</td><td>${episode}</td><td class="msg">${esc(a.message)}</td><td>${alert}</td></tr>`;
}

function renderAnomalies(rows) {
  const table = $('table-anomalies');
  table.tBodies[0].innerHTML = rows.map(anomalyRow).join('');
  for (const a of rows) seenAnomalies.add(a.id);
  table.dataset.state = rows.length > 0 ? 'live' : 'empty';
  $('customers').innerHTML = [...new Set(rows.map((a) => a.customerId))].map((c) => `<option value="${esc(c)}">`).join('');
}

/** A pushed alert goes to the top of the table at once, before the next snapshot. */
function prependAlert(alert) {
  if (seenAnomalies.has(alert.id)) return;
  const row = { ...alert, eventTime: Date.parse(alert.eventTime), detectedAt: Date.parse(alert.detectedAt),
    episodeStart: alert.episodeStart && Date.parse(alert.episodeStart), episodeEnd: alert.episodeEnd && Date.parse(alert.episodeEnd), alertSuppressed: false };
  const table = $('table-anomalies');
  table.tBodies[0].insertAdjacentHTML('afterbegin', anomalyRow(row));
  seenAnomalies.add(alert.id);
  table.dataset.state = 'live';
}

function renderWorkers(workers) {
  const table = $('table-workers');
  table.tBodies[0].innerHTML = workers.map((w) => `<tr data-worker="${w.index}"><td>${w.index}</td><td class="${w.up ? 'up' : 'down'}">${w.up ? 'up' : 'DOWN'}</td>
    <td>${w.partitions.join(', ') || '—'}</td><td>${w.consumed.toLocaleString()}</td><td>${w.restarts}</td></tr>`).join('');
  table.dataset.state = workers.length > 0 ? 'live' : 'empty';
}

function render(s) {
  const t = s.series.t.map((ms) => ms / 1000);
  plot('chart-rate', ['readings/s'], [t, s.series.perSecond]);
  plot('chart-latency', ['p50', 'p95'], [t, s.series.p50Ms, s.series.p95Ms]);
  renderTrends('chart-trends', s.trends);
  const buckets = s.buckets;
  plot('chart-distribution', ['readings'], [buckets.map((b) => b[0] + 5), buckets.map((b) => b[1])], {
    time: false, xRange: (u, min, max) => [min - 5, max + 5], series: { paths: uPlot.paths.bars({ size: [0.9, 40] }), fill: '#4cc2ff55', points: { show: false } },
  });
  renderLevels(s.levels);
  renderAnomalies(s.anomalies);
  bars('chart-rejects', s.rejects.map((r) => ({ label: r.reason, value: r.rejects, color: '#ff8a3d' })));
  bars('chart-lag', s.lag.map((p) => ({ label: `partition ${p.partition}`, value: p.lag })));
  renderWorkers(s.workers);
  const tot = s.totals;
  $('totals').innerHTML = `consumed <b>${tot.consumed.toLocaleString()}</b> · stored <b>${tot.stored.toLocaleString()}</b> · rejected <b>${tot.rejected.toLocaleString()}</b> · anomalies <b>${tot.anomalies.toLocaleString()}</b> · now <b>${(s.series.perSecond.at(-1) ?? 0).toLocaleString()}</b>/s`;
  if (chosen === '' && s.anomalies.length > 0 && !autoChosen) {
    autoChosen = true;
    choose(s.anomalies[0].customerId);
  }
}

let source;
function connect() {
  source?.close();
  source = new EventSource(`/api/stream${chosen === '' ? '' : `?customer=${encodeURIComponent(chosen)}`}`);
  source.addEventListener('snapshot', (e) => {
    $('status').dataset.state = 'live';
    $('status').textContent = `live · ${fmtTime(Date.now())}`;
    render(JSON.parse(e.data));
  });
  source.addEventListener('customer', (e) => {
    const c = JSON.parse(e.data);
    if (c.id === chosen) renderTrends('chart-customer', { [c.id]: c.points });
  });
  source.addEventListener('alert', (e) => prependAlert(JSON.parse(e.data)));
  source.onerror = () => {
    $('status').dataset.state = 'error';
    $('status').textContent = 'reconnecting';
  };
}

function choose(customer) {
  chosen = customer;
  $('customer').value = customer;
  connect();
}

$('customer').value = chosen;
$('customer').addEventListener('change', (e) => choose(e.target.value.trim()));
$('table-anomalies').addEventListener('click', (e) => {
  const row = e.target.closest('tr[data-customer]');
  if (row !== null) choose(row.dataset.customer);
});
window.addEventListener('resize', () => {
  for (const [id, { chart }] of Object.entries(charts)) chart.setSize({ width: Math.max(300, $(id).clientWidth), height: 180 });
});
connect();
