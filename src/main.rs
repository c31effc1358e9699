
fn main() {}
