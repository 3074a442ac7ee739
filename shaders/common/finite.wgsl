// Non-finite test on the bits: drivers may assume floats are finite, so x != x can be folded away.
fn finite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u; }
