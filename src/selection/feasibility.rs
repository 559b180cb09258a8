//! Can the quotas be met? Decided exactly by the panel integer program, with
//! the smallest relaxation of the bounds when they cannot, and the people who
//! fit on no feasible panel at all.

use std::collections::HashMap;
use std::fmt;

use crate::error::Error;
use crate::model::instance::Instance;
use crate::model::panel::Panel;
use crate::model::profiles::Profiles;
use crate::solver::{Model, Outcome, Sense, Settings, Var};

/// Which side of a quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Minimum,
    Maximum,
}

/// One bound to change so that the quotas can be met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundChange {
    /// Category-value label, `category=value`.
    pub label: String,
    pub side: Side,
    pub from: u32,
    pub to: u32,
}

impl fmt::Display for BoundChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let side = match self.side {
            Side::Minimum => "minimum",
            Side::Maximum => "maximum",
        };
        write!(f, "{}: {side} {} -> {}", self.label, self.from, self.to)
    }
}

/// The advice given when the quotas cannot be met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Relaxation {
    /// The smallest total change (sum of the changes) within min_flex and
    /// max_flex.
    WithinFlex(Vec<BoundChange>),
    /// No change within the flex limits works; this smallest one goes beyond.
    BeyondFlex(Vec<BoundChange>),
    /// No change of the quotas helps: the pool (after the household rule) is
    /// too small for the panel size.
    None,
}

/// The answer of [`check`].
#[derive(Debug, Clone)]
pub struct Feasibility {
    /// A quota-satisfying panel, when one exists.
    pub example: Option<Panel>,
    /// When none exists: how to relax the quotas.
    pub relaxation: Option<Relaxation>,
    /// People who sit on no feasible panel (empty when infeasible).
    pub unselectable: Vec<usize>,
    /// Number of integer programs solved.
    pub solves: usize,
}

/// The panel integer program over profiles (interchangeable people, see
/// `model::profiles`): one integer count y_t ∈ [0, size_t] per profile,
/// Σy = k, each value's count within its bounds, at most one per
/// household (everyone in a household is a profile of one). Exactly the
/// per-person program, with as many variables as profiles instead of
/// people: a pool of 200,000 has a few thousand. Returns the model and the
/// counts.
fn panel_model(instance: &Instance, profiles: &Profiles, sense: Sense) -> (Model, Vec<Var>) {
    let mut m = Model::new(sense);
    let y = counts(profiles, &mut m);
    add_panel_rows(instance, profiles, &mut m, &y);
    for (v, q) in instance.quotas.values.iter().enumerate() {
        m.row(
            f64::from(q.min),
            f64::from(q.max),
            value_terms(instance, profiles, &y, v),
        );
    }
    (m, y)
}

fn counts(profiles: &Profiles, m: &mut Model) -> Vec<Var> {
    profiles
        .profiles
        .iter()
        .map(|t| m.integer(0.0, t.size() as f64, 0.0))
        .collect()
}

/// Size and household rows, shared by every panel model.
fn add_panel_rows(instance: &Instance, profiles: &Profiles, m: &mut Model, y: &[Var]) {
    let k = instance.k as f64;
    m.row(k, k, y.iter().map(|&v| (v, 1.0)).collect());
    for group in &profiles.households {
        m.row(
            f64::NEG_INFINITY,
            1.0,
            group.iter().map(|&t| (y[t], 1.0)).collect(),
        );
    }
}

fn value_terms(instance: &Instance, profiles: &Profiles, y: &[Var], v: usize) -> Vec<(Var, f64)> {
    let c = instance.quotas.values[v].category;
    profiles
        .profiles
        .iter()
        .zip(y)
        .filter(|(t, _)| t.values[c] == v)
        .map(|(_, &yt)| (yt, 1.0))
        .collect()
}

/// The panel of the counts: the first y_t members of each profile.
fn panel_from(solution: &crate::solver::Solution, profiles: &Profiles, y: &[Var]) -> Panel {
    let mut members: Vec<usize> = profiles
        .profiles
        .iter()
        .zip(y)
        .flat_map(|(t, &yt)| {
            let take = usize::try_from(solution.int(yt).max(0)).unwrap_or(0);
            t.members.iter().copied().take(take)
        })
        .collect();
    members.sort_unstable();
    Panel::new(members)
}

/// A quota-satisfying panel that maximises the total weight of the
/// profiles it seats someone of (a profile's weight: its members' weights
/// summed), if any panel exists. With 0/1 weights marking people not yet
/// covered, that is the number of them a panel covers (anyone of a seated
/// profile could take that seat).
pub fn best_panel(
    instance: &Instance,
    profiles: &Profiles,
    weights: &[f64],
    settings: &Settings,
) -> Result<Option<(Panel, f64)>, Error> {
    let (mut m, y) = panel_model(instance, profiles, Sense::Maximise);
    for (t, &yt) in profiles.profiles.iter().zip(&y) {
        let weight: f64 = t.members.iter().map(|&i| weights[i]).sum();
        if weight > 0.0 {
            // seated ≤ y_t: the profile's weight counts once it has a seat.
            let seated = m.binary(weight);
            m.row(f64::NEG_INFINITY, 0.0, vec![(seated, 1.0), (yt, -1.0)]);
        }
    }
    match m.solve(settings)? {
        Outcome::Optimal(s) => Ok(Some((panel_from(&s, profiles, &y), s.objective))),
        Outcome::Infeasible => Ok(None),
        Outcome::TimedOut(_) => Err(Error::Solver(
            "the panel program hit the solver's time limit".into(),
        )),
    }
}

/// Decides feasibility exactly; when infeasible, computes the smallest
/// relaxation; when feasible, finds the people who fit on no panel.
pub fn check(instance: &Instance, settings: &Settings) -> Result<Feasibility, Error> {
    let n = instance.n();
    let profiles = Profiles::new(instance);
    let mut solves = 1;
    let Some((example, _)) = best_panel(instance, &profiles, &vec![0.0; n], settings)? else {
        let (relaxation, s) = smallest_relaxation(instance, &profiles, settings)?;
        return Ok(Feasibility {
            example: None,
            relaxation: Some(relaxation),
            unselectable: Vec::new(),
            solves: solves + s,
        });
    };
    let (unselectable, s) = unselectable_people(instance, &profiles, &example, settings)?;
    solves += s;
    Ok(Feasibility {
        example: Some(example),
        relaxation: None,
        unselectable,
        solves,
    })
}

/// People in no feasible panel. Starting from one feasible panel, covers
/// people panel by panel. A panel covers everyone who could swap in for a
/// member of the same profile without breaking the household rule; from
/// each panel, single swaps that keep every quota (one member out, one
/// person of an uncovered profile in) give further panels at no solver
/// cost; only when no swap helps does a round solve for the panel seating
/// the most uncovered people, and when that maximum is 0 the rest are
/// proven unselectable.
pub fn unselectable_people(
    instance: &Instance,
    profiles: &Profiles,
    first: &Panel,
    settings: &Settings,
) -> Result<(Vec<usize>, usize), Error> {
    let n = instance.n();
    let people = &instance.pool.people;
    let mut by_profile: HashMap<&[usize], Vec<usize>> = HashMap::new();
    for (i, p) in people.iter().enumerate() {
        by_profile.entry(p.values.as_slice()).or_default().push(i);
    }
    let mut covered = vec![false; n];
    let cover = |panel: &Panel, covered: &mut Vec<bool>| {
        for &m in panel.members() {
            for &j in &by_profile[people[m].values.as_slice()] {
                if covered[j] {
                    continue;
                }
                // j can replace m unless one of j's housemates (other than m)
                // is on the panel.
                let blocked = instance
                    .households
                    .housemates(j)
                    .any(|h| h != m && panel.contains(h));
                if !blocked {
                    covered[j] = true;
                }
            }
        }
    };
    let mut solves = 0;
    let mut panel = first.clone();
    loop {
        let mut queue = vec![panel];
        while let Some(p) = queue.pop() {
            cover(&p, &mut covered);
            // One person per profile not yet covered (a profile of people
            // without housemates is covered whole or not at all; everyone
            // in a household is a profile of one).
            for t in &profiles.profiles {
                let j = t.members[0];
                if covered[j] {
                    continue;
                }
                if let Some(next) = swapped_in(instance, &p, j) {
                    cover(&next, &mut covered);
                    queue.push(next);
                }
            }
        }
        if covered.iter().all(|&c| c) {
            return Ok((Vec::new(), solves));
        }
        let weights: Vec<f64> = covered.iter().map(|&c| if c { 0.0 } else { 1.0 }).collect();
        solves += 1;
        match best_panel(instance, profiles, &weights, settings)? {
            Some((p, value)) if value > 0.5 => panel = p,
            _ => {
                return Ok(((0..n).filter(|&i| !covered[i]).collect(), solves));
            }
        }
    }
}

/// `panel` with person `j` in place of one member, if some member can go
/// without breaking a quota or the household rule.
fn swapped_in(instance: &Instance, panel: &Panel, j: usize) -> Option<Panel> {
    let people = &instance.pool.people;
    let values = &instance.quotas.values;
    if panel.contains(j) {
        return None;
    }
    let mut count = vec![0u32; values.len()];
    for &m in panel.members() {
        for &v in &people[m].values {
            count[v] += 1;
        }
    }
    let out = panel.members().iter().copied().find(|&m| {
        let keeps = people[m]
            .values
            .iter()
            .zip(&people[j].values)
            .all(|(&vm, &vj)| {
                vm == vj || (count[vm] > values[vm].min && count[vj] < values[vj].max)
            });
        keeps
            && !instance
                .households
                .housemates(j)
                .any(|h| h != m && panel.contains(h))
    })?;
    let members: Vec<usize> = panel
        .members()
        .iter()
        .map(|&m| if m == out { j } else { m })
        .collect();
    Some(Panel::new(members))
}

/// The smallest total change of bounds that makes the quotas feasible.
fn smallest_relaxation(
    instance: &Instance,
    profiles: &Profiles,
    settings: &Settings,
) -> Result<(Relaxation, usize), Error> {
    if let Some(changes) = relax(instance, profiles, true, settings)? {
        return Ok((Relaxation::WithinFlex(changes), 1));
    }
    if let Some(changes) = relax(instance, profiles, false, settings)? {
        return Ok((Relaxation::BeyondFlex(changes), 2));
    }
    Ok((Relaxation::None, 2))
}

fn relax(
    instance: &Instance,
    profiles: &Profiles,
    respect_flex: bool,
    settings: &Settings,
) -> Result<Option<Vec<BoundChange>>, Error> {
    let k = instance.k as f64;
    let mut m = Model::new(Sense::Minimise);
    let y = counts(profiles, &mut m);
    add_panel_rows(instance, profiles, &mut m, &y);
    let q = &instance.quotas;
    // Smallest total change first; among those, the fewest bounds changed
    // (a typo'd bound is then fixed where it is, not spread over others):
    // each unit of change costs more than changing every bound at once.
    let per_unit = 2.0 * q.values.len() as f64 + 1.0;
    let mut slacks = Vec::with_capacity(q.values.len());
    for (v, quota) in q.values.iter().enumerate() {
        let (min, max) = (f64::from(quota.min), f64::from(quota.max));
        let (down, up) = if respect_flex {
            (
                min - f64::from(quota.min_flex),
                quota.max_flex.map_or(k, |f| f64::from(f) - max).max(0.0),
            )
        } else {
            (min, k)
        };
        let lo = m.integer(0.0, down, per_unit);
        let hi = m.integer(0.0, up, per_unit);
        // Whether each bound changes at all (slack ≤ its range × used).
        for (slack, range) in [(lo, down), (hi, up)] {
            let used = m.binary(1.0);
            m.row(f64::NEG_INFINITY, 0.0, vec![(slack, 1.0), (used, -range)]);
        }
        let mut terms = value_terms(instance, profiles, &y, v);
        terms.push((lo, 1.0));
        m.row(min, f64::INFINITY, terms);
        let mut terms = value_terms(instance, profiles, &y, v);
        terms.push((hi, -1.0));
        m.row(f64::NEG_INFINITY, max, terms);
        slacks.push((lo, hi));
    }
    let s = match m.solve(settings)? {
        Outcome::Optimal(s) => s,
        Outcome::Infeasible => return Ok(None),
        Outcome::TimedOut(_) => {
            return Err(Error::Solver(
                "the relaxation program hit the solver's time limit".into(),
            ));
        }
    };
    let mut changes = Vec::new();
    for (v, &(lo, hi)) in slacks.iter().enumerate() {
        let quota = &q.values[v];
        let (down, up) = (s.int(lo) as u32, s.int(hi) as u32);
        if down > 0 {
            changes.push(BoundChange {
                label: q.label(v),
                side: Side::Minimum,
                from: quota.min,
                to: quota.min - down,
            });
        }
        if up > 0 {
            changes.push(BoundChange {
                label: q.label(v),
                side: Side::Maximum,
                from: quota.max,
                to: quota.max + up,
            });
        }
    }
    Ok(Some(changes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing::{instance, twelve};

    #[test]
    fn a_feasible_instance_has_a_checked_example_and_no_relaxation() {
        let inst = twelve();
        let f = check(&inst, &Settings::default()).unwrap();
        assert!(f.relaxation.is_none());
        let example = f.example.expect("an example panel");
        assert!(example.violations(&inst).is_empty());
        assert!(f.unselectable.is_empty());
    }

    #[test]
    fn among_the_smallest_relaxations_the_one_changing_fewest_bounds_wins() {
        // Minimums add up to 12 for a panel of 10: lowering A's minimum by
        // 2 and lowering B's and C's by 1 each cost the same total; the
        // first changes one bound.
        let mut pool = String::from("id,region\n");
        for (i, r) in ["A"; 12]
            .iter()
            .chain(&["B"; 4])
            .chain(&["C"; 4])
            .chain(&["D"; 4])
            .chain(&["E"; 4])
            .enumerate()
        {
            pool.push_str(&format!("{i},{r}\n"));
        }
        let inst = instance(
            &pool,
            "feature,value,min,max\nregion,A,8,10\nregion,B,1,4\nregion,C,1,4\nregion,D,1,4\nregion,E,1,4\n",
            10,
            &[],
        );
        let f = check(&inst, &Settings::default()).unwrap();
        let Some(Relaxation::WithinFlex(changes) | Relaxation::BeyondFlex(changes)) = f.relaxation
        else {
            panic!("expected a relaxation, got {:?}", f.relaxation);
        };
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!((changes[0].label.as_str(), changes[0].to), ("region=A", 6));
    }

    #[test]
    fn the_smallest_relaxation_changes_one_bound_by_one() {
        // Three women needed, but the other quotas leave room for two: the
        // cheapest fix is one bound moved by one.
        let pool = "id,gender\n1,f\n2,f\n3,f\n4,m\n5,m\n6,m\n";
        let inst = instance(
            pool,
            "feature,value,min,max\ngender,f,3,3\ngender,m,2,2\n",
            4,
            &[],
        );
        let f = check(&inst, &Settings::default()).unwrap();
        let Some(Relaxation::WithinFlex(changes) | Relaxation::BeyondFlex(changes)) = f.relaxation
        else {
            panic!("expected a relaxation, got {:?}", f.relaxation);
        };
        let total: u32 = changes.iter().map(|c| c.from.abs_diff(c.to)).sum();
        assert_eq!(total, 1, "{changes:?}");
        assert!(f.example.is_none() && f.unselectable.is_empty());
    }

    #[test]
    fn too_few_independent_people_need_more_volunteers_not_other_quotas() {
        // Four people in two households cannot fill a panel of three.
        let pool = "id,gender,street\n1,f,a\n2,m,a\n3,f,b\n4,m,b\n";
        let inst = instance(
            pool,
            "feature,value,min,max\ngender,f,0,3\ngender,m,0,3\n",
            3,
            &["street"],
        );
        let f = check(&inst, &Settings::default()).unwrap();
        assert!(matches!(f.relaxation, Some(Relaxation::None)));
    }

    #[test]
    fn people_who_fit_no_panel_are_found() {
        // p1 is a young woman; a panel of 2 needs one woman, one man, one
        // young and one old, and there is no old man.
        let inst = instance(
            "id,gender,age\np1,f,young\np2,f,old\np3,m,young\n",
            "feature,value,min,max\ngender,f,1,1\ngender,m,1,1\nage,young,1,1\nage,old,1,1\n",
            2,
            &[],
        );
        let f = check(&inst, &Settings::default()).unwrap();
        assert!(f.relaxation.is_none());
        assert_eq!(f.unselectable, vec![0]);
    }
}
