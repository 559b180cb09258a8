//! The one annealing schedule and acceptance rule of the searches
//! (seating, rota, lottery rounding): a geometric cooling from `t0` to `t1`
//! recomputed every few steps, and the Metropolis rule.

use super::{DrawRng, SearchRng};

/// A stream that gives uniform numbers in [0, 1).
pub trait Unit {
    fn unit(&mut self) -> f64;
}

impl Unit for DrawRng {
    fn unit(&mut self) -> f64 {
        DrawRng::unit(self)
    }
}

impl Unit for SearchRng {
    fn unit(&mut self) -> f64 {
        SearchRng::unit(self)
    }
}

/// Geometric cooling over `moves` steps: t0 · (t1 / t0)^(step / moves),
/// recomputed every `every` steps (the power is the costly part).
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    t0: f64,
    t1: f64,
    moves: usize,
    every: usize,
    temperature: f64,
}

impl Schedule {
    pub fn new((t0, t1): (f64, f64), moves: usize, every: usize) -> Schedule {
        Schedule {
            t0,
            t1,
            moves,
            every: every.max(1),
            temperature: t0,
        }
    }

    /// The temperature at `step`; call it at every step, in order.
    pub fn at(&mut self, step: usize) -> f64 {
        if step % self.every == 0 {
            self.temperature = self.t0 * (self.t1 / self.t0).powf(step as f64 / self.moves as f64);
        }
        self.temperature
    }
}

/// The Metropolis rule: a change `delta` of the cost is accepted if it is
/// no worse, else with probability e^(−delta / temperature). The stream is
/// read only for a worse change.
pub fn accept(delta: f64, temperature: f64, rng: &mut impl Unit) -> bool {
    delta <= 0.0 || rng.unit() < (-delta / temperature).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_cools_geometrically_between_its_ends() {
        let mut s = Schedule::new((2.0, 0.02), 1000, 10);
        assert_eq!(s.at(0), 2.0);
        // Held between recomputations.
        assert_eq!(s.at(5), 2.0);
        let half = s.at(500);
        assert!((half - 0.2).abs() < 1e-12, "{half}");
        assert!(s.at(990) > 0.02 && s.at(990) < 0.03);
    }

    #[test]
    fn better_changes_are_accepted_without_reading_the_stream() {
        let mut a = SearchRng::new("d", "s");
        let mut b = SearchRng::new("d", "s");
        assert!(accept(-1.0, 1.0, &mut a));
        assert!(accept(0.0, 1e-9, &mut a));
        assert_eq!(a.next_word(), b.next_word());
        // A huge worsening at a tiny temperature is never accepted.
        assert!(!accept(1e9, 1e-3, &mut a));
    }
}
