//! Why each volunteer has the chance they have, in words, from the quotas
//! that bind on average.
//!
//! For a quota value v with n_v volunteers, the panel's expected count of
//! v is E_v = Σ_{i has v} π_i, and its members' average chance is E_v / n_v.
//! Every panel of the lottery has at least min_v and at most max_v of them,
//! so when E_v equals max_v, every panel has exactly max_v (the cap binds:
//! the group's chances cannot rise on average), and likewise for min_v (the
//! floor binds: the group must fill its seats whatever its size). A person
//! below k/n is explained by the most restrictive binding cap among their
//! values, a person above k/n by the most demanding binding floor. These
//! facts are read off the published probabilities and quotas alone, so a
//! reader can check each sentence.

use crate::model::instance::Instance;

/// A chance at or above this is reported as near-certain.
pub const NEAR_CERTAIN: f64 = 0.9999;
/// E_v within this of a bound (in seats) counts as binding.
const BINDS: f64 = 1e-6;
/// A chance at or below this is none: the person fits on no panel.
pub const NONE: f64 = 1e-12;

/// Which bound of a quota binds on average.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Binds {
    Min,
    Max,
}

/// The facts about one quota value.
#[derive(Debug, Clone)]
pub struct ValueFact {
    /// Volunteers with this value.
    pub pool: usize,
    /// Those of them who fit on some panel (chance above 0): the average
    /// is over them, since the others' zero says nothing about the quota.
    pub live: usize,
    /// Expected panel members with it.
    pub expected: f64,
    /// Their average chance.
    pub average: f64,
    /// Every panel has exactly the minimum of them.
    pub at_min: bool,
    /// Every panel has exactly the maximum of them.
    pub at_max: bool,
}

impl ValueFact {
    pub fn binds(&self, side: Binds) -> bool {
        match side {
            Binds::Min => self.at_min,
            Binds::Max => self.at_max,
        }
    }
}

/// Where a person's chance lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    /// In no feasible panel.
    Zero,
    /// At the lowest chance anyone has (above 0).
    Lowest,
    Below,
    Above,
    NearCertain,
}

impl Class {
    pub fn name(self) -> &'static str {
        match self {
            Class::Zero => "no chance (fits no panel)",
            Class::Lowest => "lowest chance",
            Class::Below => "below k/n",
            Class::Above => "k/n or above",
            Class::NearCertain => "near-certain",
        }
    }
}

/// Every value's facts and every person's class and reason.
#[derive(Debug, Clone)]
pub struct Explanations {
    pub values: Vec<ValueFact>,
    pub class: Vec<Class>,
    /// The quota value (and its bound) that explains the person's
    /// chance, if one binds.
    pub reason: Vec<Option<(usize, Binds)>>,
    /// The lowest positive chance.
    pub lowest: f64,
    /// The median of the positive chances.
    pub median: f64,
    /// How many people have a positive chance (can be on some panel).
    pub live: usize,
}

impl Explanations {
    pub fn of(instance: &Instance, pi: &[f64]) -> Explanations {
        let q = &instance.quotas;
        let mut values: Vec<ValueFact> = q
            .values
            .iter()
            .map(|_| ValueFact {
                pool: 0,
                live: 0,
                expected: 0.0,
                average: 0.0,
                at_min: false,
                at_max: false,
            })
            .collect();
        for (p, person) in instance.pool.people.iter().enumerate() {
            for &v in &person.values {
                values[v].pool += 1;
                values[v].live += usize::from(pi[p] > NONE);
                values[v].expected += pi[p];
            }
        }
        for (v, f) in values.iter_mut().enumerate() {
            f.average = if f.live > 0 {
                f.expected / f.live as f64
            } else {
                0.0
            };
            let quota = &q.values[v];
            f.at_max = f.pool > 0 && (f.expected - f64::from(quota.max)).abs() <= BINDS;
            f.at_min =
                f.pool > 0 && quota.min > 0 && (f.expected - f64::from(quota.min)).abs() <= BINDS;
        }
        let mut positive: Vec<f64> = pi.iter().copied().filter(|&x| x > NONE).collect();
        positive.sort_by(f64::total_cmp);
        let lowest = positive.first().copied().unwrap_or(0.0);
        let ratio = instance.k as f64 / instance.n() as f64;
        let class: Vec<Class> = pi
            .iter()
            .map(|&x| {
                if x <= NONE {
                    Class::Zero
                } else if x <= lowest + 1e-9 {
                    Class::Lowest
                } else if x >= NEAR_CERTAIN {
                    Class::NearCertain
                } else if x < ratio {
                    Class::Below
                } else {
                    Class::Above
                }
            })
            .collect();
        // The average chance of those who can sit at all: a bound explains
        // a chance only if it holds its group below (cap) or above (floor)
        // this.
        let live = positive.len();
        let fair = instance.k as f64 / live.max(1) as f64;
        let reason = instance
            .pool
            .people
            .iter()
            .zip(&class)
            .map(|(person, &c)| {
                let want = match c {
                    Class::Zero => return None,
                    Class::Lowest | Class::Below => Binds::Max,
                    Class::Above | Class::NearCertain => Binds::Min,
                };
                let candidates = person
                    .values
                    .iter()
                    .copied()
                    // Only a bound that pulls the right way explains: a
                    // full cap on a group below k/n, a floor on one above.
                    .filter(|&v| {
                        values[v].binds(want)
                            && match want {
                                Binds::Max => values[v].average < fair,
                                Binds::Min => values[v].average > fair,
                            }
                    });
                // The most restrictive: the lowest average under a cap,
                // the highest under a floor; ties to the first value.
                let key = |v: usize| match want {
                    Binds::Max => values[v].average,
                    Binds::Min => -values[v].average,
                };
                candidates
                    .min_by(|&a, &b| key(a).total_cmp(&key(b)).then(a.cmp(&b)))
                    .map(|v| (v, want))
            })
            .collect();
        Explanations {
            values,
            class,
            reason,
            lowest,
            median: crate::report::quantile(&positive, 0.5),
            live,
        }
    }

    /// The sentence for a quota value binding at `side`.
    pub fn sentence(&self, instance: &Instance, v: usize, side: Binds) -> String {
        let q = &instance.quotas;
        let quota = &q.values[v];
        let f = &self.values[v];
        let k = instance.k as f64;
        let who = format!(
            "volunteers with {} \"{}\"",
            q.categories[quota.category].name, quota.name
        );
        // When quotas exclude some people outright (an eligibility
        // column), the group that matters is those who can sit at all.
        let (count, of, among) = if f.live < f.pool {
            (f.live, self.live, "of those who can be on a panel")
        } else {
            (f.pool, instance.n(), "of the pool")
        };
        let share = 100.0 * count as f64 / of.max(1) as f64;
        match side {
            Binds::Max => format!(
                "{who} are {share:.1}% {among} ({count} of {of}), but the quota allows at most {} of the {} seats ({:.1}%): every panel has exactly {}, so on average each of them has {:.2}%",
                quota.max,
                instance.k,
                100.0 * f64::from(quota.max) / k,
                quota.max,
                100.0 * f.average
            ),
            Binds::Min => format!(
                "{who} are {share:.1}% {among} ({count} of {of}), but the quota asks for at least {} of the {} seats ({:.1}%): every panel has exactly {}, so on average each of them has {:.2}%",
                quota.min,
                instance.k,
                100.0 * f64::from(quota.min) / k,
                quota.min,
                100.0 * f.average
            ),
        }
    }

    /// The words for a reason of people of `class`, for one person (the
    /// private lookup table) or a group of them (the reports).
    pub fn words(
        &self,
        instance: &Instance,
        reason: Option<(usize, Binds)>,
        class: Class,
    ) -> String {
        match (class, reason) {
            (Class::Zero, _) => "no panel that meets every quota can include them".to_string(),
            (_, Some((v, side))) => self.sentence(instance, v, side),
            (Class::Lowest | Class::Below, None) => "none of their quotas is full on every panel: their chance is what the seats left by the other groups' minimums allow".to_string(),
            (_, None) => "none of their quotas is at its minimum on every panel: their chance comes from how the groups' seats combine".to_string(),
        }
    }

    /// A person's reason in words (for the private lookup table).
    pub fn reason_of(&self, instance: &Instance, p: usize) -> String {
        self.words(instance, self.reason[p], self.class[p])
    }

    /// (reason value or None, people) among the people of `class`, the
    /// most common first (ties by value order).
    pub fn reasons_in(&self, class: Class) -> Vec<(Option<(usize, Binds)>, usize)> {
        let mut counts: std::collections::BTreeMap<Option<(usize, Binds)>, usize> =
            Default::default();
        for (c, r) in self.class.iter().zip(&self.reason) {
            if *c == class {
                *counts.entry(*r).or_insert(0) += 1;
            }
        }
        let mut out: Vec<(Option<(usize, Binds)>, usize)> = counts.into_iter().collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        out
    }

    pub fn count(&self, class: Class) -> usize {
        self.class.iter().filter(|&&c| c == class).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_cap_explains_the_low_and_a_full_floor_the_high() {
        // Six women and two men; a panel of two with exactly one of each:
        // every panel has one woman (1/6 each) and one man (1/2 each).
        let instance = crate::model::testing::instance(
            "id,gender\n1,f\n2,f\n3,f\n4,f\n5,f\n6,f\n7,m\n8,m\n",
            "feature,value,min,max\ngender,f,1,1\ngender,m,1,1\n",
            2,
            &[],
        );
        let pi = [1.0 / 6.0; 6]
            .into_iter()
            .chain([0.5, 0.5])
            .collect::<Vec<_>>();
        let e = Explanations::of(&instance, &pi);
        assert_eq!(e.count(Class::Lowest), 6);
        assert_eq!(e.count(Class::Above), 2);
        assert!(e.values[0].at_max && e.values[0].at_min);
        assert_eq!(e.reason[0], Some((0, Binds::Max)));
        assert_eq!(e.reason[7], Some((1, Binds::Min)));
        let s = e.reason_of(&instance, 0);
        assert!(s.contains("at most 1 of the 2 seats"), "{s}");
        assert!(s.contains("16.67%"), "{s}");
        let s = e.reason_of(&instance, 7);
        assert!(
            s.contains("at least 1 of the 2 seats") && s.contains("50.00%"),
            "{s}"
        );
    }
}
