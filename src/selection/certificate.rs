//! Optimality certificates of a LEXIMIN (or MAXIMIN) over the quota
//! polytope's relaxation, written as `certificate.json` and checked in
//! exact rational arithmetic, with no solver (docs/certificate-spec.md is
//! the specification; tests/spec/certificate_spec.py re-implements the
//! check).
//!
//! Each stage of the relaxation's LEXIMIN is one LP; its dual solution
//! bounds, for every distribution over panels, the lowest chance of the
//! people not fixed yet, given that everyone fixed earlier keeps their
//! value. The certificate lists, per stage, the value, the people it fixes
//! and the nonzero dual multipliers, per person (profile prices spread over
//! their members), so a reviewer needs only the pool's published values,
//! households and quotas.

use std::collections::HashMap;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};
use serde::{Deserialize, Serialize};

use crate::model::instance::Instance;
use crate::model::profiles::Profiles;
use crate::selection::optimise::{Computed, Objective};

/// Value of `format` in every certificate this version writes.
pub const FORMAT: &str = "kleroterion-certificate/2";

/// The format earlier versions wrote: its stage values were decimals, so
/// its later stages were bounds conditional on hypotheses nothing showed
/// satisfiable. This version does not check it.
pub const EARLIER_FORMAT: &str = "kleroterion-certificate/1";

/// How far a published probability may lie from its stage's value, and a
/// stage's proven bound above its value: the LPs are solved in double
/// precision (to about 1e-9) and probabilities are published to 9
/// decimals.
pub const TOLERANCE: &str = "0.00000001";

/// The longest decimal text read, and the largest exponent magnitude.
pub const MAX_DECIMAL_LENGTH: usize = 64;
pub const MAX_EXPONENT: u32 = 400;
/// The longest fraction text read (`a/b`, the stage values).
pub const MAX_FRACTION_LENGTH: usize = 2000;

/// A row of the stage values' system whose float activity is within this
/// of a bound (relative to the bound, at least 1) is taken as tight there.
const TIGHT: f64 = 1e-8;
/// The exact stage values may differ from the LPs' by at most this: well
/// within [`TOLERANCE`], which the published probabilities and the duals'
/// bounds must also meet against them.
const EXACT_NEAR: f64 = 1e-9;

/// `certificate.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    pub format: String,
    pub algorithm: String,
    /// Panel size k.
    pub panel_size: usize,
    /// See [`TOLERANCE`].
    pub tolerance: String,
    /// Why there is no proof (and `stages` is empty): set for runs that
    /// have none.
    pub missing: Option<String>,
    /// People in no quota-satisfying panel: probability 0, taken as 0 by
    /// every stage (a fact about whole panels, which the relaxation cannot
    /// show; `check` and the lottery's resolve confirm it).
    pub in_no_panel: Vec<String>,
    pub stages: Vec<CertStage>,
}

/// One stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertStage {
    /// The stage's value: the relaxation's stage optimum, exactly (a
    /// fraction `a/b`), such that the vector giving everyone their stage's
    /// value lies in the relaxation.
    pub value: String,
    /// The people this stage fixes at `value`.
    pub fixes: Vec<String>,
    /// Nonzero prices: of "π ≥ z" for people not fixed yet, of "π ≥ their
    /// value" for people fixed earlier. Each ≥ 0.
    pub prices: Vec<(String, String)>,
    /// Multiplier of "Σ π = k" (any sign).
    pub panel_size_multiplier: String,
    /// Nonzero multipliers of quota bounds, each ≥ 0.
    pub quotas: Vec<QuotaMultiplier>,
    /// Nonzero multipliers of "a household has at most one member on the
    /// panel", each ≥ 0, the household named by its members.
    pub households: Vec<HouseholdMultiplier>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotaMultiplier {
    pub category: String,
    pub value: String,
    /// "min" or "max".
    pub bound: String,
    pub multiplier: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HouseholdMultiplier {
    pub members: Vec<String>,
    pub multiplier: String,
}

/// A float as the shortest decimal that reads back as the same float
/// (exact as written, so a checker reads it exactly).
fn number(x: f64) -> String {
    format!("{x}")
}

impl Certificate {
    /// The certificate of a complete LEXIMIN or MAXIMIN computed over the
    /// relaxation. Other runs (stages over panels, NASH, a run stopped by
    /// its time limit) have none: their bounds rest on the pricing program,
    /// and `missing` says so.
    pub fn of(instance: &Instance, profiles: &Profiles, computed: &Computed) -> Self {
        let missing = if !computed.complete {
            Some("the time limit stopped the optimisation, so there is no optimum to prove")
        } else if computed.objective == Objective::Nash {
            Some("NASH's bound is not a linear program's, so it has no certificate of this kind")
        } else if let Objective::Goldilocks(_) = computed.objective {
            Some(
                "Goldilocks' bound comes from a search (over the relaxation, or over panels where the relaxation is out of reach), not from one linear program's dual, so it has no certificate of this kind",
            )
        } else if computed.target.is_none()
            || computed.fixed_at.len() != profiles.len()
            || computed.stages.iter().any(|s| s.dual.is_none())
        {
            Some(
                "the relaxation's LEXIMIN is not reached by any distribution here, so the stages ran over panels and their bounds rest on the pricing program",
            )
        } else {
            None
        };
        let mut certificate = Certificate {
            format: FORMAT.into(),
            algorithm: computed.objective.name().to_lowercase(),
            panel_size: instance.k,
            tolerance: TOLERANCE.into(),
            missing: missing.map(String::from),
            in_no_panel: Vec::new(),
            stages: Vec::new(),
        };
        if certificate.missing.is_some() {
            return certificate;
        }
        let values = match exact_values(instance, profiles, computed) {
            Ok(v) => v,
            Err(why) => {
                certificate.missing = Some(why);
                return certificate;
            }
        };
        let people = &instance.pool.people;
        let id = |i: usize| people[i].id.clone();
        let stage_of = &computed.fixed_at;
        let mut in_no_panel: Vec<String> = computed
            .unselectable
            .iter()
            .flat_map(|&t| profiles.profiles[t].members.iter().map(|&i| id(i)))
            .collect();
        in_no_panel.sort();
        certificate.in_no_panel = in_no_panel;
        certificate.stages = computed
            .stages
            .iter()
            .enumerate()
            .map(|(s, stage)| {
                let dual = stage.dual.as_ref().expect("checked above");
                let mut fixes = Vec::new();
                let mut prices = Vec::new();
                for (t, profile) in profiles.profiles.iter().enumerate() {
                    if stage_of[t] == Some(s) {
                        fixes.extend(profile.members.iter().map(|&i| id(i)));
                    }
                    let price = dual.prices[t];
                    if price > 0.0 && stage_of[t].is_some() {
                        let each = number(price / profile.size() as f64);
                        prices.extend(profile.members.iter().map(|&i| (id(i), each.clone())));
                    }
                }
                fixes.sort();
                prices.sort();
                let quotas = instance
                    .quotas
                    .values
                    .iter()
                    .zip(&dual.values)
                    .filter(|(_, m)| **m != 0.0)
                    .map(|(q, &m)| QuotaMultiplier {
                        category: instance.quotas.categories[q.category].name.clone(),
                        value: q.name.clone(),
                        bound: if m > 0.0 { "max" } else { "min" }.into(),
                        multiplier: number(m.abs()),
                    })
                    .collect();
                let households = instance
                    .households
                    .groups
                    .iter()
                    .zip(&dual.households)
                    .filter(|(_, m)| **m > 0.0)
                    .map(|(g, &m)| {
                        let mut members: Vec<String> = g.iter().map(|&i| id(i)).collect();
                        members.sort();
                        HouseholdMultiplier {
                            members,
                            multiplier: number(m),
                        }
                    })
                    .collect();
                CertStage {
                    value: fraction(&values[s]),
                    fixes,
                    prices,
                    panel_size_multiplier: number(dual.size),
                    quotas,
                    households,
                }
            })
            .collect();
        certificate
    }

    /// The certificate of a run, checked as a reviewer checks it against
    /// the probabilities as published (`written`, one decimal per person,
    /// in pool order): the file, and the check's summary or why there is
    /// no proof. One that fails its own check (stage values too
    /// ill-conditioned to be made exact within the tolerance, or a price
    /// too small to hold its person) is published as holding no proof,
    /// with the reason, never as a proof.
    pub fn certify(
        instance: &Instance,
        profiles: &Profiles,
        computed: &Computed,
        written: &[String],
    ) -> (Vec<u8>, Result<String, String>) {
        let mut certificate = Certificate::of(instance, profiles, computed);
        if certificate.missing.is_none() {
            match check(instance, &certificate.to_bytes(), written) {
                Ok(checked) => return (certificate.to_bytes(), Ok(summary(&checked))),
                Err(e) => {
                    certificate.missing = Some(format!(
                        "the certificate computed for this run did not pass its own check ({e}), so it holds no proof"
                    ));
                    certificate.in_no_panel.clear();
                    certificate.stages.clear();
                }
            }
        }
        let why = certificate.missing.clone().unwrap_or_default();
        (certificate.to_bytes(), Err(why))
    }

    /// Whether these bytes are a certificate that holds a proof (not one
    /// that says why it has none).
    pub fn proves(bytes: &[u8]) -> bool {
        serde_json::from_slice::<Certificate>(bytes).is_ok_and(|c| c.missing.is_none())
    }

    /// The file: one field per line, each stage on a line of its own
    /// (people lists would otherwise take a line per name).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut s = String::from("{\n");
        s += &format!("  \"format\": {},\n", json(&self.format));
        s += &format!("  \"algorithm\": {},\n", json(&self.algorithm));
        s += &format!("  \"panel_size\": {},\n", self.panel_size);
        s += &format!("  \"tolerance\": {},\n", json(&self.tolerance));
        s += &format!("  \"missing\": {},\n", json(&self.missing));
        s += &format!("  \"in_no_panel\": {},\n", json(&self.in_no_panel));
        s += "  \"stages\": [";
        for (n, stage) in self.stages.iter().enumerate() {
            s += if n == 0 { "\n    " } else { ",\n    " };
            s += &json(stage);
        }
        s += if self.stages.is_empty() {
            "]\n}\n"
        } else {
            "\n  ]\n}\n"
        };
        s.into_bytes()
    }
}

/// Compact JSON of a value.
fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("plain data serialises")
}

/// Reads a decimal number ("0.25", "-1.5e-7", "3") exactly: the syntax
/// `-?[0-9]+(\.[0-9]+)?([eE]-?[0-9]+)?` of docs/certificate-spec.md.
pub fn exact(text: &str) -> Option<BigRational> {
    // Bounded, so that hostile input cannot make the arithmetic slow
    // (docs/certificate-spec.md: at most 64 characters, exponent within
    // ±400).
    if text.len() > MAX_DECIMAL_LENGTH {
        return None;
    }
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], text[at + 1..].parse::<i32>().ok()?),
        None => (text, 0),
    };
    let (negative, digits) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) if !f.is_empty() => (w, f),
        Some(_) => return None,
        None => (digits, ""),
    };
    let exponent_text = text.find(['e', 'E']).map_or("", |at| &text[at + 1..]);
    if whole.is_empty()
        || exponent_text.starts_with('+')
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let all: BigInt = format!("{whole}{fraction}").parse().ok()?;
    let shift = exponent.checked_sub(i32::try_from(fraction.len()).ok()?)?;
    if exponent.unsigned_abs() > MAX_EXPONENT || shift.unsigned_abs() > 2 * MAX_EXPONENT {
        return None;
    }
    let ten = BigInt::from(10u8);
    let scale = num_traits::pow(ten, shift.unsigned_abs() as usize);
    let value = if shift >= 0 {
        BigRational::from_integer(all * scale)
    } else {
        BigRational::new(all, scale)
    };
    Some(if negative { -value } else { value })
}

/// A stage value: `a/b` (`-?[0-9]+/[0-9]+`, b not 0, at most
/// [`MAX_FRACTION_LENGTH`] characters) or a decimal as [`exact`] reads it,
/// exactly. Only stage values may be fractions.
pub fn exact_value(text: &str) -> Option<BigRational> {
    let Some((numerator, denominator)) = text.split_once('/') else {
        return exact(text);
    };
    let digits = numerator.strip_prefix('-').unwrap_or(numerator);
    let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if text.len() > MAX_FRACTION_LENGTH || !all_digits(digits) || !all_digits(denominator) {
        return None;
    }
    let (a, b): (BigInt, BigInt) = (numerator.parse().ok()?, denominator.parse().ok()?);
    (!b.is_zero()).then(|| BigRational::new(a, b))
}

/// An exact rational as the certificate writes it: `a/b` in lowest terms,
/// or the integer.
fn fraction(x: &BigRational) -> String {
    if x.denom().is_one() {
        x.numer().to_string()
    } else {
        format!("{}/{}", x.numer(), x.denom())
    }
}

/// One linear condition on the stage values v_1..v_S: lo ≤ Σ coef·v ≤ hi.
struct Condition {
    coef: Vec<i64>,
    lo: Option<i64>,
    hi: Option<i64>,
}

/// The stage values exactly: the LPs give them in double precision, and the
/// vector giving everyone their stage's value must lie in the relaxation
/// exactly (docs/certificate-spec.md, rule 5), so they are solved for in
/// rational arithmetic from the conditions the LPs' values meet with
/// equality (the panel size, quota bounds and households at their bounds,
/// stages of equal value), any freedom left taken at the LPs' values. Err
/// (the certificate's `missing`) if the result is not within
/// [`EXACT_NEAR`] of the LPs' values or breaks a condition.
fn exact_values(
    instance: &Instance,
    profiles: &Profiles,
    computed: &Computed,
) -> Result<Vec<BigRational>, String> {
    let stages = computed.stages.len();
    let floats: Vec<f64> = computed.stages.iter().map(|s| s.bound).collect();
    let mut stage_of_person = vec![None; instance.pool.people.len()];
    for (t, profile) in profiles.profiles.iter().enumerate() {
        for &i in &profile.members {
            stage_of_person[i] = computed.fixed_at[t];
        }
    }
    let count = |members: &mut dyn Iterator<Item = usize>| {
        let mut coef = vec![0i64; stages];
        for i in members {
            if let Some(s) = stage_of_person[i] {
                coef[s] += 1;
            }
        }
        coef
    };
    let k = i64::try_from(instance.k).unwrap_or(i64::MAX);
    let mut conditions = vec![Condition {
        coef: count(&mut (0..stage_of_person.len())),
        lo: Some(k),
        hi: Some(k),
    }];
    for (v, quota) in instance.quotas.values.iter().enumerate() {
        let people = &instance.pool.people;
        conditions.push(Condition {
            coef: count(&mut (0..people.len()).filter(|&i| people[i].values.contains(&v))),
            lo: Some(i64::from(quota.min)),
            hi: Some(i64::from(quota.max)),
        });
    }
    for group in &instance.households.groups {
        conditions.push(Condition {
            coef: count(&mut group.iter().copied()),
            lo: None,
            hi: Some(1),
        });
    }
    for s in 0..stages {
        let mut unit = vec![0i64; stages];
        unit[s] = 1;
        conditions.push(Condition {
            coef: unit.clone(),
            lo: Some(0),
            hi: Some(1),
        });
        if s + 1 < stages {
            // The values climb: v_{s+1} − v_s ≥ 0.
            unit[s] = -1;
            unit[s + 1] = 1;
            conditions.push(Condition {
                coef: unit,
                lo: Some(0),
                hi: None,
            });
        }
    }
    // The equations: each condition at the bound its float activity is at.
    let mut equations: Vec<(f64, Vec<BigRational>)> = Vec::new();
    for c in &conditions {
        let activity: f64 = c.coef.iter().zip(&floats).map(|(&a, v)| a as f64 * v).sum();
        for bound in [c.lo, c.hi].into_iter().flatten() {
            let off = (activity - bound as f64).abs();
            if off <= TIGHT * (bound as f64).abs().max(1.0) {
                let mut row: Vec<BigRational> = c.coef.iter().map(|&a| int(a)).collect();
                row.push(int(bound));
                equations.push((off, row));
            }
        }
    }
    // The panel size first (off 0 only where the floats meet it exactly,
    // so order by how tight), then the rest, tightest first.
    equations.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut echelon = Echelon {
        stages,
        pivots: Vec::new(),
    };
    for (_, row) in equations {
        if echelon.pivots.len() == stages {
            break;
        }
        echelon.add(row);
    }
    // Freedom left: those values as the LPs give them.
    for (s, &f) in floats.iter().enumerate() {
        if !echelon.pivots.iter().any(|(col, _)| *col == s) {
            let mut row = vec![BigRational::zero(); stages + 1];
            row[s] = BigRational::one();
            row[stages] = BigRational::from_float(f).ok_or("a stage value is not finite")?;
            echelon.add(row);
        }
    }
    let mut values = vec![BigRational::zero(); stages];
    for (col, row) in &echelon.pivots {
        values[*col] = row[stages].clone();
    }
    let near = BigRational::from_float(EXACT_NEAR).expect("finite");
    let why = "the stage values could not be made exact (the relaxation's LPs are too ill-conditioned here), so there is no proof";
    for (v, &f) in values.iter().zip(&floats) {
        if (v - BigRational::from_float(f).ok_or(why)?).abs() > near {
            return Err(why.into());
        }
    }
    for c in &conditions {
        let activity: BigRational = c.coef.iter().zip(&values).map(|(&a, v)| int(a) * v).sum();
        if c.lo.is_some_and(|lo| activity < int(lo)) || c.hi.is_some_and(|hi| activity > int(hi)) {
            return Err(why.into());
        }
    }
    Ok(values)
}

/// Rows `coefficients | right-hand side` in reduced row echelon form, in
/// exact arithmetic: each pivot row has 1 in its column and every other
/// pivot row 0 there.
struct Echelon {
    stages: usize,
    pivots: Vec<(usize, Vec<BigRational>)>,
}

impl Echelon {
    /// Adds a row unless it depends on those already in.
    fn add(&mut self, mut row: Vec<BigRational>) {
        for (col, p) in &self.pivots {
            if !row[*col].is_zero() {
                let factor = row[*col].clone();
                for (x, y) in row.iter_mut().zip(p) {
                    *x -= &factor * y;
                }
            }
        }
        let Some(col) = (0..self.stages).find(|&c| !row[c].is_zero()) else {
            return;
        };
        let lead = row[col].clone();
        for x in &mut row {
            *x /= &lead;
        }
        for (_, p) in &mut self.pivots {
            if !p[col].is_zero() {
                let factor = p[col].clone();
                for (x, y) in p.iter_mut().zip(&row) {
                    *x -= &factor * y;
                }
            }
        }
        self.pivots.push((col, row));
    }
}

fn int(x: i64) -> BigRational {
    BigRational::from_integer(BigInt::from(x))
}

/// A decimal for messages.
fn show(x: &BigRational) -> String {
    match x.to_f64() {
        Some(f) if f.is_finite() => format!("{f:.10}"),
        _ => x.to_string(),
    }
}

/// What the check proved.
#[derive(Debug, Clone)]
pub struct Checked {
    pub stages: usize,
    /// People the certificate says are in no panel (taken at 0 unchecked).
    pub in_no_panel: usize,
    /// Stage 1's value: no lottery gives everyone more (within the
    /// tolerance).
    pub lowest: BigRational,
    /// The largest distance between a stage's proven bound and its value.
    pub largest_gap: BigRational,
    /// The most a person a stage fixes could rise while everyone else of
    /// their stage or later keeps the stage's value (and everyone earlier
    /// theirs): (B_s − v_s)·Y / c_j.
    pub largest_pin: BigRational,
    /// The largest distance of a published probability from its stage's value.
    pub largest_off: BigRational,
}

/// Checks `certificate.json` against the instance it certifies (pool,
/// quotas, households, k) and the published probabilities (one decimal text
/// per person, in pool order), in exact arithmetic. Err says what failed.
pub fn check(
    instance: &Instance,
    bytes: &[u8],
    probabilities: &[String],
) -> Result<Checked, String> {
    let cert: Certificate = serde_json::from_slice(bytes)
        .map_err(|e| format!("certificate.json does not read: {e}"))?;
    if cert.format != FORMAT {
        return Err(format!("format \"{}\" is not \"{FORMAT}\"", cert.format));
    }
    if let Some(why) = &cert.missing {
        return Err(format!("it holds no proof: {why}"));
    }
    if cert.panel_size != instance.k {
        return Err(format!(
            "its panel size {} is not the bundle's {}",
            cert.panel_size, instance.k
        ));
    }
    let num = |what: &str, text: &str| -> Result<BigRational, String> {
        exact(text).ok_or_else(|| format!("{what} \"{text}\" is not a decimal number"))
    };
    let tolerance = num("the tolerance", &cert.tolerance)?;
    if tolerance.is_negative() || tolerance > num("", "0.000001")? {
        return Err(format!(
            "its tolerance {} is not between 0 and 1e-6",
            cert.tolerance
        ));
    }
    let people = &instance.pool.people;
    let n = people.len();
    let index: HashMap<&str, usize> = people
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    let person = |name: &str| -> Result<usize, String> {
        index
            .get(name)
            .copied()
            .ok_or_else(|| format!("it names {name}, who is not in the pool"))
    };
    if probabilities.len() != n {
        return Err("probabilities.csv does not list the pool".into());
    }
    let published: Vec<BigRational> = probabilities
        .iter()
        .map(|p| num("a probability", p))
        .collect::<Result<_, _>>()?;
    // Where each person is fixed: a stage, or in no panel.
    const NO_PANEL: usize = usize::MAX;
    let mut stage_of: Vec<Option<usize>> = vec![None; n];
    for name in &cert.in_no_panel {
        let i = person(name)?;
        if stage_of[i].replace(NO_PANEL).is_some() {
            return Err(format!("{name} is listed twice"));
        }
        if !published[i].is_zero() {
            return Err(format!(
                "{name} is said to be in no panel but has probability {}",
                probabilities[i]
            ));
        }
    }
    for (s, stage) in cert.stages.iter().enumerate() {
        for name in &stage.fixes {
            let i = person(name)?;
            if stage_of[i].replace(s).is_some() {
                return Err(format!("{name} is fixed twice"));
            }
        }
        for name in stage.households.iter().flat_map(|h| &h.members) {
            person(name)?;
        }
    }
    if let Some(i) = (0..n).find(|&i| stage_of[i].is_none()) {
        return Err(format!("{} is fixed by no stage", people[i].id));
    }
    let values: Vec<BigRational> = cert
        .stages
        .iter()
        .enumerate()
        .map(|(s, st)| {
            exact_value(&st.value).ok_or_else(|| {
                format!(
                    "stage {}'s value \"{}\" is not a fraction or a decimal number",
                    s + 1,
                    st.value
                )
            })
        })
        .collect::<Result<_, _>>()?;
    // The stages climb: a value below an earlier one, or above 1, would
    // let a later stage's hypotheses say nothing.
    for s in 0..values.len() {
        if values[s] > BigRational::one() || (s > 0 && values[s] < values[s - 1]) {
            return Err(format!(
                "stage {}'s value {} is above 1 or below the stage before",
                s + 1,
                cert.stages[s].value
            ));
        }
    }
    if values.first().is_some_and(|v| v.is_negative()) {
        return Err("stage 1's value is negative".into());
    }
    // The published probabilities sum to k and are the stages' values.
    let sum: BigRational = published.iter().sum();
    let n_big = BigRational::from_integer(BigInt::from(n));
    if (&sum - BigRational::from_integer(BigInt::from(instance.k))).abs() > &n_big * &tolerance {
        return Err(format!(
            "the exact probabilities sum to {}, not the panel size {}",
            show(&sum),
            instance.k
        ));
    }
    let mut largest_off = BigRational::zero();
    for i in 0..n {
        if let Some(s) = stage_of[i].filter(|&s| s != NO_PANEL) {
            let off = (&published[i] - &values[s]).abs();
            if off > tolerance {
                return Err(format!(
                    "{} has probability {}, but stage {} fixes them at {}",
                    people[i].id,
                    probabilities[i],
                    s + 1,
                    show(&values[s])
                ));
            }
            largest_off = largest_off.max(off);
        }
    }
    // The stage values are a point of the relaxation: everyone at their
    // stage's value, 0 in no panel. It meets every stage's hypotheses, so
    // no stage's bound is about an empty set.
    let witness: Vec<BigRational> = (0..n)
        .map(|i| match stage_of[i] {
            Some(s) if s != NO_PANEL => values[s].clone(),
            _ => BigRational::zero(),
        })
        .collect();
    let witness_sum: BigRational = witness.iter().sum();
    if witness_sum != BigRational::from_integer(BigInt::from(instance.k)) {
        return Err(format!(
            "giving everyone their stage's value makes {} places in all, not the panel size {}",
            show(&witness_sum),
            instance.k
        ));
    }
    for (v, quota) in instance.quotas.values.iter().enumerate() {
        let count: BigRational = (0..n)
            .filter(|&i| people[i].values.contains(&v))
            .map(|i| &witness[i])
            .sum();
        if count < BigRational::from_integer(BigInt::from(quota.min))
            || count > BigRational::from_integer(BigInt::from(quota.max))
        {
            return Err(format!(
                "giving everyone their stage's value gives {}={} {} places, outside its quota {} to {}",
                instance.quotas.categories[quota.category].name,
                quota.name,
                show(&count),
                quota.min,
                quota.max
            ));
        }
    }
    for group in &instance.households.groups {
        let together: BigRational = group.iter().map(|&i| &witness[i]).sum();
        if together > BigRational::one() {
            return Err(format!(
                "giving everyone their stage's value gives the household of {} more than one place",
                people[group[0]].id
            ));
        }
    }
    let quota_index: HashMap<(&str, &str), usize> = instance
        .quotas
        .values
        .iter()
        .enumerate()
        .map(|(v, q)| {
            (
                (
                    instance.quotas.categories[q.category].name.as_str(),
                    q.name.as_str(),
                ),
                v,
            )
        })
        .collect();
    let household_index: HashMap<Vec<usize>, usize> = instance
        .households
        .groups
        .iter()
        .enumerate()
        .map(|(h, g)| {
            let mut g = g.clone();
            g.sort_unstable();
            (g, h)
        })
        .collect();
    let one = BigRational::one();
    let k = BigRational::from_integer(BigInt::from(instance.k));
    let mut largest_gap = BigRational::zero();
    let mut largest_pin = BigRational::zero();
    for (s, stage) in cert.stages.iter().enumerate() {
        let label = format!("stage {}", s + 1);
        let fixed_before = |i: usize| stage_of[i].is_some_and(|t| t != NO_PANEL && t < s);
        let mut price: Vec<BigRational> = vec![BigRational::zero(); n];
        let mut listed = vec![false; n];
        for (name, text) in &stage.prices {
            let i = person(name)?;
            let p = num(&format!("{label}: {name}'s price"), text)?;
            if p.is_negative() || stage_of[i] == Some(NO_PANEL) || listed[i] {
                return Err(format!(
                    "{label}: the price of {name} is negative, repeated, or of someone in no panel"
                ));
            }
            listed[i] = true;
            price[i] = p;
        }
        // Y: the prices of the people not fixed yet.
        let total: BigRational = (0..n)
            .filter(|&i| stage_of[i].is_some_and(|t| t != NO_PANEL && t >= s))
            .map(|i| &price[i])
            .sum();
        let bound = if total.is_zero() {
            // No price: the bound is that no chance exceeds 1.
            one.clone()
        } else {
            // r_i: what the multipliers give person i's column.
            let alpha = num(
                &format!("{label}'s panel-size multiplier"),
                &stage.panel_size_multiplier,
            )?;
            let mut column = vec![alpha.clone(); n];
            let mut dual = &alpha * &k;
            let mut seen = std::collections::HashSet::new();
            for q in &stage.quotas {
                if !seen.insert((&q.category, &q.value, &q.bound)) {
                    return Err(format!(
                        "{label} lists the {} of {}={} twice",
                        q.bound, q.category, q.value
                    ));
                }
                let Some(&v) = quota_index.get(&(q.category.as_str(), q.value.as_str())) else {
                    return Err(format!(
                        "{label} names the quota {}={}, which the quotas do not have",
                        q.category, q.value
                    ));
                };
                let m = num(&format!("{label}: a quota multiplier"), &q.multiplier)?;
                if m.is_negative() {
                    return Err(format!("{label}: a quota multiplier is negative"));
                }
                let quota = &instance.quotas.values[v];
                let (signed, bound) = match q.bound.as_str() {
                    "max" => (m.clone(), BigInt::from(quota.max)),
                    "min" => (-m.clone(), BigInt::from(quota.min)),
                    other => {
                        return Err(format!(
                            "{label}: a quota bound \"{other}\" is not min or max"
                        ));
                    }
                };
                dual += &signed * BigRational::from_integer(bound);
                for (i, p) in people.iter().enumerate() {
                    if p.values.contains(&v) {
                        column[i] += &signed;
                    }
                }
            }
            let mut seen_households = std::collections::HashSet::new();
            for h in &stage.households {
                let mut members: Vec<usize> = h
                    .members
                    .iter()
                    .map(|m| person(m))
                    .collect::<Result<_, _>>()?;
                members.sort_unstable();
                if !household_index.contains_key(&members)
                    || !seen_households.insert(members.clone())
                {
                    return Err(format!(
                        "{label} names a household the pool does not have, or one twice"
                    ));
                }
                let m = num(&format!("{label}: a household multiplier"), &h.multiplier)?;
                if m.is_negative() {
                    return Err(format!("{label}: a household multiplier is negative"));
                }
                dual += &m;
                for &i in &members {
                    column[i] += &m;
                }
            }
            // u_i = max(0, price_i − r_i) covers π_i ≤ 1; people in no
            // panel are at 0 and need none. Held people bring −w_i·f_i.
            for i in 0..n {
                if stage_of[i] == Some(NO_PANEL) {
                    continue;
                }
                let excess = &price[i] - &column[i];
                if excess.is_positive() {
                    dual += excess;
                }
                if fixed_before(i) && !price[i].is_zero() {
                    let f = &values[stage_of[i].expect("fixed")];
                    dual -= &price[i] * f;
                }
            }
            (dual / &total).min(one.clone())
        };
        let gap = (&bound - &values[s]).abs();
        if gap > tolerance {
            return Err(format!(
                "{label}: the multipliers prove that the lowest chance is at most {}, not the stage's value {}",
                show(&bound),
                show(&values[s])
            ));
        }
        largest_gap = largest_gap.max(gap.clone());
        // How far a person this stage fixes could rise: in any π meeting
        // the stage's hypotheses with the rest at v_s or more,
        // c_j·(π_j − v_s) ≤ (B_s − v_s)·Y.
        for name in &stage.fixes {
            let c = &price[index[name.as_str()]];
            if c.is_positive() {
                let pin = &gap * &total / c;
                if pin > tolerance {
                    return Err(format!(
                        "{label}: {name}'s price is so small that they could rise {} above the stage's value, more than the tolerance",
                        scientific(&pin)
                    ));
                }
                largest_pin = largest_pin.max(pin);
            }
        }
        // Each person the stage fixes has a positive price (so is at the
        // value in every optimum), unless the value is 1 (no one rises
        // above 1).
        if values[s] < one
            && let Some(name) = stage
                .fixes
                .iter()
                .find(|m| price[index[m.as_str()]].is_zero())
        {
            return Err(format!(
                "{label} fixes {name}, whose price is 0: nothing shows they cannot rise"
            ));
        }
    }
    Ok(Checked {
        stages: cert.stages.len(),
        in_no_panel: cert.in_no_panel.len(),
        lowest: values.first().cloned().unwrap_or_else(BigRational::one),
        largest_gap,
        largest_pin,
        largest_off,
    })
}

/// For messages: `x` in exponent form.
pub fn scientific(x: &BigRational) -> String {
    format!("{:.1e}", x.to_f64().unwrap_or(f64::NAN))
}

/// What a passed check says.
pub fn summary(checked: &Checked) -> String {
    let unchecked = if checked.in_no_panel > 0 {
        format!(
            ", given that the {} people it lists as in no panel are (taken on trust here)",
            checked.in_no_panel
        )
    } else {
        String::new()
    };
    format!(
        "no lottery over panels meeting the quotas gives everyone more than {} (the lowest published chance, within {}){unchecked}; for each of the {} later stages, no lottery that keeps everyone of the earlier stages at their values or above gives that stage's people more than its value, and everyone at their stage's value is a point the quotas allow, so every stage's hypotheses can be met; a person a stage fixes could rise by at most {} while the rest keep theirs; every published probability is its stage's value (within {})",
        show(&checked.lowest),
        scientific(&checked.largest_gap.clone().max(BigRational::zero())),
        checked.stages.saturating_sub(1),
        scientific(&checked.largest_pin),
        scientific(&checked.largest_off)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing::instance;

    /// A review's counterexample: five people, k = 3, at most one of a and
    /// b. The LEXIMIN gives a and b 1/2 and c, d, e 2/3; this certificate
    /// claims c at 1/2 and d, e at 3/4, holding c with a price so small
    /// that its bound is within the tolerance. The values are a point of
    /// the relaxation and every gap is within τ, but c (and a) could rise
    /// far above their stage's value: the pin rule refuses it. A price
    /// written as a fraction is refused too (only stage values may be).
    #[test]
    fn a_person_held_by_a_tiny_price_fails_and_prices_are_decimals() {
        let instance = instance(
            "id,g\na,x\nb,x\nc,y\nd,y\ne,y\n",
            "category,name,min,max\ng,x,0,1\ng,y,0,3\n",
            3,
            &[],
        );
        let certificate = |price_a: &str| {
            format!(
                r#"{{"format":"kleroterion-certificate/2","algorithm":"leximin","panel_size":3,"tolerance":"0.00000001","missing":null,"in_no_panel":[],
"stages":[
{{"value":"1/2","fixes":["a","b","c"],"prices":[["a","{price_a}"],["b","0.5"],["c","1.9e-8"]],"panel_size_multiplier":"0","quotas":[{{"category":"g","value":"x","bound":"max","multiplier":"0.5"}}],"households":[]}},
{{"value":"3/4","fixes":["d","e"],"prices":[["a","0.5"],["b","0.5"],["c","0.5"],["d","0.5"],["e","0.5"]],"panel_size_multiplier":"0.5","quotas":[],"households":[]}}
]}}"#
            )
        };
        let published: Vec<String> = ["0.5", "0.5", "0.5", "0.75", "0.75"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let err = check(&instance, certificate("0.5").as_bytes(), &published).unwrap_err();
        assert!(err.contains("could rise"), "{err}");
        let err = check(&instance, certificate("1/2").as_bytes(), &published).unwrap_err();
        assert!(err.contains("is not a decimal number"), "{err}");
    }
}
