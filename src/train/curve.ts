/**
 * Perplexity curves as CSV and as a self-contained SVG line chart (strings only: no DOM, no dependency),
 * written next to a checkpoint by `deeprnn train`.
 */
import type { EpochRecord } from '../checkpoint/types.js';

/**
 * The files `deeprnn train` writes next to its checkpoint: model.safetensors -> model.perplexity.svg,
 * model.perplexity.csv, and (--keep-best) model.best.safetensors.
 */
export function curvePaths(checkpointPath: string): { svg: string; csv: string; best: string } {
  const base = checkpointPath.replace(/\.safetensors$/i, '');
  return { svg: `${base}.perplexity.svg`, csv: `${base}.perplexity.csv`, best: `${base}.best.safetensors` };
}

/** Non-finite values (NaN, Infinity, a missing validation value) become empty cells. */
export type { EpochRecord };

export function curveCsv(records: EpochRecord[]): string {
  const cell = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? String(v) : '');
  const sources = sourceNames(records);
  // A source name may hold commas or quotes: CSV-quote it.
  const header = [
    'epoch',
    'train_perplexity',
    'val_perplexity',
    ...sources.map((s) => `"val_perplexity:${s.replaceAll('"', '""')}"`),
  ];
  const lines = [header.join(',')];
  for (const r of records) {
    const each = sources.map((s) => cell(r.valPerplexities?.[s]));
    lines.push([r.epoch, cell(r.trainPerplexity), cell(r.valPerplexity), ...each].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** The sources of per-source validation figures, when there are two or more (one is the whole). */
function sourceNames(records: EpochRecord[]): string[] {
  const names = new Set<string>();
  for (const r of records) for (const name of Object.keys(r.valPerplexities ?? {})) names.add(name);
  return names.size >= 2 ? [...names] : [];
}

export interface SvgOptions {
  title?: string;
  /** Log-scale perplexity axis (default: true when the values span more than a factor of 10). */
  logY?: boolean;
  width?: number;
  height?: number;
}

const TRAIN_COLOR = '#1f77b4';
const VAL_COLOR = '#d62728';
/** Per-source validation lines (dashed), after the two above. */
const SOURCE_COLORS = ['#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

/**
 * A line per series (training, and validation when any record has a finite value); points with a
 * non-finite value are left out. A series with a single point is drawn as a dot.
 */
export function curveSvg(records: EpochRecord[], options: SvgOptions = {}): string {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const m = { left: 64, right: 20, top: options.title ? 36 : 16, bottom: 48 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;

  const series = [
    { name: 'train', color: TRAIN_COLOR, dash: false, points: finitePoints(records, (r) => r.trainPerplexity) },
    { name: 'validation', color: VAL_COLOR, dash: false, points: finitePoints(records, (r) => r.valPerplexity) },
    ...sourceNames(records).map((name, i) => ({
      name: `val: ${name}`,
      color: SOURCE_COLORS[i % SOURCE_COLORS.length],
      dash: true,
      points: finitePoints(records, (r) => r.valPerplexities?.[name]),
    })),
  ].filter((s, i) => i === 0 || s.points.length > 0);

  const all = series.flatMap((s) => s.points);
  const xs = records.map((r) => r.epoch).filter(Number.isFinite);
  let [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  const ys = all.map(([, y]) => y);
  let [y0, y1] = ys.length ? [Math.min(...ys), Math.max(...ys)] : [1, 10];
  const logY = (options.logY ?? y1 / y0 > 10) && y0 > 0;
  if (y0 === y1)
    [y0, y1] = logY
      ? [y0 / 1.5, y1 * 1.5]
      : [y0 - Math.max(1, Math.abs(y0) * 0.1), y1 + Math.max(1, Math.abs(y1) * 0.1)];

  // A margin so that the lines do not run along the frame; in log space for a log axis.
  const pad = logY ? Math.exp(Math.log(y1 / y0) * 0.05) : (y1 - y0) * 0.05;
  [y0, y1] = logY ? [y0 / pad, y1 * pad] : [y0 - pad, y1 + pad];

  const xTicks = linearTicks(x0, x1, 8).filter((t) => Number.isInteger(t));
  const yTicks = logY ? logTicks(y0, y1) : linearTicks(y0, y1, 6);
  const fy = logY ? Math.log : (v: number) => v;
  const px = (x: number) => m.left + ((x - x0) / (x1 - x0)) * plotW;
  const py = (y: number) => m.top + plotH - ((fy(y) - fy(y0)) / (fy(y1) - fy(y0))) * plotH;
  const f = (v: number) => Number(v.toFixed(2)).toString();

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="white"/>`);
  if (options.title)
    out.push(`<text x="${f(width / 2)}" y="22" text-anchor="middle" font-size="14">${escapeXml(options.title)}</text>`);
  for (const t of yTicks) {
    const y = f(py(t));
    out.push(`<line x1="${m.left}" y1="${y}" x2="${m.left + plotW}" y2="${y}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${m.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${formatTick(t)}</text>`);
  }
  for (const t of xTicks) {
    const x = f(px(t));
    out.push(`<line x1="${x}" y1="${m.top + plotH}" x2="${x}" y2="${m.top + plotH + 5}" stroke="black"/>`);
    out.push(`<text x="${x}" y="${m.top + plotH + 18}" text-anchor="middle">${formatTick(t)}</text>`);
  }
  out.push(`<path d="M${m.left},${m.top}V${m.top + plotH}H${m.left + plotW}" fill="none" stroke="black"/>`);
  out.push(`<text x="${f(m.left + plotW / 2)}" y="${height - 10}" text-anchor="middle">epoch</text>`);
  out.push(
    `<text transform="translate(16 ${f(m.top + plotH / 2)}) rotate(-90)" text-anchor="middle">perplexity${logY ? ' (log scale)' : ''}</text>`,
  );
  for (const s of series) {
    const pts = s.points.map(([x, y]) => `${f(px(x))},${f(py(y))}`);
    if (pts.length > 1)
      out.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="1.5"${s.dash ? ' stroke-dasharray="5 3"' : ''} points="${pts.join(' ')}"/>`,
      );
    else if (pts.length === 1)
      out.push(`<circle cx="${f(px(s.points[0][0]))}" cy="${f(py(s.points[0][1]))}" r="3" fill="${s.color}"/>`);
  }
  const x = m.left + plotW - Math.max(110, 40 + 7 * Math.max(...series.map((s) => s.name.length)));
  series.forEach((s, i) => {
    const y = m.top + 10 + i * 16;
    out.push(`<line x1="${x}" y1="${y}" x2="${x + 20}" y2="${y}" stroke="${s.color}" stroke-width="2"/>`);
    out.push(`<text x="${x + 26}" y="${y}" dominant-baseline="middle">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function finitePoints(records: EpochRecord[], get: (r: EpochRecord) => number | undefined): Array<[number, number]> {
  const pts: Array<[number, number]> = [];
  for (const r of records) {
    const y = get(r);
    if (Number.isFinite(r.epoch) && y !== undefined && Number.isFinite(y)) pts.push([r.epoch, y]);
  }
  return pts;
}

/** About `count` ticks at 1, 2 or 5 times a power of ten, covering [lo, hi]. */
export function linearTicks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = Math.floor(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    if (t >= lo - step * 1e-9) ticks.push(Number(t.toPrecision(12)));
  }
  return ticks;
}

/** 1, 2, 5 x 10^k inside [lo, hi]; linear ticks when the range holds fewer than two of those. */
export function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++) {
    for (const d of [1, 2, 5]) {
      const t = Number((d * 10 ** k).toPrecision(12));
      if (t >= lo && t <= hi) ticks.push(t);
    }
  }
  return ticks.length >= 2 ? ticks : linearTicks(lo, hi, 4).filter((t) => t > 0);
}

function formatTick(v: number): string {
  return Number(v.toPrecision(6)).toString();
}

function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string,
  );
}
