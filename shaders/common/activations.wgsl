// Gate activations of the cell kernels. Inputs to exp/tanh are clamped: large values give NaN on some
// drivers.
fn sigmoid(x: f32) -> f32 { return 1.0 / (1.0 + exp(-clamp(x, -80.0, 80.0))); }
fn tanh_c(x: f32) -> f32 { return tanh(clamp(x, -20.0, 20.0)); }

// dy * dy/da from the saved output y = sigmoid(a) or tanh(a). The products run left to right as the
// kernels always computed them, so results stay bit for bit what they were.
fn sigmoid_grad(dy: f32, y: f32) -> f32 { return dy * y * (1.0 - y); }
fn tanh_grad(dy: f32, y: f32) -> f32 { return dy * (1.0 - y * y); }
