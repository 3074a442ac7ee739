// Sum over one workgroup of WG invocations in a fixed tree (deterministic, no atomics). Call it from
// uniform control flow with each invocation's part; every invocation gets the total.
var<workgroup> part: array<f32, WG>;

fn workgroup_sum(lid: u32, s: f32) -> f32 {
  part[lid] = s;
  workgroupBarrier();
  for (var w = WG / 2u; w > 0u; w >>= 1u) {
    if (lid < w) { part[lid] += part[lid + w]; }
    workgroupBarrier();
  }
  return part[0];
}
