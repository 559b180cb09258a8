//! A panel: k people, and the check that it meets every rule.

use crate::model::instance::Instance;

/// A set of people (indices into the pool), kept sorted ascending.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Panel {
    members: Vec<usize>,
}

impl Panel {
    /// A panel of these people (order does not matter; duplicates are kept
    /// so that [`Panel::violations`] can report them).
    pub fn new(mut members: Vec<usize>) -> Panel {
        members.sort_unstable();
        Panel { members }
    }

    pub fn members(&self) -> &[usize] {
        &self.members
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    pub fn contains(&self, person: usize) -> bool {
        self.members.binary_search(&person).is_ok()
    }

    /// The panel's count of each quota value (indexed like `Quotas::values`).
    pub fn value_counts(&self, instance: &Instance) -> Vec<u32> {
        let mut counts = vec![0; instance.quotas.values.len()];
        for &i in &self.members {
            for &v in &instance.pool.people[i].values {
                counts[v] += 1;
            }
        }
        counts
    }

    /// Every rule this panel breaks, in words; empty when it is valid.
    pub fn violations(&self, instance: &Instance) -> Vec<String> {
        let mut out = Vec::new();
        let n = instance.n();
        if let Some(&bad) = self.members.iter().find(|&&i| i >= n) {
            out.push(format!("person index {bad} is outside the pool"));
            return out;
        }
        if self.members.len() != instance.k {
            out.push(format!(
                "the panel has {} members, not {}",
                self.members.len(),
                instance.k
            ));
        }
        if let Some(w) = self.members.windows(2).find(|w| w[0] == w[1]) {
            out.push(format!(
                "{} is on the panel twice",
                instance.pool.people[w[0]].id
            ));
        }
        let q = &instance.quotas;
        for (v, &c) in self.value_counts(instance).iter().enumerate() {
            let quota = &q.values[v];
            if c < quota.min || c > quota.max {
                out.push(format!(
                    "{}: {} on the panel, outside {}..{}",
                    q.label(v),
                    c,
                    quota.min,
                    quota.max
                ));
            }
        }
        for group in &instance.households.groups {
            let on: Vec<&str> = group
                .iter()
                .filter(|&&i| self.contains(i))
                .map(|&i| instance.pool.people[i].id.as_str())
                .collect();
            if on.len() > 1 {
                out.push(format!(
                    "one household has {} members on the panel: {}",
                    on.len(),
                    on.join(", ")
                ));
            }
        }
        out
    }
}
