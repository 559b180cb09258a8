//! LEGACY: the Sortition Foundation's original greedy draw, as a baseline.
//!
//! Each step takes the category value whose quota is most urgent — the
//! largest ratio (minimum − selected) / (people still available with it);
//! a value whose remaining people are all needed goes first — and picks a
//! uniformly random available person with that value. The chosen person's
//! housemates leave the pool, and so does everyone with a value whose maximum
//! is now reached. A dead end (a minimum that can no longer be met, or
//! nobody left) restarts the draw, continuing the same random stream, up to
//! a bounded number of attempts. Ties go to the value listed first in the
//! quotas file. Ratios are compared exactly (integer cross-multiplication).
//!
//! LEGACY meets the quotas but is not fair: some volunteers get a far lower
//! chance than the quotas force. It is kept for comparison and continuity.

use crate::error::Error;
use crate::model::instance::Instance;
use crate::model::panel::Panel;
use crate::random::DrawRng;

/// Default number of attempts before LEGACY gives up.
pub const DEFAULT_ATTEMPTS: u32 = 100;

/// A successful LEGACY draw.
#[derive(Debug, Clone)]
pub struct LegacyDraw {
    pub panel: Panel,
    /// Which attempt succeeded (1-based).
    pub attempt: u32,
}

/// Draws one panel, retrying dead ends up to `attempts` times.
pub fn draw(instance: &Instance, rng: &mut DrawRng, attempts: u32) -> Result<LegacyDraw, Error> {
    let mut last = String::new();
    for attempt in 1..=attempts.max(1) {
        match attempt_once(instance, rng) {
            Ok(panel) => return Ok(LegacyDraw { panel, attempt }),
            Err(why) => last = why,
        }
    }
    Err(Error::DrawFailed(format!(
        "LEGACY found no panel in {} attempts; the last dead end: {last}\n  what to do: run `kleroterion check` with the same inputs to see whether the quotas can be met at all; if they can, allow more attempts or use an optimising algorithm",
        attempts.max(1)
    )))
}

struct State<'a> {
    instance: &'a Instance,
    available: Vec<bool>,
    /// Per value: selected so far, and still available.
    selected: Vec<u32>,
    remaining: Vec<u32>,
}

impl State<'_> {
    fn remove(&mut self, i: usize) {
        if self.available[i] {
            self.available[i] = false;
            for &v in &self.instance.pool.people[i].values {
                self.remaining[v] -= 1;
            }
        }
    }
}

fn attempt_once(instance: &Instance, rng: &mut DrawRng) -> Result<Panel, String> {
    let q = &instance.quotas;
    let people = &instance.pool.people;
    let counts = instance.pool.value_counts(q);
    let mut st = State {
        instance,
        available: vec![true; instance.n()],
        selected: vec![0; q.values.len()],
        remaining: counts.iter().map(|&c| c as u32).collect(),
    };
    // Values whose maximum is 0 take nobody.
    for (v, quota) in q.values.iter().enumerate() {
        if quota.max == 0 {
            close_value(&mut st, v);
        }
    }
    let mut members = Vec::with_capacity(instance.k);
    for _ in 0..instance.k {
        let v = most_urgent(&st)?;
        let nth = rng.below(u64::from(st.remaining[v])) as usize;
        let c = q.values[v].category;
        let person = (0..people.len())
            .filter(|&i| st.available[i] && people[i].values[c] == v)
            .nth(nth)
            .expect("remaining counts match the available people");
        st.remove(person);
        members.push(person);
        for &pv in &people[person].values {
            st.selected[pv] += 1;
        }
        let housemates: Vec<usize> = instance.households.housemates(person).collect();
        for h in housemates {
            st.remove(h);
        }
        for &pv in &people[person].values {
            if st.selected[pv] >= q.values[pv].max {
                close_value(&mut st, pv);
            }
        }
    }
    for (v, quota) in q.values.iter().enumerate() {
        if st.selected[v] < quota.min {
            return Err(format!(
                "the panel was full with {} at {}, below its minimum {}",
                q.label(v),
                st.selected[v],
                quota.min
            ));
        }
    }
    Ok(Panel::new(members))
}

fn close_value(st: &mut State, v: usize) {
    let c = st.instance.quotas.values[v].category;
    for i in 0..st.instance.n() {
        if st.instance.pool.people[i].values[c] == v {
            st.remove(i);
        }
    }
}

/// The value to fill next, or why the draw is stuck.
fn most_urgent(st: &State) -> Result<usize, String> {
    let q = &st.instance.quotas;
    // (value, needed, remaining) of the best so far.
    let mut best: Option<(usize, i64, i64)> = None;
    for (v, quota) in q.values.iter().enumerate() {
        let needed = i64::from(quota.min) - i64::from(st.selected[v]);
        let remaining = i64::from(st.remaining[v]);
        if needed > remaining {
            return Err(format!(
                "{} needs {needed} more but only {remaining} remain available",
                q.label(v)
            ));
        }
        if remaining == 0 {
            continue;
        }
        if needed == remaining {
            return Ok(v);
        }
        // needed/remaining > best_needed/best_remaining, exactly.
        if best.is_none_or(|(_, bn, br)| needed * br > bn * remaining) {
            best = Some((v, needed, remaining));
        }
    }
    best.map(|(v, _, _)| v)
        .ok_or_else(|| "nobody is left who could join the panel".to_string())
}
