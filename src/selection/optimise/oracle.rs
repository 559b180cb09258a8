//! The pricing program: the quota-satisfying panel worth most at given
//! weights per profile.

use super::*;
use crate::solver::{LogColumn, LogProgram};

/// LEXIMIN over the quota polytope's LP relaxation: maximise z with every
/// unfixed selectable profile's share (count / size) at least z and every
/// fixed one at least its value. Every distribution over panels lies in the
/// polytope, so each stage's optimum bounds that stage from above. One LP,
/// kept warm from stage to stage.
pub(super) struct RelaxedLeximin {
    lp: Lp,
    share_rows: Vec<Option<LpRow>>,
    x: Vec<LpCol>,
    z: LpCol,
    sizes: Vec<f64>,
    /// Per quota value: its row, and its bounds (min, max).
    value_rows: Vec<LpRow>,
    bounds: Vec<(f64, f64)>,
    /// The panel-size row and, per household group, its row.
    size_row: LpRow,
    household_rows: Vec<LpRow>,
}

/// The optimum of one stage of [`RelaxedLeximin`].
pub(super) struct RelaxedStage {
    /// The stage's value z.
    pub(super) value: f64,
    /// Dual price per profile (0 for unselectable ones), signed so that the
    /// unfixed ones sum to 1.
    pub(super) prices: Vec<f64>,
    /// Share (count / size) per profile in the optimal point.
    pub(super) shares: Vec<f64>,
    /// The quota bounds that bind the stage: (value, at its minimum?) for
    /// each value whose row has a nonzero dual at a bound.
    pub(super) binding: Vec<(usize, bool)>,
    /// The stage LP's dual solution, signed like `prices`.
    pub(super) dual: StageDual,
}

/// A quota value's row dual above this (the stage's objective is z ≤ 1)
/// marks its bound as binding the stage.
const BINDING_DUAL: f64 = 1e-9;

impl RelaxedLeximin {
    /// Solves the current stage; None if the LP fails (numerically).
    pub(super) fn stage(&mut self, fixed: &[Option<f64>]) -> Option<RelaxedStage> {
        let solution = self.lp.solve().ok()?;
        let raw: Vec<f64> = self
            .share_rows
            .iter()
            .map(|r| r.map_or(0.0, |r| solution.dual(r)))
            .collect();
        let unfixed = |t: usize| f64::from(u8::from(fixed[t].is_none()));
        // The share rows' prices are made positive; the other rows enter a
        // count column's reduced cost with the opposite sign to its share
        // row (the share row's coefficient is on the other side of "≥"),
        // so their multipliers take the opposite sign.
        let weighted: f64 = raw.iter().enumerate().map(|(t, v)| unfixed(t) * v).sum();
        let sign = if weighted < 0.0 { 1.0 } else { -1.0 };
        let prices = signed_prices(raw, unfixed);
        let dual = StageDual {
            prices: prices.clone(),
            size: sign * solution.dual(self.size_row),
            values: self
                .value_rows
                .iter()
                .map(|&r| sign * solution.dual(r))
                .collect(),
            households: self
                .household_rows
                .iter()
                .map(|&r| (sign * solution.dual(r)).max(0.0))
                .collect(),
        };
        let binding = self
            .value_rows
            .iter()
            .zip(&self.bounds)
            .enumerate()
            .filter(|(_, (r, _))| solution.dual(**r).abs() > BINDING_DUAL)
            .filter_map(|(v, (&r, &(min, max)))| {
                // In this maximisation a positive dual is a maximum that
                // holds the stage down, a negative one a minimum (the side
                // is told by the sign, since a quota's minimum may equal its
                // maximum), and the row must be at that bound.
                let at = solution.row_value(r);
                if solution.dual(r) > 0.0 && at >= max - 1e-6 {
                    Some((v, false))
                } else if solution.dual(r) < 0.0 && at <= min + 1e-6 {
                    Some((v, true))
                } else {
                    None
                }
            })
            .collect();
        Some(RelaxedStage {
            binding,
            dual,
            value: solution.objective,
            prices,
            shares: self
                .x
                .iter()
                .zip(&self.sizes)
                .map(|(&c, &size)| solution.value(c) / size)
                .collect(),
        })
    }

    /// Fixes a profile's share at `value` for the stages to come.
    pub(super) fn fix(&mut self, t: usize, value: f64) {
        let r = self.share_rows[t].expect("only selectable profiles are fixed");
        self.lp.set_coef(r, self.z, 0.0);
        self.lp.set_row_bounds(r, value, f64::INFINITY);
    }
}

/// The quota polytope as an LP: its count columns (one per profile) and
/// its rows.
struct Polytope {
    lp: Lp,
    x: Vec<LpCol>,
    size_row: LpRow,
    value_rows: Vec<LpRow>,
    /// Per household group (of `Profiles::households`).
    household_rows: Vec<LpRow>,
}

/// The dual solution of a stage of the relaxation's LEXIMIN: with the
/// columns' bound duals (which a checker recomputes), a certificate of the
/// stage's bound that needs no solver (docs/certificate-spec.md).
#[derive(Debug, Clone, PartialEq)]
pub struct StageDual {
    /// Per profile, the price of its share row (share ≥ z, or ≥ its value
    /// once fixed): ≥ 0.
    pub prices: Vec<f64>,
    /// The panel-size row's multiplier (free).
    pub size: f64,
    /// Per quota value: positive, a multiplier of its maximum; negative,
    /// minus a multiplier of its minimum.
    pub values: Vec<f64>,
    /// Per household group: the multiplier of "at most one" (≥ 0).
    pub households: Vec<f64>,
}

/// The narrowest band of shares over the quota polytope's LP relaxation:
/// for a floor L, the least U with L ≤ every selectable profile's share ≤ U.
/// One LP, kept warm as the floor moves (Goldilocks' search).
pub(super) struct RelaxedBand {
    lp: Lp,
    x: Vec<LpCol>,
    floor_rows: Vec<Option<LpRow>>,
    u: LpCol,
    sizes: Vec<f64>,
}

impl RelaxedBand {
    /// (U, shares) at this floor; None if no point of the polytope has
    /// every share ≥ floor (or the LP fails).
    pub(super) fn at(&mut self, floor: f64) -> Option<(f64, Vec<f64>)> {
        for r in self.floor_rows.iter().flatten() {
            self.lp.set_row_bounds(*r, floor, f64::INFINITY);
        }
        let solution = self.lp.solve().ok()?;
        let shares = self
            .x
            .iter()
            .zip(&self.sizes)
            .zip(&self.floor_rows)
            .map(|((&c, &size), r)| match r {
                Some(_) => solution.value(c) / size,
                None => 0.0,
            })
            .collect();
        Some((solution.value(self.u), shares))
    }
}

/// The relaxation's NASH, solved.
pub(super) struct RelaxedNashOptimum {
    /// Share (count / size) per profile; 0 for unselectable ones.
    pub(super) shares: Vec<f64>,
    /// Σ size·log share at `shares` (a lower bound on the optimum) and the
    /// least Lagrangian bound met (an upper bound).
    pub(super) value: f64,
    pub(super) bound: f64,
    pub(super) lp_solves: usize,
}

/// A breakpoint is added for a profile whose best one prices above this
/// (per person; the relaxation's LP is solved to [`NASH_LP_TOLERANCE`]).
const NEW_BREAKPOINT: f64 = 1e-9;
/// Primal and dual feasibility tolerance of the relaxation's NASH LP: at
/// HiGHS's default 1e-7 its duals price breakpoints too coarsely for the
/// bound to come close.
const NASH_LP_TOLERANCE: f64 = 1e-9;

/// Breakpoints around the interior-point method's share p are taken at
/// p·(1 ± this) besides p: the logarithm between them is within about
/// this²/8 of its chord, per person, well inside the relaxation's gap,
/// so an approximate optimum closer than this needs few more breakpoints.
const SEED_SPREAD: f64 = 1e-4;

/// Smallest share a breakpoint is taken at: a profile at 0 would make the
/// objective −∞, never optimal.
const NASH_FLOOR: f64 = 1e-9;

/// NASH over the quota polytope's LP relaxation by inner approximation:
/// each selectable profile's share is a mixture of breakpoints p (columns
/// worth size·log p), so the LP's point lies in the polytope and its
/// Σ size·log share is a lower bound; a breakpoint is added per profile
/// where the LP's duals price one positively, at the share that prices
/// best (a one-variable problem with a closed form). The duals also give an
/// upper bound (Lagrangian: the LP's optimum plus each profile's best
/// price). New breakpoints are columns, which keep the LP's basis primal
/// feasible, so each re-solve takes few iterations.
pub(super) struct RelaxedNash {
    lp: Lp,
    x: Vec<LpCol>,
    /// Per selectable profile: the row x_t = Σ w·p·size, and Σ w = 1.
    link: Vec<Option<(LpRow, LpRow)>>,
    sizes: Vec<f64>,
}

impl RelaxedNash {
    fn breakpoint(&mut self, t: usize, p: f64) {
        let (link, convex) = self.link[t].expect("selectable");
        self.lp.add_col(
            self.sizes[t] * p.ln(),
            0.0,
            f64::INFINITY,
            &[(link, -p * self.sizes[t]), (convex, 1.0)],
        );
    }

    /// Solves until the Lagrangian bound is within `gap` (absolute, in
    /// Σ size·log) of the LP's point, or no breakpoint prices positively,
    /// or `max_rounds` LPs; None if an LP fails or the deadline comes first.
    pub(super) fn solve(
        &mut self,
        gap: f64,
        max_rounds: usize,
        deadline: Option<Instant>,
    ) -> Option<RelaxedNashOptimum> {
        let n = self.x.len();
        let mut best: Option<RelaxedNashOptimum> = None;
        for round in 1..=max_rounds {
            // The first LP starts from nothing: the interior-point method
            // (with crossover to a basis for the later rounds) took a
            // fraction of the simplex method's time (measured:
            // docs/benchmarks.md, section Selection history).
            let solution = if round == 1 {
                self.lp.solve_afresh_until(deadline)
            } else {
                self.lp.solve_until(deadline)
            }
            .ok()?;
            let shares: Vec<f64> = (0..n)
                .map(|t| match self.link[t] {
                    Some(_) => solution.value(self.x[t]) / self.sizes[t],
                    None => 0.0,
                })
                .collect();
            let value: f64 = (0..n)
                .filter(|&t| self.link[t].is_some())
                .map(|t| self.sizes[t] * shares[t].max(NASH_FLOOR).ln())
                .sum();
            // Each profile's best new breakpoint at the duals (reduced cost
            // c − aᵀy: size·log p + p·size·y_link − y_convex).
            let mut priced = Vec::new();
            let mut lagrangian = solution.objective;
            for t in 0..n {
                let Some((link, convex)) = self.link[t] else {
                    continue;
                };
                let (y_link, y_convex) = (solution.dual(link), solution.dual(convex));
                let p = if y_link < 0.0 {
                    (-1.0 / y_link).clamp(NASH_FLOOR, 1.0)
                } else {
                    1.0
                };
                let reduced = self.sizes[t] * (p.ln() + p * y_link) - y_convex;
                if reduced > 0.0 {
                    lagrangian += reduced;
                    if reduced > NEW_BREAKPOINT * self.sizes[t] {
                        priced.push((t, p));
                    }
                }
            }
            let bound = best
                .as_ref()
                .map_or(lagrangian, |b| b.bound.min(lagrangian));
            if best.as_ref().is_none_or(|b| value > b.value) {
                best = Some(RelaxedNashOptimum {
                    shares,
                    value,
                    bound,
                    lp_solves: round,
                });
            } else if let Some(b) = &mut best {
                b.bound = bound;
                b.lp_solves = round;
            }
            if best.as_ref().is_some_and(|b| b.bound - b.value <= gap) || priced.is_empty() {
                return best;
            }
            for (t, p) in priced {
                self.breakpoint(t, p);
            }
        }
        best
    }
}

/// Finds quota-satisfying profile panels: the pricing integer program.
pub struct PanelOracle<'a> {
    pub(super) instance: &'a Instance,
    profiles: &'a Profiles,
    settings: Settings,
    /// Per profile: upper bound on its count (its size, or 0 if excluded).
    upper: Vec<u32>,
    /// Per quota value: the profiles having it.
    by_value: Vec<Vec<usize>>,
    pub solves: usize,
    /// Seconds spent in the pricing program.
    pub seconds: f64,
    /// The pricing program's LP relaxation, kept warm between calls.
    relaxation: Option<(Lp, Vec<LpCol>)>,
    pub relaxed_solves: usize,
    /// The polytope's LP, its bounds set to each face in turn (the peel).
    face_lp: Option<Polytope>,
}

/// A vertex's count this close to an integer is taken as that integer.
const INTEGRAL: f64 = 1e-7;
/// A reduced cost this close to 0 counts as 0.
const REDUCED_COST: f64 = 1e-9;
/// How many counts with a nonzero reduced cost, the smallest, the small
/// program of [`PanelOracle::near_optimal_on`] may move besides those at 0:
/// 16 first, and 32 where that has no panel. The smaller program is
/// quicker but has no panel on more faces, and then the whole program,
/// slower still, decided; 32 alone was slower over the benchmark's pools
/// (measured: docs/benchmarks.md, section Selection history).
const NEAR_OPTIMAL: [usize; 2] = [16, 32];

/// A face of the quota polytope (or the whole of it): bounds per quota
/// value and per profile count, and households that must be seated.
#[derive(Debug, Clone)]
pub(super) struct Face {
    pub(super) value_min: Vec<u32>,
    pub(super) value_max: Vec<u32>,
    pub(super) lower: Vec<u32>,
    pub(super) upper: Vec<u32>,
    pub(super) full_households: Vec<usize>,
}

impl Face {
    /// The least number of a household's members a panel seats.
    fn household_min(&self, h: usize) -> f64 {
        if self.full_households.contains(&h) {
            1.0
        } else {
            f64::NEG_INFINITY
        }
    }
}

impl<'a> PanelOracle<'a> {
    pub fn new(instance: &'a Instance, profiles: &'a Profiles, settings: Settings) -> Self {
        let mut by_value = vec![Vec::new(); instance.quotas.values.len()];
        for (t, p) in profiles.profiles.iter().enumerate() {
            for &v in &p.values {
                by_value[v].push(t);
            }
        }
        PanelOracle {
            instance,
            profiles,
            settings,
            upper: profiles.profiles.iter().map(|p| p.size() as u32).collect(),
            by_value,
            solves: 0,
            seconds: 0.0,
            relaxation: None,
            relaxed_solves: 0,
            face_lp: None,
        }
    }

    /// The smallest face of the quota polytope holding `counts` (an
    /// expected count per profile): the quota values whose expected count
    /// is at a bound, and the profiles at 0 or at their size, held there,
    /// and households seated for sure. Every panel of a distribution with
    /// these expected counts lies on it (a valid inequality tight at a
    /// mixture is tight at each of its points).
    pub(super) fn face_of(&self, counts: &[f64]) -> Face {
        const AT_BOUND: f64 = 1e-9;
        let mut face = self.whole();
        for v in 0..face.value_min.len() {
            let count: f64 = self.by_value[v].iter().map(|&t| counts[t]).sum();
            if count >= f64::from(face.value_max[v]) - AT_BOUND {
                face.value_min[v] = face.value_max[v];
            } else if count <= f64::from(face.value_min[v]) + AT_BOUND {
                face.value_max[v] = face.value_min[v];
            }
        }
        for (t, &c) in counts.iter().enumerate() {
            if c <= AT_BOUND {
                face.upper[t] = 0;
            } else if c >= f64::from(self.upper[t]) - AT_BOUND {
                face.lower[t] = self.upper[t];
            }
        }
        for (h, group) in self.profiles.households.iter().enumerate() {
            if group.iter().map(|&t| counts[t]).sum::<f64>() >= 1.0 - AT_BOUND {
                face.full_households.push(h);
            }
        }
        face
    }

    /// A panel on the face worth nearly the most at these weights, found
    /// cheaply: the face's LP is solved (kept warm from face to face), and
    /// an integer program over the counts whose reduced cost is 0 or among
    /// the [`NEAR_OPTIMAL`] smallest, all others held at the LP's values.
    /// Counts with a large reduced cost rarely move in good panels, so the
    /// small program is nearly always feasible and its panel close to the
    /// LP's bound, at a fraction of the whole program's cost (measured:
    /// docs/benchmarks.md, section Selection history). None when the LP
    /// fails or the small program has no solution: the caller asks the
    /// whole program.
    pub(super) fn near_optimal_on(
        &mut self,
        face: &Face,
        weights: &[f64],
    ) -> Result<Option<ProfilePanel>, Error> {
        if self.face_lp.is_none() {
            let mut polytope = self.polytope();
            // From face to face bounds tighten and costs change: the
            // dual simplex method re-solves faster than the primal one
            // the other LPs use (measured: docs/benchmarks.md, section
            // Selection history).
            polytope.lp.prefer_dual_simplex();
            self.face_lp = Some(polytope);
        }
        let polytope = self.face_lp.as_mut().expect("built above");
        for (t, &w) in weights.iter().enumerate() {
            polytope.lp.set_cost(polytope.x[t], w);
            polytope.lp.set_col_bounds(
                polytope.x[t],
                f64::from(face.lower[t]),
                f64::from(face.upper[t]),
            );
        }
        for (v, &r) in polytope.value_rows.iter().enumerate() {
            polytope.lp.set_row_bounds(
                r,
                f64::from(face.value_min[v]),
                f64::from(face.value_max[v]),
            );
        }
        for (h, &r) in polytope.household_rows.iter().enumerate() {
            polytope.lp.set_row_bounds(r, face.household_min(h), 1.0);
        }
        let Ok(solution) = polytope.lp.solve() else {
            return Ok(None);
        };
        let values: Vec<f64> = polytope.x.iter().map(|&c| solution.value(c)).collect();
        let mut counts: Vec<u32> = values.iter().map(|v| v.round().max(0.0) as u32).collect();
        let integral = values.iter().all(|v| (v - v.round()).abs() <= INTEGRAL);
        if !integral {
            // Reduced costs c − Aᵀy from the row duals (HiGHS's sign
            // convention, whichever the sense).
            let size_dual = solution.dual(polytope.size_row);
            let mut reduced: Vec<f64> = weights.iter().map(|w| w - size_dual).collect();
            for (members, &r) in self.by_value.iter().zip(&polytope.value_rows) {
                let y = solution.dual(r);
                for &t in members {
                    reduced[t] -= y;
                }
            }
            for (group, &r) in self
                .profiles
                .households
                .iter()
                .zip(&polytope.household_rows)
            {
                let y = solution.dual(r);
                for &t in group {
                    reduced[t] -= y;
                }
            }
            let mut free: Vec<usize> = (0..values.len())
                .filter(|&t| face.lower[t] < face.upper[t])
                .collect();
            free.sort_by(|&a, &b| {
                reduced[a]
                    .abs()
                    .total_cmp(&reduced[b].abs())
                    .then(a.cmp(&b))
            });
            let zero = free
                .iter()
                .filter(|&&t| reduced[t].abs() <= REDUCED_COST)
                .count();
            // The small program over the fewest counts first, then over
            // more where that has no panel.
            let mut found = None;
            let mut tried = usize::MAX;
            for n in NEAR_OPTIMAL {
                let len = free.len().min(zero + n);
                if len == tried {
                    break; // the same program again
                }
                tried = len;
                if let Some(c) = self.program_over(&free[..len], &counts, face, weights)? {
                    found = Some((len, c));
                    break;
                }
            }
            let Some((len, found)) = found else {
                return Ok(None);
            };
            for (&t, c) in free[..len].iter().zip(found) {
                counts[t] = c;
            }
        }
        let panel = ProfilePanel::from_counts(&counts);
        Ok(self.holds(face, &panel).then_some(panel))
    }

    /// The pricing program on the face over the `free` profiles' counts,
    /// every other count held at `counts`, stopped at its first solution:
    /// the free counts, or None if there is none.
    fn program_over(
        &mut self,
        free: &[usize],
        counts: &[u32],
        face: &Face,
        weights: &[f64],
    ) -> Result<Option<Vec<u32>>, Error> {
        let mut m = Model::new(Sense::Maximise);
        let mut var: Vec<Option<Var>> = vec![None; counts.len()];
        for &t in free {
            var[t] = Some(m.integer(
                f64::from(face.lower[t]),
                f64::from(face.upper[t]),
                weights[t],
            ));
        }
        // Each row over the free counts, less the held ones; a row with no
        // free count must hold as it is.
        let mut holds = true;
        let mut row = |lo: f64, hi: f64, members: &mut dyn Iterator<Item = usize>| {
            let mut held = 0.0;
            let mut terms = Vec::new();
            for t in members {
                match var[t] {
                    Some(v) => terms.push((v, 1.0)),
                    None => held += f64::from(counts[t]),
                }
            }
            if terms.is_empty() {
                holds &= lo <= held && held <= hi;
            } else {
                m.row(lo - held, hi - held, terms);
            }
        };
        let k = self.instance.k as f64;
        row(k, k, &mut (0..counts.len()));
        for (v, members) in self.by_value.iter().enumerate() {
            row(
                f64::from(face.value_min[v]),
                f64::from(face.value_max[v]),
                &mut members.iter().copied(),
            );
        }
        for (h, group) in self.profiles.households.iter().enumerate() {
            row(face.household_min(h), 1.0, &mut group.iter().copied());
        }
        if !holds {
            return Ok(None);
        }
        self.solves += 1;
        let clock = Instant::now();
        let found = m.solve_first(&self.settings)?;
        self.seconds += clock.elapsed().as_secs_f64();
        Ok(found.map(|s| {
            free.iter()
                .map(|&t| s.int(var[t].expect("free")).max(0) as u32)
                .collect()
        }))
    }

    /// Whether a panel of the polytope lies on the face.
    pub(super) fn holds(&self, face: &Face, panel: &ProfilePanel) -> bool {
        let mut counts = vec![0u32; self.upper.len()];
        for &(t, c) in &panel.0 {
            counts[t as usize] = c;
        }
        let profiles_fit = counts
            .iter()
            .enumerate()
            .all(|(t, &c)| face.lower[t] <= c && c <= face.upper[t]);
        profiles_fit
            && self.by_value.iter().enumerate().all(|(v, members)| {
                let c: u32 = members.iter().map(|&t| counts[t]).sum();
                face.value_min[v] <= c && c <= face.value_max[v]
            })
            && face.full_households.iter().all(|&h| {
                self.profiles.households[h]
                    .iter()
                    .map(|&t| counts[t])
                    .sum::<u32>()
                    == 1
            })
    }

    /// The whole polytope, as a face.
    pub(super) fn whole(&self) -> Face {
        Face {
            value_min: self.instance.quotas.values.iter().map(|q| q.min).collect(),
            value_max: self.instance.quotas.values.iter().map(|q| q.max).collect(),
            lower: vec![0; self.upper.len()],
            upper: self.upper.clone(),
            full_households: Vec::new(),
        }
    }

    /// The largest λ ≤ 1 with (x − λv)/(1 − λ) still in the polytope, for
    /// x in it and v a panel: for each bound on a linear form f (f(x) and
    /// f(v) both within it), λ ≤ slack(x) / slack(v) where v's slack is
    /// positive.
    pub(super) fn room_away(&self, x: &[f64], v: &[f64]) -> f64 {
        let mut lambda: f64 = 1.0;
        let mut bound = |slack_x: f64, slack_v: f64| {
            if slack_v > 1e-12 {
                lambda = lambda.min((slack_x / slack_v).max(0.0));
            }
        };
        for t in 0..x.len() {
            let upper = f64::from(self.upper[t]);
            bound(x[t], v[t]);
            bound(upper - x[t], upper - v[t]);
        }
        for (q, members) in self.instance.quotas.values.iter().zip(&self.by_value) {
            let count_x: f64 = members.iter().map(|&t| x[t]).sum();
            let count_v: f64 = members.iter().map(|&t| v[t]).sum();
            let (lo, hi) = (f64::from(q.min), f64::from(q.max));
            bound(count_x - lo, count_v - lo);
            bound(hi - count_x, hi - count_v);
        }
        for group in &self.profiles.households {
            let in_x: f64 = group.iter().map(|&t| x[t]).sum();
            let in_v: f64 = group.iter().map(|&t| v[t]).sum();
            bound(1.0 - in_x, 1.0 - in_v);
        }
        lambda
    }

    /// Excludes a profile from every panel found from now on.
    pub fn exclude(&mut self, t: usize) {
        self.upper[t] = 0;
        if let Some((lp, x)) = &mut self.relaxation {
            lp.set_col_bounds(x[t], 0.0, 0.0);
        }
    }

    /// The quota polytope as an LP (costs 0): a count per profile within
    /// its bounds, k in all, every quota value within its bounds, at most
    /// one per household.
    fn polytope(&self) -> Polytope {
        let shape = self.polytope_shape();
        let mut lp = Lp::new(Sense::Maximise, &self.settings);
        let rows: Vec<LpRow> = shape
            .rows
            .iter()
            .map(|&(lo, hi)| lp.add_row(lo, hi))
            .collect();
        let x: Vec<LpCol> = shape
            .columns
            .iter()
            .map(|c| {
                let entries: Vec<(LpRow, f64)> =
                    c.entries.iter().map(|&(r, a)| (rows[r], a)).collect();
                lp.add_col(0.0, c.lo, c.hi, &entries)
            })
            .collect();
        let values = self.instance.quotas.values.len();
        Polytope {
            lp,
            x,
            size_row: rows[0],
            value_rows: rows[1..=values].to_vec(),
            household_rows: rows[values + 1..].to_vec(),
        }
    }

    /// The quota polytope as a program with no objective yet: its rows (the
    /// panel size first, then one per quota value, then one per household
    /// group) and its count columns (one per profile). Both the LP of
    /// [`Polytope`] and NASH's interior-point program are built from it.
    fn polytope_shape(&self) -> LogProgram {
        let limits = self.whole();
        let k = self.instance.k as f64;
        let mut rows = vec![(k, k)];
        rows.extend((0..limits.value_min.len()).map(|v| {
            (
                f64::from(limits.value_min[v]),
                f64::from(limits.value_max[v]),
            )
        }));
        let mut household_row = vec![None; self.upper.len()];
        for (h, group) in self.profiles.households.iter().enumerate() {
            for &t in group {
                household_row[t] = Some(rows.len());
            }
            rows.push((limits.household_min(h), 1.0));
        }
        let columns = (0..self.upper.len())
            .map(|t| {
                let mut entries = vec![(0, 1.0)];
                for &v in &self.profiles.profiles[t].values {
                    entries.push((1 + v, 1.0));
                }
                if let Some(r) = household_row[t] {
                    entries.push((r, 1.0));
                }
                LogColumn {
                    lo: f64::from(limits.lower[t]),
                    hi: f64::from(limits.upper[t]),
                    entries,
                    log: None,
                }
            })
            .collect();
        LogProgram { rows, columns }
    }

    /// NASH over the quota polytope's LP relaxation, approximately, by an
    /// interior-point method (`solver::LogProgram`): a share per profile
    /// (0 for unselectable ones); None if that solver failed.
    pub(super) fn approximate_nash(
        &self,
        sizes: &[f64],
        selectable: &[bool],
        time_limit: Option<f64>,
    ) -> Option<Vec<f64>> {
        let mut program = self.polytope_shape();
        for (t, column) in program.columns.iter_mut().enumerate() {
            if selectable[t] {
                column.log = Some((sizes[t], sizes[t]));
            } else {
                column.hi = 0.0;
            }
        }
        let x = program.solve(time_limit)?;
        Some(
            x.iter()
                .zip(sizes)
                .zip(selectable)
                .map(|((x, s), &on)| if on { x / s } else { 0.0 })
                .collect(),
        )
    }

    /// The optimum of the pricing program's LP relaxation: an upper bound
    /// on the worth of every panel at these weights.
    pub fn relaxed_bound(&mut self, weights: &[f64]) -> Result<f64, Error> {
        if self.relaxation.is_none() {
            let Polytope { lp, x, .. } = self.polytope();
            self.relaxation = Some((lp, x));
        }
        let (lp, x) = self.relaxation.as_mut().expect("built above");
        for (t, &w) in weights.iter().enumerate() {
            lp.set_cost(x[t], w);
        }
        self.relaxed_solves += 1;
        let clock = Instant::now();
        let solution = lp.solve().map_err(lp_error)?;
        self.seconds += clock.elapsed().as_secs_f64();
        Ok(solution.objective)
    }

    /// LEXIMIN over the quota polytope's LP relaxation (the polytope, not
    /// the panels in it), ready for its first stage.
    pub(super) fn relaxed_leximin(&self, sizes: &[f64], selectable: &[bool]) -> RelaxedLeximin {
        let Polytope {
            mut lp,
            x,
            size_row,
            value_rows,
            household_rows,
        } = self.polytope();
        let share_rows: Vec<Option<LpRow>> = (0..x.len())
            .map(|t| {
                selectable[t].then(|| {
                    let r = lp.add_row(0.0, f64::INFINITY);
                    lp.set_coef(r, x[t], 1.0 / sizes[t]);
                    r
                })
            })
            .collect();
        let z_entries: Vec<(LpRow, f64)> =
            share_rows.iter().flatten().map(|&r| (r, -1.0)).collect();
        let z = lp.add_col(1.0, 0.0, 1.0, &z_entries);
        let bounds = self
            .instance
            .quotas
            .values
            .iter()
            .map(|q| (f64::from(q.min), f64::from(q.max)))
            .collect();
        RelaxedLeximin {
            lp,
            share_rows,
            x,
            z,
            sizes: sizes.to_vec(),
            value_rows,
            bounds,
            size_row,
            household_rows,
        }
    }

    /// The band LP of Goldilocks over the quota polytope's LP relaxation.
    pub(super) fn relaxed_band(&self, sizes: &[f64], selectable: &[bool]) -> RelaxedBand {
        let Polytope { mut lp, x, .. } = self.polytope();
        // Maximise −U.
        let u = lp.add_col(-1.0, 0.0, 1.0, &[]);
        let mut floor_rows = Vec::with_capacity(x.len());
        for (t, &c) in x.iter().enumerate() {
            if !selectable[t] {
                lp.set_col_bounds(c, 0.0, 0.0);
                floor_rows.push(None);
                continue;
            }
            let floor = lp.add_row(0.0, f64::INFINITY);
            lp.set_coef(floor, c, 1.0 / sizes[t]);
            let ceiling = lp.add_row(f64::NEG_INFINITY, 0.0);
            lp.set_coef(ceiling, c, 1.0 / sizes[t]);
            lp.set_coef(ceiling, u, -1.0);
            floor_rows.push(Some(floor));
        }
        RelaxedBand {
            lp,
            x,
            floor_rows,
            u,
            sizes: sizes.to_vec(),
        }
    }

    /// NASH over the quota polytope's LP relaxation (inner approximation),
    /// with a few breakpoints per profile to start from: around `seed` (a
    /// share per profile: the interior-point method's approximate optimum)
    /// if given, else spread over (0, 1].
    pub(super) fn relaxed_nash(
        &self,
        sizes: &[f64],
        selectable: &[bool],
        seed: Option<&[f64]>,
    ) -> RelaxedNash {
        let Polytope { mut lp, x, .. } = self.polytope();
        let link = (0..x.len())
            .map(|t| {
                if !selectable[t] {
                    lp.set_col_bounds(x[t], 0.0, 0.0);
                    return None;
                }
                let link = lp.add_row(0.0, 0.0);
                lp.set_coef(link, x[t], 1.0);
                let convex = lp.add_row(1.0, 1.0);
                Some((link, convex))
            })
            .collect();
        lp.set_tolerance(NASH_LP_TOLERANCE);
        let mut nash = RelaxedNash {
            lp,
            x,
            link,
            sizes: sizes.to_vec(),
        };
        let average = self.instance.k as f64 / sizes.iter().sum::<f64>();
        for t in (0..nash.x.len()).filter(|&t| selectable[t]) {
            match seed {
                Some(shares) => {
                    // Only around the seed: its LP is then a third of the
                    // size, and should the seed be too far off for a
                    // point of the polytope to be a mixture of these, the
                    // LP fails and the caller starts again without it.
                    let p = shares[t].clamp(NASH_FLOOR, 1.0);
                    let mut last = 0.0;
                    for b in [
                        p * (1.0 - SEED_SPREAD),
                        p,
                        (p * (1.0 + SEED_SPREAD)).min(1.0),
                    ] {
                        if b > last {
                            nash.breakpoint(t, b);
                            last = b;
                        }
                    }
                }
                None => {
                    for p in [NASH_FLOOR, 0.01, average, 0.5, 1.0] {
                        nash.breakpoint(t, p);
                    }
                }
            }
        }
        nash
    }

    /// The panel maximising Σ weight × count, with its value; None if no
    /// panel exists.
    pub fn best(&mut self, weights: &[f64]) -> Result<Option<(ProfilePanel, f64)>, Error> {
        let whole = self.whole();
        self.solve_on(&whole, weights, false)
    }

    /// As [`PanelOracle::best`], over the panels on a face (None: the
    /// face holds no panel).
    pub(super) fn best_on(
        &mut self,
        face: &Face,
        weights: &[f64],
    ) -> Result<Option<(ProfilePanel, f64)>, Error> {
        self.solve_on(face, weights, false)
    }

    /// As [`PanelOracle::best`], with each profile's count within
    /// `lower[t]..=upper[t]` (and its size; excluded profiles stay at 0).
    pub fn best_within(
        &mut self,
        weights: &[f64],
        lower: &[u32],
        upper: &[u32],
    ) -> Result<Option<(ProfilePanel, f64)>, Error> {
        let mut limits = self.whole();
        for t in 0..limits.lower.len() {
            limits.lower[t] = lower[t];
            limits.upper[t] = limits.upper[t].min(upper[t]);
        }
        self.solve_on(&limits, weights, false)
    }

    /// Some panel on the face (None if it holds none): the pricing program
    /// at these weights, stopped at its first solution.
    pub(super) fn any_on(
        &mut self,
        face: &Face,
        weights: &[f64],
    ) -> Result<Option<ProfilePanel>, Error> {
        Ok(self.solve_on(face, weights, true)?.map(|(panel, _)| panel))
    }

    /// The pricing program on a face, solved to optimality or (`first`)
    /// stopped at its first solution; the panel and its worth.
    fn solve_on(
        &mut self,
        face: &Face,
        weights: &[f64],
        first: bool,
    ) -> Result<Option<(ProfilePanel, f64)>, Error> {
        let Some((m, x)) = self.program(weights, face) else {
            return Ok(None);
        };
        self.solves += 1;
        let clock = Instant::now();
        let solution = if first {
            m.solve_first(&self.settings)?
        } else {
            match m.solve_small(&self.settings)? {
                Outcome::Optimal(s) => Some(s),
                Outcome::Infeasible => None,
                Outcome::TimedOut(_) => {
                    return Err(Error::Solver(
                        "the pricing program hit the solver's time limit".into(),
                    ));
                }
            }
        };
        self.seconds += clock.elapsed().as_secs_f64();
        Ok(solution.map(|s| {
            let counts: Vec<u32> = x.iter().map(|&v| s.int(v).max(0) as u32).collect();
            (ProfilePanel::from_counts(&counts), s.objective)
        }))
    }

    /// The pricing program on a face (made from [`PanelOracle::whole`], so
    /// excluded profiles stay at 0): maximise Σ weight × count over the
    /// panels on it. None if some profile's bounds are empty.
    fn program(&self, weights: &[f64], limits: &Face) -> Option<(Model, Vec<Var>)> {
        let mut m = Model::new(Sense::Maximise);
        let mut x: Vec<Var> = Vec::with_capacity(self.upper.len());
        for (t, &w) in weights.iter().enumerate() {
            let (lo, hi) = (limits.lower[t], limits.upper[t]);
            if lo > hi {
                return None;
            }
            x.push(m.integer(f64::from(lo), f64::from(hi), w));
        }
        let k = self.instance.k as f64;
        m.row(k, k, x.iter().map(|&v| (v, 1.0)).collect());
        for v in 0..limits.value_min.len() {
            m.row(
                f64::from(limits.value_min[v]),
                f64::from(limits.value_max[v]),
                self.by_value[v].iter().map(|&t| (x[t], 1.0)).collect(),
            );
        }
        for (h, group) in self.profiles.households.iter().enumerate() {
            m.row(
                limits.household_min(h),
                1.0,
                group.iter().map(|&t| (x[t], 1.0)).collect(),
            );
        }
        Some((m, x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing::instance;
    use crate::synth::{Shape, SynthSpec, generate};
    use proptest::prelude::*;

    /// A pool with many more profiles than the small program may move.
    fn pool() -> Instance {
        let p = generate(&SynthSpec {
            n: 300,
            k: 30,
            categories: 6,
            household_rate: 0.08,
            slack: 1,
            seed: "oracle near-optimal test".into(),
            shape: Shape::default(),
        });
        instance(
            std::str::from_utf8(&p.pool_csv).expect("utf-8"),
            std::str::from_utf8(&p.quotas_csv).expect("utf-8"),
            30,
            &p.address_columns,
        )
    }

    /// The relaxation's NASH comes out the same from the interior-point
    /// method's seed as from breakpoints spread out (each value within the
    /// other's bound), and a seed too far off makes its LP fail, the case in
    /// which the caller starts again without it.
    #[test]
    fn the_relaxed_nash_is_the_same_with_and_without_the_interior_point_seed() {
        let instance = pool();
        let profiles = Profiles::new(&instance);
        let mut oracle = PanelOracle::new(&instance, &profiles, Settings::default());
        let n = profiles.profiles.len();
        let search = SwapSearch::new(&instance, &profiles, &vec![true; n]);
        let (first, _) = oracle
            .best(&vec![1.0; n])
            .expect("solves")
            .expect("feasible");
        let mut covered = vec![false; n];
        for &(t, _) in &first.0 {
            covered[t as usize] = true;
        }
        let (_, unselectable) =
            super::super::cover(&mut oracle, &search, &[first], &mut covered).expect("solves");
        let selectable: Vec<bool> = (0..n).map(|t| !unselectable.contains(&t)).collect();
        let sizes: Vec<f64> = profiles.profiles.iter().map(|p| p.size() as f64).collect();
        let gap = 1e-7 * sizes.iter().sum::<f64>();
        let seed = oracle
            .approximate_nash(&sizes, &selectable, None)
            .expect("the interior-point method solves it");
        let solve = |seed: Option<&[f64]>| {
            oracle
                .relaxed_nash(&sizes, &selectable, seed)
                .solve(gap, 400, None)
        };
        let seeded = solve(Some(&seed)).expect("the seeded LP solves");
        let spread = solve(None).expect("the spread LP solves");
        for (a, b) in [(&seeded, &spread), (&spread, &seeded)] {
            assert!(a.bound - a.value <= gap, "gap {}", a.bound - a.value);
            assert!(a.value <= b.bound + 1e-9, "{} above {}", a.value, b.bound);
        }
        assert!(seeded.lp_solves <= spread.lp_solves);
        let far: Vec<f64> = seed.iter().map(|p| p / 2.0).collect();
        assert!(solve(Some(&far)).is_none(), "halved shares cannot sum to k");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Every panel of a mixture lies on the smallest face holding the
        /// mixture's expected counts (why pricing aimed at a target may
        /// stay on its face), and the best panel on that face is a panel of
        /// the face worth no more than the best over the whole polytope.
        #[test]
        fn a_mixtures_panels_lie_on_its_face(
            seed in proptest::collection::vec(0.0f64..1.0, 8)
        ) {
            let instance = pool();
            let profiles = Profiles::new(&instance);
            let mut oracle = PanelOracle::new(&instance, &profiles, Settings::default());
            let t_count = profiles.len();
            let mut panels = Vec::new();
            for j in 0..4 {
                let w: Vec<f64> = (0..t_count)
                    .map(|t| seed[(t + 3 * j) % seed.len()] * (1.0 + ((t * (j + 1)) % 5) as f64))
                    .collect();
                let (panel, _) = oracle.best(&w).expect("solver runs").expect("feasible");
                panels.push(panel);
            }
            let mut counts = vec![0.0; t_count];
            for panel in &panels {
                for &(t, c) in &panel.0 {
                    counts[t as usize] += f64::from(c) / panels.len() as f64;
                }
            }
            let face = oracle.face_of(&counts);
            for panel in &panels {
                prop_assert!(oracle.holds(&face, panel), "a panel of the mixture is off its face");
            }
            let w: Vec<f64> = (0..t_count).map(|t| seed[t % seed.len()]).collect();
            let (on_face, worth) = oracle
                .best_on(&face, &w)
                .expect("solver runs")
                .expect("the face holds the mixture's panels");
            prop_assert!(oracle.holds(&face, &on_face));
            let (_, best) = oracle.best(&w).expect("solver runs").expect("feasible");
            prop_assert!(worth <= best + 1e-9);
            let best_panel_of_mixture = panels
                .iter()
                .map(|p| p.worth(&w))
                .fold(f64::NEG_INFINITY, f64::max);
            prop_assert!(worth >= best_panel_of_mixture - 1e-9);
        }

        /// The near-optimal panel meets every quota and the household rule,
        /// and is worth no more than the exact program's optimum.
        #[test]
        fn the_near_optimal_panel_is_a_panel_worth_at_most_the_optimum(
            seed in proptest::collection::vec(0.0f64..1.0, 8)
        ) {
            let instance = pool();
            let profiles = Profiles::new(&instance);
            let mut oracle = PanelOracle::new(&instance, &profiles, Settings::default());
            let weights: Vec<f64> = (0..profiles.len())
                .map(|t| seed[t % seed.len()] * (1.0 + (t % 7) as f64))
                .collect();
            let whole = oracle.whole();
            let near = oracle.near_optimal_on(&whole, &weights).expect("solver runs");
            let (_, best) = oracle.best(&weights).expect("solver runs").expect("feasible");
            prop_assert!(near.is_some(), "the small program found no panel");
            if let Some(panel) = near {
                let mut counts = vec![0u32; profiles.len()];
                for &(t, c) in &panel.0 {
                    counts[t as usize] = c;
                }
                prop_assert_eq!(counts.iter().sum::<u32>() as usize, instance.k);
                for (v, q) in instance.quotas.values.iter().enumerate() {
                    let c: u32 = (0..profiles.len())
                        .filter(|&t| profiles.profiles[t].values.contains(&v))
                        .map(|t| counts[t])
                        .sum();
                    prop_assert!(q.min <= c && c <= q.max, "value {v}: {c}");
                }
                for group in &profiles.households {
                    prop_assert!(group.iter().map(|&t| counts[t]).sum::<u32>() <= 1);
                }
                for (t, &c) in counts.iter().enumerate() {
                    prop_assert!(c as usize <= profiles.profiles[t].size());
                }
                prop_assert!(panel.worth(&weights) <= best + 1e-6);
            }
        }
    }
}
