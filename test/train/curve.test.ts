import { describe, expect, it } from 'vitest';
import { curveCsv, curvePaths, curveSvg, linearTicks, logTicks, type EpochRecord } from '../../src/train/curve.js';

/**
 * A minimal XML well-formedness check: every tag closes in order, attributes are quoted, no stray '<'
 * or '&' in text. Returns the elements in document order.
 */
function parseSvg(svg: string): Array<{ name: string; attrs: Record<string, string>; text: string }> {
  const elements: Array<{ name: string; attrs: Record<string, string>; text: string }> = [];
  const stack: number[] = [];
  const token = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < svg.length) {
    token.lastIndex = at;
    m = token.exec(svg);
    if (m === null) throw new Error(`malformed markup at ${at}: ${JSON.stringify(svg.slice(at, at + 40))}`);
    at = token.lastIndex;
    if (m[5] !== undefined) {
      if (/&(?!(amp|lt|gt|quot|apos);)/.test(m[5])) throw new Error(`unescaped & in ${JSON.stringify(m[5])}`);
      if (stack.length) elements[stack[stack.length - 1]].text += m[5];
      else if (m[5].trim() !== '') throw new Error(`text outside the root: ${JSON.stringify(m[5])}`);
      continue;
    }
    const [, closing, name, attrText, selfClosing] = m;
    if (closing) {
      const open = stack.pop();
      if (open === undefined || elements[open].name !== name)
        throw new Error(`</${name}> closes ${open === undefined ? 'nothing' : `<${elements[open].name}>`}`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of attrText.matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1]] = a[2];
    elements.push({ name, attrs, text: '' });
    if (!selfClosing) stack.push(elements.length - 1);
  }
  if (stack.length) throw new Error(`unclosed <${elements[stack[stack.length - 1]].name}>`);
  return elements;
}

const points = (el: { attrs: Record<string, string> }) =>
  el.attrs.points
    .trim()
    .split(/\s+/)
    .map((p) => p.split(',').map(Number));

const history: EpochRecord[] = [
  { epoch: 1, trainPerplexity: 27.25, valPerplexity: 26.5 },
  { epoch: 2, trainPerplexity: 12.125, valPerplexity: NaN },
  { epoch: 3, trainPerplexity: 5.0625 },
  { epoch: 4, trainPerplexity: 1.03125, valPerplexity: 4.75 },
];

describe('curveCsv', () => {
  it('writes one row per epoch, empty cells for missing or non-finite values', () => {
    expect(curveCsv(history)).toBe(
      'epoch,train_perplexity,val_perplexity\n1,27.25,26.5\n2,12.125,\n3,5.0625,\n4,1.03125,4.75\n',
    );
    expect(curveCsv([{ epoch: 1, trainPerplexity: Infinity }])).toBe('epoch,train_perplexity,val_perplexity\n1,,\n');
    expect(curveCsv([])).toBe('epoch,train_perplexity,val_perplexity\n');
  });

  it('keeps full precision', () => {
    expect(curveCsv([{ epoch: 7, trainPerplexity: 1 / 3 }])).toBe(
      'epoch,train_perplexity,val_perplexity\n7,0.3333333333333333,\n',
    );
  });
});

describe('curveSvg', () => {
  it('is well-formed, with axes, labels, a legend and one point per finite value', () => {
    const svg = curveSvg(history, { title: 'LSTM <2 layers> & "time machine"' });
    const els = parseSvg(svg);
    expect(els[0].name).toBe('svg');
    expect(els[0].attrs.xmlns).toBe('http://www.w3.org/2000/svg');
    const lines = els.filter((e) => e.name === 'polyline');
    expect(lines).toHaveLength(2);
    expect(points(lines[0])).toHaveLength(4); // train: every epoch
    expect(points(lines[1])).toHaveLength(2); // validation: epochs 1 and 4 only
    const texts = els.filter((e) => e.name === 'text').map((e) => e.text);
    expect(texts).toContain('epoch');
    expect(texts).toContain('perplexity (log scale)'); // 27.25 / 1.03 spans more than a decade
    expect(texts).toContain('train');
    expect(texts).toContain('validation');
    expect(texts).toContain('LSTM &lt;2 layers&gt; &amp; &quot;time machine&quot;');
    const yLabels = els.filter((e) => e.name === 'text' && e.attrs['text-anchor'] === 'end').map((e) => e.text);
    expect(yLabels).toEqual(['1', '2', '5', '10', '20']); // log ticks inside [1.03, 27.25] and its margin
    // Lower perplexity is drawn higher up, and epochs run left to right.
    const train = points(lines[0]);
    for (let i = 1; i < train.length; i++) {
      expect(train[i][0]).toBeGreaterThan(train[i - 1][0]);
      expect(train[i][1]).toBeGreaterThan(train[i - 1][1]);
    }
    for (const [x, y] of [...train, ...points(lines[1])]) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(640);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(400);
    }
  });

  it('draws a single epoch as a dot and leaves out a validation series that has no values', () => {
    const els = parseSvg(curveSvg([{ epoch: 1, trainPerplexity: 12.5, valPerplexity: NaN }]));
    expect(els.filter((e) => e.name === 'polyline')).toHaveLength(0);
    const dots = els.filter((e) => e.name === 'circle');
    expect(dots).toHaveLength(1);
    for (const k of ['cx', 'cy']) expect(Number.isFinite(Number(dots[0].attrs[k]))).toBe(true);
    const texts = els.filter((e) => e.name === 'text').map((e) => e.text);
    expect(texts).toContain('train');
    expect(texts).not.toContain('validation');
    expect(texts).toContain('perplexity');
  });

  it('survives no records and all-NaN values without NaN coordinates', () => {
    for (const records of [
      [],
      [
        { epoch: 1, trainPerplexity: NaN },
        { epoch: 2, trainPerplexity: NaN },
      ],
    ]) {
      const svg = curveSvg(records);
      parseSvg(svg);
      expect(svg).not.toMatch(/NaN|Infinity/);
    }
  });

  it('uses a linear axis on request and for narrow ranges', () => {
    const flat = [1, 2, 3, 4, 5].map((epoch) => ({ epoch, trainPerplexity: 1.1 - epoch / 100 }));
    const els = parseSvg(curveSvg(flat));
    expect(els.filter((e) => e.name === 'text').map((e) => e.text)).toContain('perplexity');
    expect(points(els.find((e) => e.name === 'polyline')!)).toHaveLength(5);
    const forcedLinear = parseSvg(curveSvg(history, { logY: false }))
      .filter((e) => e.name === 'text')
      .map((e) => e.text);
    expect(forcedLinear).toContain('perplexity');
  });
});

describe('ticks', () => {
  it('steps by 1, 2 or 5 times a power of ten', () => {
    expect(linearTicks(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(linearTicks(1, 500, 8)).toEqual([100, 200, 300, 400, 500]);
    expect(linearTicks(1.0, 1.1, 4)).toEqual([1, 1.05, 1.1]);
    expect(logTicks(1.03, 27.3)).toEqual([2, 5, 10, 20]);
    expect(logTicks(1, 100)).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(logTicks(3, 4)).toEqual([3, 3.5, 4]); // less than one 1-2-5 step: linear ticks
  });
});

describe('curvePaths', () => {
  it('puts the curve and the best checkpoint next to the checkpoint', () => {
    expect(curvePaths('out/model.safetensors')).toEqual({
      svg: 'out/model.perplexity.svg',
      csv: 'out/model.perplexity.csv',
      best: 'out/model.best.safetensors',
    });
    expect(curvePaths('run.ckpt')).toEqual({
      svg: 'run.ckpt.perplexity.svg',
      csv: 'run.ckpt.perplexity.csv',
      best: 'run.ckpt.best.safetensors',
    });
  });
});
