/**
 * Self-contained SVG charts for bench/RESULTS.md (strings only, no dependency): grouped horizontal bars
 * with min–max whiskers on a log axis (systems differ by orders of magnitude), and multi-series lines.
 */

export interface Bar {
  label: string;
  value: number;
  min?: number;
  max?: number;
}

export interface BarGroup {
  label: string;
  bars: Bar[];
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) =>
  v >= 100 ? Math.round(v).toLocaleString('en-US') : v >= 10 ? v.toFixed(1) : v.toPrecision(2);

/** Powers of ten (and 2×, 5× where few) between lo and hi, for a log axis. */
function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  const decades = Math.log10(hi / lo);
  const steps = decades < 2.5 ? [1, 2, 5] : [1];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of steps) {
      const v = m * 10 ** e;
      if (v >= lo && v <= hi) ticks.push(v);
    }
  }
  return ticks;
}

/** Bars per group, one colour per bar label (the legend), value labels at the bar ends. */
export function barChart(groups: BarGroup[], options: { title: string; unit: string; width?: number }): string {
  const names = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.label)))];
  const color = (name: string) => PALETTE[names.indexOf(name) % PALETTE.length];
  const width = options.width ?? 720;
  const barH = 16;
  const gap = 14;
  const m = { left: 70, right: 90, top: 40, bottom: 40 + 18 * Math.ceil(names.length / 3) };
  const rows = groups.reduce((n, g) => n + g.bars.length, 0);
  const plotH = rows * barH + groups.length * gap;
  const height = m.top + plotH + m.bottom;
  const plotW = width - m.left - m.right;
  const values = groups
    .flatMap((g) => g.bars.flatMap((b) => [b.value, b.min ?? b.value, b.max ?? b.value]))
    .filter((v) => Number.isFinite(v) && v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const x = (v: number) => m.left + (Math.log10(v / lo) / Math.log10(hi / lo)) * plotW;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="14">${esc(options.title)}</text>`);
  for (const t of logTicks(lo, hi)) {
    out.push(
      `<line x1="${x(t).toFixed(1)}" y1="${m.top}" x2="${x(t).toFixed(1)}" y2="${m.top + plotH}" stroke="#ddd"/>`,
    );
    out.push(
      `<text x="${x(t).toFixed(1)}" y="${m.top + plotH + 16}" text-anchor="middle" fill="#444">${fmt(t)}</text>`,
    );
  }
  out.push(
    `<text x="${m.left + plotW / 2}" y="${m.top + plotH + 34}" text-anchor="middle">${esc(options.unit)} (log scale)</text>`,
  );
  let y = m.top + gap / 2;
  for (const g of groups) {
    out.push(
      `<text x="${m.left - 8}" y="${(y + (g.bars.length * barH) / 2 + 4).toFixed(1)}" text-anchor="end" font-weight="bold">${esc(g.label)}</text>`,
    );
    for (const b of g.bars) {
      if (Number.isFinite(b.value) && b.value > 0) {
        out.push(
          `<rect x="${m.left}" y="${y + 2}" width="${(x(b.value) - m.left).toFixed(1)}" height="${barH - 4}" fill="${color(b.label)}"><title>${esc(`${g.label} ${b.label}: ${fmt(b.value)}`)}</title></rect>`,
        );
        if (b.min !== undefined && b.max !== undefined) {
          const cy = y + barH / 2;
          out.push(
            `<line x1="${x(b.min).toFixed(1)}" y1="${cy}" x2="${x(b.max).toFixed(1)}" y2="${cy}" stroke="black"/>`,
          );
        }
        out.push(
          `<text x="${(x(Math.max(b.value, b.max ?? 0)) + 4).toFixed(1)}" y="${y + barH - 4}" fill="#222">${fmt(b.value)}</text>`,
        );
      } else {
        out.push(`<text x="${m.left + 4}" y="${y + barH - 4}" fill="#888">${esc(b.label)}: not measured</text>`);
      }
      y += barH;
    }
    y += gap;
  }
  names.forEach((name, i) => {
    const lx = m.left + (i % 3) * 200;
    const ly = m.top + plotH + 52 + 18 * Math.floor(i / 3);
    out.push(
      `<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${color(name)}"/><text x="${lx + 18}" y="${ly}">${esc(name)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

export interface Series {
  label: string;
  points: Array<[number, number]>;
  dashed?: boolean;
  /** Series with the same colour key share a colour (train and validation of one model). */
  colorKey?: string;
}

/** Lines over a linear x axis and a log y axis (perplexity). */
export function lineChart(
  series: Series[],
  options: { title: string; xLabel: string; yLabel: string; width?: number; height?: number },
): string {
  const width = options.width ?? 720;
  const height = options.height ?? 420;
  const keys = [...new Set(series.map((s) => s.colorKey ?? s.label))];
  const color = (s: Series) => PALETTE[keys.indexOf(s.colorKey ?? s.label) % PALETTE.length];
  const m = { left: 64, right: 150, top: 36, bottom: 48 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const pts = series.flatMap((s) => s.points).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b) && b > 0);
  const xs = pts.map(([a]) => a);
  const ys = pts.map(([, b]) => b);
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  const y0 = Math.min(...ys) * 0.9;
  const y1 = Math.max(...ys) * 1.1;
  const X = (v: number) => m.left + ((v - x0) / (x1 - x0)) * plotW;
  const Y = (v: number) => m.top + plotH - (Math.log(v / y0) / Math.log(y1 / y0)) * plotH;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${m.left + plotW / 2}" y="22" text-anchor="middle" font-size="14">${esc(options.title)}</text>`);
  const yTicks = logTicks(y0, y1);
  for (const t of yTicks.length >= 2 ? yTicks : [y0, y1]) {
    out.push(
      `<line x1="${m.left}" y1="${Y(t).toFixed(1)}" x2="${m.left + plotW}" y2="${Y(t).toFixed(1)}" stroke="#ddd"/>`,
    );
    out.push(`<text x="${m.left - 6}" y="${(Y(t) + 4).toFixed(1)}" text-anchor="end" fill="#444">${fmt(t)}</text>`);
  }
  const xStep = Math.max(1, Math.ceil((x1 - x0) / 10));
  for (let t = Math.ceil(x0); t <= x1; t += xStep) {
    out.push(`<text x="${X(t).toFixed(1)}" y="${m.top + plotH + 16}" text-anchor="middle" fill="#444">${t}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${m.left + plotW / 2}" y="${height - 10}" text-anchor="middle">${esc(options.xLabel)}</text>`);
  out.push(
    `<text x="16" y="${m.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 16 ${m.top + plotH / 2})">${esc(options.yLabel)} (log scale)</text>`,
  );
  series.forEach((s, i) => {
    const p = s.points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b) && b > 0);
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    if (p.length > 1)
      out.push(
        `<polyline fill="none" stroke="${color(s)}" stroke-width="2"${dash} points="${p.map(([a, b]) => `${X(a).toFixed(1)},${Y(b).toFixed(1)}`).join(' ')}"/>`,
      );
    else if (p.length === 1)
      out.push(`<circle cx="${X(p[0][0]).toFixed(1)}" cy="${Y(p[0][1]).toFixed(1)}" r="3" fill="${color(s)}"/>`);
    const ly = m.top + 12 + i * 18;
    const lx = m.left + plotW + 12;
    out.push(
      `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 24}" y2="${ly - 4}" stroke="${color(s)}" stroke-width="2"${dash}/><text x="${lx + 30}" y="${ly}">${esc(s.label)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
