# workerd's own config for worker.js: `npx workerd serve config.capnp` serves it on http://127.0.0.1:8787
# offline, with deeprnn/generate's workerd build loaded as wrangler would bundle it (the module and its
# two .wasm files, precompiled) and the checkpoint as a data module. Make the checkpoint first, e.g.
# `npx deeprnn train --out examples/cloudflare-worker/model.safetensors`, and build the package
# (`npm run build`). Outside this repository, point the paths at node_modules/deeprnn/dist/workerd/.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "model.safetensors", data = embed "model.safetensors"),
    (name = "deeprnn/generate", esModule = embed "../../dist/workerd/generate.js"),
    (name = "deeprnn/text.wasm", wasm = embed "../../dist/workerd/text.wasm"),
    (name = "deeprnn/nn-forward.wasm", wasm = embed "../../dist/workerd/nn-forward.wasm"),
  ],
  compatibilityDate = "2025-09-01",
);
