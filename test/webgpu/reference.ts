/**
 * Plain-loop float64 reference of the model's forward pass (one-hot -> stacked cell -> linear -> mean
 * cross-entropy), PyTorch's equations and gate orders, for shapes the fixtures do not cover.
 */
import type { ResolvedConfig, StateDict, TokenTensor } from '../../src/model/types.js';

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

export function referenceForward(
  cfg: ResolvedConfig,
  p: StateDict,
  x: TokenTensor,
  y: TokenTensor,
): { logits: Float64Array; loss: number; h: Float64Array } {
  const [B, T] = x.shape;
  const { hidden: H, layers: L, vocabSize: V, cell } = cfg;
  const G = cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
  let input: Float64Array[] = []; // per row t*B+b, the layer input
  for (let t = 0; t < T; t++)
    for (let b = 0; b < B; b++) {
      const v = new Float64Array(V);
      v[x.data[b * T + t]] = 1;
      input.push(v);
    }
  const hFinal = new Float64Array(L * B * H);
  for (let l = 0; l < L; l++) {
    const wih = p[`rnn.weight_ih_l${l}`].data,
      whh = p[`rnn.weight_hh_l${l}`].data,
      bih = p[`rnn.bias_ih_l${l}`].data,
      bhh = p[`rnn.bias_hh_l${l}`].data;
    const inSize = l === 0 ? V : H;
    const out: Float64Array[] = [];
    const h = Array.from({ length: B }, () => new Float64Array(H));
    const c = Array.from({ length: B }, () => new Float64Array(H));
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const xi = input[t * B + b];
        const gi = new Float64Array(G * H),
          gh = new Float64Array(G * H);
        for (let k = 0; k < G * H; k++) {
          let si = bih[k],
            sh = bhh[k];
          for (let i = 0; i < inSize; i++) si += wih[k * inSize + i] * xi[i];
          for (let i = 0; i < H; i++) sh += whh[k * H + i] * h[b][i];
          gi[k] = si;
          gh[k] = sh;
        }
        const hn = new Float64Array(H);
        for (let j = 0; j < H; j++) {
          if (cell === 'rnn')
            hn[j] = cfg.nonlinearity === 'relu' ? Math.max(0, gi[j] + gh[j]) : Math.tanh(gi[j] + gh[j]);
          else if (cell === 'gru') {
            const r = sigmoid(gi[j] + gh[j]),
              z = sigmoid(gi[H + j] + gh[H + j]);
            const n = Math.tanh(gi[2 * H + j] + r * gh[2 * H + j]);
            hn[j] = (1 - z) * n + z * h[b][j];
          } else {
            const a = (g: number): number => gi[g * H + j] + gh[g * H + j];
            const cc = sigmoid(a(1)) * c[b][j] + sigmoid(a(0)) * Math.tanh(a(2));
            c[b][j] = cc;
            hn[j] = sigmoid(a(3)) * Math.tanh(cc);
          }
        }
        h[b] = hn;
        out.push(hn);
      }
    }
    for (let b = 0; b < B; b++) hFinal.set(h[b], (l * B + b) * H);
    input = out;
  }
  const w = p['linear.weight'].data,
    bo = p['linear.bias'].data;
  const logits = new Float64Array(T * B * V);
  let loss = 0;
  for (let n = 0; n < T * B; n++) {
    let m = -Infinity;
    for (let v = 0; v < V; v++) {
      let s = bo[v];
      for (let j = 0; j < H; j++) s += w[v * H + j] * input[n][j];
      logits[n * V + v] = s;
      m = Math.max(m, s);
    }
    let z = 0;
    for (let v = 0; v < V; v++) z += Math.exp(logits[n * V + v] - m);
    const target = y.data[(n % B) * T + Math.floor(n / B)];
    loss += Math.log(z) + m - logits[n * V + target];
  }
  return { logits, loss: loss / (T * B), h: hFinal };
}
