//! Write phase: how long each step of a build took, for `KMGEN_TIMINGS=1` and the benchmark.
use std::time::{Duration, Instant};

/// Steps in the order they ran, each with the time since the one before.
pub struct Phases {
    last: Instant,
    pub steps: Vec<(&'static str, Duration)>,
}

impl Phases {
    pub fn start() -> Self {
        Phases {
            last: Instant::now(),
            steps: Vec::new(),
        }
    }

    /// Ends the step `name` now.
    pub fn mark(&mut self, name: &'static str) {
        let now = Instant::now();
        self.steps.push((name, now - self.last));
        self.last = now;
    }
}
