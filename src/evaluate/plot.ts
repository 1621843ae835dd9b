// The trade-off plot of `heartbeat evaluate --plot`: alerts per customer-day on the recordings (x)
// against recall on the simulator (y), one line per rule, each point labelled with its threshold.
// Plain SVG written by hand: a few dozen elements do not need a charting library. Pure.
import { DATA_ALERTS_TARGET } from './data-score.js';
import type { SweepPoint } from './sweep.js';

const WIDTH = 780, HEIGHT = 480;
const LEFT = 70, RIGHT = 230, TOP = 40, BOTTOM = 60;
const COLOURS = ['#d62728', '#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b'];

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fixed = (n: number) => (Math.round(n * 10) / 10).toString();

/** Smallest alerts per customer-day drawn apart from 0: lower values (0 included) sit on the left edge. */
const X_FLOOR = 0.01;

/**
 * The SVG document. The x axis is logarithmic (alerts per customer-day span 0.01 to tens across
 * thresholds), from X_FLOOR to the power of ten above the largest value, with a dashed line at
 * `target`. Points with no recall (nothing of the rule's kind was injected) are left out.
 */
export function tradeOffSvg(points: readonly SweepPoint[], title = 'Alerts on recordings vs recall on the simulator, per threshold', target = DATA_ALERTS_TARGET): string {
  const shown = points.filter((p) => p.recall !== null && Number.isFinite(p.alertsPerCustomerDay));
  const decades = Math.max(1, Math.ceil(Math.log10(Math.max(X_FLOOR * 10, target, ...shown.map((p) => p.alertsPerCustomerDay)) / X_FLOOR) - 1e-9));
  const plotW = WIDTH - LEFT - RIGHT, plotH = HEIGHT - TOP - BOTTOM;
  const x = (v: number) => LEFT + (Math.log10(Math.max(v, X_FLOOR) / X_FLOOR) / decades) * plotW;
  const y = (v: number) => TOP + (1 - v) * plotH;

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="14">${escape(title)}</text>`,
    `<g class="axes" stroke="#333"><line x1="${LEFT}" y1="${TOP + plotH}" x2="${LEFT + plotW}" y2="${TOP + plotH}"/><line x1="${LEFT}" y1="${TOP}" x2="${LEFT}" y2="${TOP + plotH}"/></g>`,
  ];
  for (let d = 0; d <= decades; d++) {
    const v = X_FLOOR * 10 ** d;
    out.push(`<text class="x-tick" x="${fixed(x(v))}" y="${TOP + plotH + 18}" text-anchor="middle">${d === 0 ? '&lt;=' : ''}${Number(v.toPrecision(1))}</text>`);
    out.push(`<line x1="${fixed(x(v))}" y1="${TOP}" x2="${fixed(x(v))}" y2="${TOP + plotH}" stroke="#eee"/>`);
  }
  out.push(`<line class="target" x1="${fixed(x(target))}" y1="${TOP}" x2="${fixed(x(target))}" y2="${TOP + plotH}" stroke="#888" stroke-dasharray="4 4"/>`);
  out.push(`<text x="${fixed(x(target) + 4)}" y="${TOP + 12}" fill="#666">target ${target}</text>`);
  for (let i = 0; i <= 5; i++) {
    const v = i / 5;
    out.push(`<text class="y-tick" x="${LEFT - 8}" y="${fixed(y(v) + 4)}" text-anchor="end">${v.toFixed(1)}</text>`);
    out.push(`<line x1="${LEFT}" y1="${fixed(y(v))}" x2="${LEFT + plotW}" y2="${fixed(y(v))}" stroke="#eee"/>`);
  }
  out.push(`<text x="${LEFT + plotW / 2}" y="${HEIGHT - 15}" text-anchor="middle">alerts per customer-day (recordings, log scale)</text>`);
  out.push(`<text transform="translate(18 ${TOP + plotH / 2}) rotate(-90)" text-anchor="middle">recall (simulator)</text>`);

  const rules = [...new Set(shown.map((p) => p.rule))];
  for (const [i, rule] of rules.entries()) {
    const colour = COLOURS[i % COLOURS.length]!;
    const mine = shown.filter((p) => p.rule === rule);
    out.push(`<g class="rule" data-rule="${escape(rule)}" fill="${colour}" stroke="${colour}">`);
    out.push(`<polyline fill="none" stroke-width="2" points="${mine.map((p) => `${fixed(x(p.alertsPerCustomerDay))},${fixed(y(p.recall!))}`).join(' ')}"/>`);
    for (const p of mine) {
      const label = `${p.value}`;
      out.push(`<circle cx="${fixed(x(p.alertsPerCustomerDay))}" cy="${fixed(y(p.recall!))}" r="4"><title>${escape(`${rule} ${p.option} ${p.value}: ${p.alertsPerCustomerDay.toFixed(3)} alerts/customer-day, recall ${p.recall!.toFixed(3)}`)}</title></circle>`);
      out.push(`<text class="label" x="${fixed(x(p.alertsPerCustomerDay) + 6)}" y="${fixed(y(p.recall!) - 6)}" stroke="none">${escape(label)}</text>`);
    }
    out.push('</g>');
    const ly = TOP + 10 + i * 20;
    out.push(`<g class="legend"><line x1="${WIDTH - RIGHT + 15}" y1="${ly}" x2="${WIDTH - RIGHT + 35}" y2="${ly}" stroke="${colour}" stroke-width="2"/>` +
      `<text x="${WIDTH - RIGHT + 40}" y="${ly + 4}">${escape(`${rule} (${mine[0]!.option})`)}</text></g>`);
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
