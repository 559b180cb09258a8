//! The speaker programme: contributions (expert talks, advocates,
//! testimonies) placed into the plenaries of an assembly.
//!
//! One integer program (through `solver`) places every contribution it can:
//!
//! - hard: a contribution goes only into a held plenary its speaker is
//!   available for and whose topics (if listed) include its topic; a
//!   session's contributions and changeovers fit its length; a speaker is
//!   never in two overlapping sessions; topics are heard in the assembly's
//!   order (every contribution of a topic in a session no later than every
//!   contribution of the next topic); past sessions are kept as they were;
//! - soft, in this order of weight: place every contribution (1000 each);
//!   a session that hears an advocate for one side of a topic also hears
//!   the other side or an informant on it (100 per unbalanced side and
//!   session); per weekend and topic, each side's advocacy minutes within
//!   ±10% of the sides' mean (1 per minute outside); when re-planning, keep
//!   contributions where they were (5 per move).
//!
//! `assess` re-checks a programme independently and explains every unmet
//! goal in words.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveTime};

use crate::error::{Error, InputError};
use crate::files::table::{Table, key};
use crate::logistics::assembly::{Assembly, Kind};
use crate::solver::{Model, Outcome, Sense, Settings, Var};

const UNPLACED: f64 = 1000.0;
const UNBALANCED: f64 = 100.0;
const MOVED: f64 = 5.0;
/// Allowed deviation of a side's minutes from the sides' mean per weekend.
pub const SIDE_TOLERANCE: f64 = 0.10;
/// Time limit of the placement program; the best placement found is kept.
pub const TIME_LIMIT_SECONDS: f64 = 60.0;

/// The most contributions a speakers file may list: beyond it the
/// placement program grows past what the time limit can search (and no
/// assembly's plenaries hold so many).
pub const MAX_CONTRIBUTIONS: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Perspective {
    /// Explains the evidence across views.
    Informant,
    /// Argues one side (as written; compared by `key`).
    Advocate(String),
    /// Personal testimony.
    Testimony,
}

impl Perspective {
    pub fn describe(&self) -> String {
        match self {
            Perspective::Informant => "informant".into(),
            Perspective::Advocate(side) => format!("advocate ({side})"),
            Perspective::Testimony => "testimony".into(),
        }
    }

    fn side(&self) -> Option<String> {
        match self {
            Perspective::Advocate(s) => Some(key(s)),
            _ => None,
        }
    }
}

/// One row of speakers.csv: one contribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    /// The speaker's id (a speaker may give several contributions).
    pub speaker: String,
    pub name: String,
    /// The topic as written.
    pub topic: String,
    pub perspective: Perspective,
    pub minutes: u32,
    /// Per session of the assembly: the speaker can come.
    pub available: Vec<bool>,
    pub line: u64,
}

impl Contribution {
    /// A short name for reports: `S3 (energy, advocate (for), 10 min)`.
    pub fn describe(&self) -> String {
        format!(
            "{} ({}, {}, {} min)",
            self.speaker,
            self.topic,
            self.perspective.describe(),
            self.minutes
        )
    }
}

/// Reads speakers.csv: `id,name,topic,perspective,side,minutes,available`.
pub fn from_table(table: &Table, assembly: &Assembly) -> Result<Vec<Contribution>, Error> {
    if table.rows.len() > MAX_CONTRIBUTIONS {
        return Err(InputError::invalid(
            &table.path,
            format!(
                "{} contributions; at most {MAX_CONTRIBUTIONS} are placed at once",
                table.rows.len()
            ),
        )
        .hint("an assembly's plenaries hold far fewer: list only the speakers invited, or plan the weekends separately")
        .into());
    }
    let [ic, tc, pc, mc] = table.require(
        ["id", "topic", "perspective", "minutes"],
        "a speakers file",
        "the header must include id, topic, perspective and minutes, and may include name, side and available",
    )?;
    let col = |c: &str| table.column(c);
    let (nc, sc, ac) = (col("name"), col("side"), col("available"));
    let longest = assembly
        .sessions
        .iter()
        .map(|s| s.minutes())
        .max()
        .unwrap_or(0);
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for row in &table.rows {
        let at =
            |c: usize, problem: String, hint: &str| table.cell_error(row, c, problem).hint(hint);
        let cell = |c: Option<usize>| c.map_or("", |c| row.cells[c].trim());
        let speaker = row.cells[ic].trim().to_string();
        if speaker.is_empty() {
            errors.push(at(ic, "blank id".into(), "give every speaker an id"));
            continue;
        }
        let topic = row.cells[tc].trim().to_string();
        if topic.is_empty() {
            errors.push(at(
                tc,
                "blank topic".into(),
                "give the contribution's topic",
            ));
        } else if !assembly.topics.is_empty()
            && !assembly.topics.iter().any(|t| key(t) == key(&topic))
        {
            errors.push(at(
                tc,
                format!(
                    "not one of the assembly's topics ({})",
                    assembly.topics.join(", ")
                ),
                "use a topic listed in the assembly file, or add it there",
            ));
        }
        let side = cell(sc).to_string();
        let perspective = match key(&row.cells[pc]).as_str() {
            "informant" | "expert" => Perspective::Informant,
            "testimony" | "witness" => Perspective::Testimony,
            "advocate" if !side.is_empty() => Perspective::Advocate(side),
            "advocate" => {
                let c = sc.unwrap_or(pc);
                errors.push(at(
                    c,
                    "an advocate needs a side".into(),
                    "name the side argued in the side column (e.g. for, against)",
                ));
                continue;
            }
            other => {
                errors.push(at(
                    pc,
                    format!("unknown perspective \"{other}\""),
                    "perspective is one of informant, advocate, testimony",
                ));
                continue;
            }
        };
        let minutes = match row.cells[mc].trim().parse::<u32>() {
            Ok(m) if m >= 1 && m <= longest.max(1) => m,
            _ => {
                errors.push(at(
                    mc,
                    format!("not a number of minutes from 1 to {longest} (the longest session)"),
                    "give the length of the contribution in whole minutes",
                ));
                continue;
            }
        };
        let available = ac
            .and_then(|c| assembly.availability(table, row, c, &mut errors))
            .unwrap_or_else(|| vec![true; assembly.sessions.len()]);
        out.push(Contribution {
            name: cell(nc).to_string(),
            speaker,
            topic,
            perspective,
            minutes,
            available,
            line: row.line,
        });
    }
    if !errors.is_empty() {
        return Err(Error::Input(errors));
    }
    Ok(out)
}

/// A programme problem.
#[derive(Debug, Clone)]
pub struct Problem<'a> {
    pub assembly: &'a Assembly,
    pub contributions: Vec<Contribution>,
    /// When re-planning: each contribution's session in the earlier plan.
    pub previous: Vec<Option<usize>>,
    /// Sessions before this (chronological index) are past: kept as in
    /// `previous`, closed to anything else.
    pub from: usize,
}

/// Each contribution's session (None: not placed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Programme {
    pub session_of: Vec<Option<usize>>,
    /// The placement program was solved to optimality (else: time limit).
    pub optimal: bool,
}

/// One contribution's place and time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub contribution: usize,
    pub session: usize,
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Problem<'_> {
    fn topic_rank(&self, c: usize) -> usize {
        let t = key(&self.contributions[c].topic);
        self.assembly
            .topics
            .iter()
            .position(|x| key(x) == t)
            .unwrap_or(self.assembly.topics.len())
    }

    fn past(&self, s: usize) -> bool {
        s < self.from
    }

    /// Whether contribution `c` may go into session `s` (ignoring room left).
    pub fn fits(&self, c: usize, s: usize) -> bool {
        let x = &self.contributions[c];
        let session = &self.assembly.sessions[s];
        if self.past(s) {
            return self.previous.get(c).copied().flatten() == Some(s);
        }
        session.kind == Kind::Plenary
            && !self.assembly.days[session.day].cancelled
            && x.available[s]
            && (session.topics.is_empty() || session.topics.contains(&key(&x.topic)))
            && x.minutes <= session.minutes()
    }

    fn overlap(&self, a: usize, b: usize) -> bool {
        let (x, y) = (&self.assembly.sessions[a], &self.assembly.sessions[b]);
        a != b && x.day == y.day && x.start < y.end && y.start < x.end
    }

    /// (topic key, side key) → contributions; and topic → informants.
    fn sides(&self) -> Sides {
        let mut out: BTreeMap<String, BTreeMap<String, Vec<usize>>> = BTreeMap::new();
        for (c, x) in self.contributions.iter().enumerate() {
            if let Some(side) = x.perspective.side() {
                out.entry(key(&x.topic))
                    .or_default()
                    .entry(side)
                    .or_default()
                    .push(c);
            }
        }
        out
    }

    fn informants(&self, topic: &str) -> Vec<usize> {
        (0..self.contributions.len())
            .filter(|&c| {
                self.contributions[c].perspective == Perspective::Informant
                    && key(&self.contributions[c].topic) == topic
            })
            .collect()
    }
}

/// Places the contributions (see the module notes).
#[allow(clippy::needless_range_loop)] // sessions index x's rows and the assembly
pub fn solve(p: &Problem) -> Result<Programme, Error> {
    let a = p.assembly;
    let n = p.contributions.len();
    let sessions = a.sessions.len();
    let mut m = Model::new(Sense::Minimise);
    // x[c][s]
    let mut x: Vec<Vec<Option<Var>>> = vec![vec![None; sessions]; n];
    for (c, row) in x.iter_mut().enumerate() {
        for (s, cell) in row.iter_mut().enumerate() {
            if p.fits(c, s) {
                let moved = match p.previous.get(c).copied().flatten() {
                    Some(prev) if prev != s => MOVED,
                    _ => 0.0,
                };
                *cell = Some(m.binary(moved));
            }
        }
    }
    for (c, row) in x.iter().enumerate() {
        // placed + unplaced = 1; unplaced costs.
        let unplaced = m.continuous(0.0, 1.0, UNPLACED);
        let mut terms: Vec<(Var, f64)> = row.iter().flatten().map(|&v| (v, 1.0)).collect();
        terms.push((unplaced, 1.0));
        m.row(1.0, 1.0, terms);
        // Past placements stay.
        if let Some(prev) = p.previous.get(c).copied().flatten()
            && p.past(prev)
            && let Some(v) = row[prev]
        {
            m.row(1.0, 1.0, vec![(v, 1.0)]);
        }
    }
    // Session lengths.
    for s in 0..sessions {
        let terms: Vec<(Var, f64)> = (0..n)
            .filter_map(|c| {
                x[c][s].map(|v| (v, f64::from(p.contributions[c].minutes + a.changeover)))
            })
            .collect();
        if !terms.is_empty() {
            let room = f64::from(a.sessions[s].minutes() + a.changeover);
            m.row(f64::NEG_INFINITY, room, terms);
        }
    }
    // No double booking of a speaker.
    let overlapping: Vec<(usize, usize)> = (0..sessions)
        .flat_map(|s| (0..sessions).map(move |t| (s, t)))
        .filter(|&(s, t)| p.overlap(s, t))
        .collect();
    for c in 0..n {
        for d in c + 1..n {
            if p.contributions[c].speaker != p.contributions[d].speaker {
                continue;
            }
            for &(s, t) in &overlapping {
                if let (Some(u), Some(v)) = (x[c][s], x[d][t]) {
                    m.row(f64::NEG_INFINITY, 1.0, vec![(u, 1.0), (v, 1.0)]);
                }
            }
        }
    }
    // Topic order: first[t] <= s <= last[t] for every placed contribution,
    // last[t] <= first[t+1].
    let topics = a.topics.len();
    if topics > 1 {
        let big = sessions as f64;
        let first: Vec<Var> = (0..topics).map(|_| m.continuous(0.0, big, 0.0)).collect();
        let last: Vec<Var> = (0..topics).map(|_| m.continuous(0.0, big, 0.0)).collect();
        for (c, row) in x.iter().enumerate() {
            let t = p.topic_rank(c);
            if t >= topics {
                continue;
            }
            for (s, v) in row.iter().enumerate() {
                if let Some(v) = *v {
                    // first <= s + big·(1 − x)  and  last >= s·x
                    m.row(
                        f64::NEG_INFINITY,
                        s as f64 + big,
                        vec![(first[t], 1.0), (v, big)],
                    );
                    m.row(0.0, f64::INFINITY, vec![(last[t], 1.0), (v, -(s as f64))]);
                }
            }
        }
        for t in 0..topics {
            // first <= last even for a topic with nothing placed, so that
            // an empty topic cannot break the chain between its
            // neighbours.
            m.row(
                f64::NEG_INFINITY,
                0.0,
                vec![(first[t], 1.0), (last[t], -1.0)],
            );
            if t + 1 < topics {
                m.row(
                    f64::NEG_INFINITY,
                    0.0,
                    vec![(last[t], 1.0), (first[t + 1], -1.0)],
                );
            }
        }
    }
    let sides = p.sides();
    session_balance(p, &mut m, &x, &sides);
    weekend_balance(p, &mut m, &x, &sides);
    let settings = Settings {
        time_limit: Some(TIME_LIMIT_SECONDS),
        ..Settings::default()
    };
    let (solution, optimal) = match m.solve(&settings)? {
        Outcome::Optimal(s) => (s, true),
        Outcome::TimedOut(Some(s)) => (s, false),
        Outcome::TimedOut(None) => {
            return Err(Error::Solver(format!(
                "the speaker programme found no placement within {TIME_LIMIT_SECONDS} s; list fewer contributions or give the plenaries more time"
            )));
        }
        Outcome::Infeasible => {
            return Err(Error::Solver(
                "the speaker programme is infeasible: past sessions cannot be kept as they were"
                    .into(),
            ));
        }
    };
    let session_of = x
        .iter()
        .map(|row| {
            row.iter()
                .position(|v| v.is_some_and(|v| solution.int(v) == 1))
        })
        .collect();
    Ok(Programme {
        session_of,
        optimal,
    })
}

/// Soft rule: a session that hears an advocate of one side also hears the
/// other side or an informant (a 0–1 shortfall variable per advocate
/// placement, costing UNBALANCED).
#[allow(clippy::needless_range_loop)] // sessions index x's columns
fn session_balance(p: &Problem, m: &mut Model, x: &[Vec<Option<Var>>], sides: &Sides) {
    let sessions = p.assembly.sessions.len();
    for (topic, by_side) in sides {
        let informants = p.informants(topic);
        for (side, advocates) in by_side {
            let others: Vec<usize> = by_side
                .iter()
                .filter(|(s, _)| *s != side)
                .flat_map(|(_, v)| v.iter().copied())
                .chain(informants.iter().copied())
                .collect();
            for s in 0..sessions {
                if advocates.iter().all(|&c| x[c][s].is_none()) {
                    continue;
                }
                let b = m.continuous(0.0, 1.0, UNBALANCED);
                for &c in advocates {
                    if let Some(v) = x[c][s] {
                        let mut terms = vec![(b, 1.0), (v, -1.0)];
                        terms.extend(others.iter().filter_map(|&o| x[o][s].map(|u| (u, 1.0))));
                        m.row(0.0, f64::INFINITY, terms);
                    }
                }
            }
        }
    }
}

/// Soft rule: per weekend and topic, each side's advocacy minutes within
/// ±SIDE_TOLERANCE of the sides' mean (over and under variables cost one
/// each per minute).
fn weekend_balance(p: &Problem, m: &mut Model, x: &[Vec<Option<Var>>], sides: &Sides) {
    let a = p.assembly;
    let sessions = a.sessions.len();
    let weekends = a.weekends();
    for by_side in sides.values().filter(|b| b.len() >= 2) {
        let count = by_side.len() as f64;
        for &w in &weekends {
            let in_w = |s: usize| a.days[a.sessions[s].day].weekend == w;
            // Σ over all sides' advocates: minutes / count (the mean).
            for (side, _) in by_side.iter() {
                let mut over = Vec::new();
                let mut under = Vec::new();
                for (other, advocates) in by_side {
                    for &c in advocates {
                        let mins = f64::from(p.contributions[c].minutes);
                        let own = if other == side { mins } else { 0.0 };
                        for s in (0..sessions).filter(|&s| in_w(s)) {
                            if let Some(v) = x[c][s] {
                                over.push((v, own - (1.0 + SIDE_TOLERANCE) * mins / count));
                                under.push((v, (1.0 - SIDE_TOLERANCE) * mins / count - own));
                            }
                        }
                    }
                }
                if over.is_empty() {
                    continue;
                }
                let d_over = m.continuous(0.0, f64::INFINITY, 1.0);
                let d_under = m.continuous(0.0, f64::INFINITY, 1.0);
                over.push((d_over, -1.0));
                under.push((d_under, -1.0));
                m.row(f64::NEG_INFINITY, 0.0, over);
                m.row(f64::NEG_INFINITY, 0.0, under);
            }
        }
    }
}

/// Running order and times: per session, by topic order, then informants,
/// advocates alternating between sides, testimonies; then speaker id.
pub fn slots(p: &Problem, programme: &Programme) -> Vec<Slot> {
    let a = p.assembly;
    let mut out = Vec::new();
    for s in 0..a.sessions.len() {
        let mut here: Vec<usize> = (0..p.contributions.len())
            .filter(|&c| programme.session_of[c] == Some(s))
            .collect();
        if here.is_empty() {
            continue;
        }
        // Position of each advocate within its side (for alternation).
        let mut seen: BTreeMap<(usize, String), usize> = BTreeMap::new();
        here.sort_by_key(|&c| {
            (
                p.topic_rank(c),
                key(&p.contributions[c].topic),
                p.contributions[c].speaker.clone(),
                c,
            )
        });
        // (topic rank, topic, perspective rank, turn within side, side), index
        type Order = (usize, String, u8, usize, String);
        let mut keyed: Vec<(Order, usize)> = here
            .iter()
            .map(|&c| {
                let x = &p.contributions[c];
                let (rank, within) = match &x.perspective {
                    Perspective::Informant => (0, 0),
                    Perspective::Advocate(side) => {
                        let slot = seen.entry((p.topic_rank(c), key(side))).or_insert(0);
                        *slot += 1;
                        (1, *slot)
                    }
                    Perspective::Testimony => (2, 0),
                };
                let side = x.perspective.side().unwrap_or_default();
                ((p.topic_rank(c), key(&x.topic), rank, within, side), c)
            })
            .collect();
        keyed.sort();
        let mut t = a.sessions[s].start;
        for (_, c) in keyed {
            let end = t + Duration::minutes(i64::from(p.contributions[c].minutes));
            out.push(Slot {
                contribution: c,
                session: s,
                start: t,
                end,
            });
            t = end + Duration::minutes(i64::from(a.changeover));
        }
    }
    out
}

/// The figures and unmet goals of a programme, re-measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub placed: usize,
    pub unplaced: Vec<String>,
    /// Broken hard rules (should be empty).
    pub broken: Vec<String>,
    /// Unmet soft goals, explained.
    pub unmet: Vec<String>,
    pub warnings: Vec<String>,
    /// Per weekend: (weekend, perspective label, minutes).
    pub minutes: Vec<(u32, String, u32)>,
}

/// Per topic, per side: the advocates' contributions.
type Sides = BTreeMap<String, BTreeMap<String, Vec<usize>>>;

pub fn assess(p: &Problem, programme: &Programme) -> Assessment {
    let mut out = Assessment {
        placed: programme.session_of.iter().flatten().count(),
        unplaced: Vec::new(),
        broken: Vec::new(),
        unmet: Vec::new(),
        warnings: Vec::new(),
        minutes: Vec::new(),
    };
    hard_rules(p, programme, &mut out);
    let sides = p.sides();
    one_sided_sessions(p, programme, &sides, &mut out);
    minutes_per_weekend(p, programme, &sides, &mut out);
    out
}

/// The hard rules, re-checked: placed only in held plenaries a speaker can
/// attend, no session over its length, no speaker double-booked, topics in
/// order; and why each unplaced contribution is unplaced.
fn hard_rules(p: &Problem, programme: &Programme, out: &mut Assessment) {
    let a = p.assembly;
    for (c, x) in p.contributions.iter().enumerate() {
        let Some(s) = programme.session_of[c] else {
            out.unplaced.push(format!(
                "{}: {}",
                x.describe(),
                why_unplaced(p, programme, c)
            ));
            continue;
        };
        let session = &a.sessions[s];
        if session.kind != Kind::Plenary || a.days[session.day].cancelled {
            out.broken.push(format!(
                "{} is in {}, which is not a held plenary",
                x.describe(),
                session.id
            ));
        }
        if !x.available[s] {
            out.broken.push(format!(
                "{} is placed in {} but not available then",
                x.describe(),
                session.id
            ));
        }
    }
    for s in 0..a.sessions.len() {
        let used = used_minutes(p, programme, s);
        if used > a.sessions[s].minutes() + a.changeover {
            out.broken.push(format!(
                "session {} runs over: {} min of contributions in {} min",
                a.sessions[s].id,
                used.saturating_sub(a.changeover),
                a.sessions[s].minutes()
            ));
        }
    }
    for c in 0..p.contributions.len() {
        for d in c + 1..p.contributions.len() {
            if let (Some(s), Some(t)) = (programme.session_of[c], programme.session_of[d])
                && p.contributions[c].speaker == p.contributions[d].speaker
                && p.overlap(s, t)
            {
                out.broken.push(format!(
                    "speaker {} is booked in overlapping sessions {} and {}",
                    p.contributions[c].speaker, a.sessions[s].id, a.sessions[t].id
                ));
            }
        }
    }
    // Topic order.
    for c in 0..p.contributions.len() {
        for d in 0..p.contributions.len() {
            if let (Some(s), Some(t)) = (programme.session_of[c], programme.session_of[d])
                && p.topic_rank(c) < p.topic_rank(d)
                && p.topic_rank(d) < a.topics.len()
                && s > t
            {
                out.broken.push(format!(
                    "topic order: {} ({}) comes after {} ({})",
                    p.contributions[c].describe(),
                    a.sessions[s].id,
                    p.contributions[d].describe(),
                    a.sessions[t].id
                ));
            }
        }
    }
}

/// Topics with advocates for one side only, and sessions that hear one
/// side without the other or an informant.
fn one_sided_sessions(p: &Problem, programme: &Programme, sides: &Sides, out: &mut Assessment) {
    let a = p.assembly;
    for (topic, by_side) in sides {
        if by_side.len() == 1 {
            let (side, v) = by_side.iter().next().expect("one side");
            out.warnings.push(format!(
                "topic {}: advocates for one side only ({side}: {}); add the other side, or present them as informants",
                p.contributions[v[0]].topic,
                v.iter()
                    .map(|&c| p.contributions[c].speaker.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let informants = p.informants(topic);
        for s in 0..a.sessions.len() {
            let here = |c: &usize| programme.session_of[*c] == Some(s);
            for (side, advocates) in by_side {
                let heard: Vec<&usize> = advocates.iter().filter(|c| here(c)).collect();
                let Some(&&first) = heard.first() else {
                    continue;
                };
                let balanced = informants.iter().any(here)
                    || by_side.iter().any(|(o, v)| o != side && v.iter().any(here));
                if !balanced {
                    let could: Vec<String> = by_side
                        .iter()
                        .filter(|(o, _)| *o != side)
                        .flat_map(|(_, v)| v.iter().copied())
                        .chain(informants.iter().copied())
                        .filter(|&o| p.fits(o, s))
                        .map(|o| p.contributions[o].speaker.clone())
                        .collect();
                    let why = if could.is_empty() {
                        "no informant or advocate of another side on this topic can attend it"
                            .to_string()
                    } else {
                        format!(
                            "those who could come ({}) are needed elsewhere or do not fit",
                            could.join(", ")
                        )
                    };
                    out.unmet.push(format!(
                        "session {} ({}): hears {} for \"{}\" on {} without the other side or an informant: {why}",
                        a.sessions[s].id,
                        a.when(s),
                        heard
                            .iter()
                            .map(|&&c| p.contributions[c].speaker.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                        match &p.contributions[first].perspective {
                            Perspective::Advocate(x) => x.as_str(),
                            _ => "",
                        },
                        p.contributions[first].topic
                    ));
                }
            }
        }
    }
}

/// Minutes per perspective and weekend, and the sides' advocacy minutes
/// within ±SIDE_TOLERANCE of their mean.
fn minutes_per_weekend(p: &Problem, programme: &Programme, sides: &Sides, out: &mut Assessment) {
    let a = p.assembly;
    for w in a.weekends() {
        let mut per: BTreeMap<String, u32> = BTreeMap::new();
        for (c, x) in p.contributions.iter().enumerate() {
            if let Some(s) = programme.session_of[c]
                && a.days[a.sessions[s].day].weekend == w
            {
                *per.entry(x.perspective.describe()).or_default() += x.minutes;
            }
        }
        for (label, mins) in per {
            out.minutes.push((w, label, mins));
        }
        for by_side in sides.values().filter(|b| b.len() >= 2) {
            let mins: Vec<(String, u32)> = by_side
                .iter()
                .map(|(side, v)| {
                    let side_name = match &p.contributions[v[0]].perspective {
                        Perspective::Advocate(x) => x.clone(),
                        _ => side.clone(),
                    };
                    let m = v
                        .iter()
                        .filter(|&&c| {
                            programme.session_of[c]
                                .is_some_and(|s| a.days[a.sessions[s].day].weekend == w)
                        })
                        .map(|&c| p.contributions[c].minutes)
                        .sum();
                    (side_name, m)
                })
                .collect();
            let total: u32 = mins.iter().map(|x| x.1).sum();
            if total == 0 {
                continue;
            }
            let mean = f64::from(total) / mins.len() as f64;
            let (lo, hi) = (
                mean * (1.0 - SIDE_TOLERANCE) - 1e-9,
                mean * (1.0 + SIDE_TOLERANCE) + 1e-9,
            );
            if mins
                .iter()
                .any(|&(_, m)| f64::from(m) < lo || f64::from(m) > hi)
            {
                let topic = &p.contributions[by_side.values().next().expect("sides")[0]].topic;
                out.unmet.push(format!(
                    "weekend {w}, topic {topic}: advocacy minutes {} are not within ±{:.0}% of their mean ({mean:.1} min: {lo:.1}–{hi:.1})",
                    mins.iter()
                        .map(|(s, m)| format!("{s} {m}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    SIDE_TOLERANCE * 100.0,
                ));
            }
        }
    }
}

/// Minutes a session's contributions take, each with its changeover.
fn used_minutes(p: &Problem, programme: &Programme, s: usize) -> u32 {
    (0..p.contributions.len())
        .filter(|&c| programme.session_of[c] == Some(s))
        .map(|c| p.contributions[c].minutes + p.assembly.changeover)
        .sum()
}

/// Why a contribution has no place, in words.
fn why_unplaced(p: &Problem, programme: &Programme, c: usize) -> String {
    let a = p.assembly;
    let x = &p.contributions[c];
    let open: Vec<usize> = a.plenaries().into_iter().filter(|&s| !p.past(s)).collect();
    if open.is_empty() {
        return "the assembly has no open plenary session".into();
    }
    let available: Vec<usize> = open.iter().copied().filter(|&s| x.available[s]).collect();
    if available.is_empty() {
        return "the speaker is available for no open plenary".into();
    }
    let topical: Vec<usize> = available
        .iter()
        .copied()
        .filter(|&s| {
            a.sessions[s].topics.is_empty() || a.sessions[s].topics.contains(&key(&x.topic))
        })
        .collect();
    if topical.is_empty() {
        return format!(
            "no plenary the speaker can attend hears {} ({})",
            x.topic,
            available
                .iter()
                .map(|&s| a.sessions[s].id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let long: Vec<usize> = topical
        .iter()
        .copied()
        .filter(|&s| a.sessions[s].minutes() >= x.minutes)
        .collect();
    if long.is_empty() {
        return format!(
            "it is longer than every plenary it could go in (longest {} min)",
            topical
                .iter()
                .map(|&s| a.sessions[s].minutes())
                .max()
                .unwrap_or(0)
        );
    }
    let full: Vec<String> = long
        .iter()
        .map(|&s| {
            let used = used_minutes(p, programme, s);
            format!(
                "{} ({} of {} min used)",
                a.sessions[s].id,
                used.saturating_sub(a.changeover),
                a.sessions[s].minutes()
            )
        })
        .collect();
    format!(
        "every plenary it could go in is full or would break the topic order: {}",
        full.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn assembly(sessions: &str) -> Assembly {
        let text = format!(
            r#"
name = "t"
time_zone = "UTC"
topics = ["a", "b"]
[files]
members = "m.csv"
[[days]]
id = "d1"
date = "2027-01-09"
[[days]]
id = "d2"
date = "2027-01-16"
{sessions}
"#
        );
        Assembly::parse(Path::new("a.toml"), &text).unwrap()
    }

    fn plenary(id: &str, day: &str, start: &str, end: &str) -> String {
        format!(
            "[[sessions]]\nid = \"{id}\"\nday = \"{day}\"\nstart = \"{start}\"\nend = \"{end}\"\nkind = \"plenary\"\n"
        )
    }

    /// A first plan (nothing earlier to keep).
    fn fresh(a: &Assembly, contributions: Vec<Contribution>) -> Problem<'_> {
        Problem {
            assembly: a,
            contributions,
            previous: vec![],
            from: 0,
        }
    }

    fn contributions(a: &Assembly, rows: &str) -> Vec<Contribution> {
        let csv = format!("id,topic,perspective,side,minutes,available\n{rows}");
        let t = Table::parse(Path::new("speakers.csv"), csv.as_bytes()).unwrap();
        from_table(&t, a).unwrap()
    }

    #[test]
    fn places_everything_in_order_and_balanced() {
        let a = assembly(
            &[
                plenary("p1", "d1", "10:00", "10:30"),
                plenary("p2", "d1", "11:00", "11:30"),
                plenary("p3", "d2", "10:00", "11:00"),
            ]
            .concat(),
        );
        let c = contributions(
            &a,
            "I1,a,informant,,10,\nA1,a,advocate,for,10,\nA2,a,advocate,against,10,\n\
             B1,b,advocate,for,15,\nB2,b,advocate,against,15,\nT1,b,testimony,,20,d2\nI2,a,informant,,10,\n",
        );
        let p = fresh(&a, c);
        let prog = solve(&p).unwrap();
        let x = assess(&p, &prog);
        assert_eq!(x.placed, 7, "{:?}", x.unplaced);
        assert!(x.broken.is_empty(), "{:?}", x.broken);
        assert!(x.unmet.is_empty(), "{:?}", x.unmet);
        // Topic a never after topic b; T1 only on d2.
        let s = &prog.session_of;
        for a_side in [0, 1, 2, 6] {
            for b_side in [3, 4, 5] {
                assert!(s[a_side].unwrap() <= s[b_side].unwrap(), "{s:?}");
            }
        }
        assert_eq!(s[5], Some(2));
        let sl = slots(&p, &prog);
        // Within a session times follow on and end in time.
        for x in &sl {
            assert!(x.end <= a.sessions[x.session].end);
        }
    }

    #[test]
    fn unplaceable_contributions_are_explained() {
        let a = assembly(&plenary("p1", "d1", "10:00", "10:30"));
        let c = contributions(
            &a,
            "X,a,informant,,20,d2\nY,a,informant,,20,\nZ,a,informant,,20,\n",
        );
        let p = fresh(&a, c);
        let prog = solve(&p).unwrap();
        let x = assess(&p, &prog);
        assert_eq!(x.placed, 1);
        assert!(
            x.unplaced[0].contains("available for no open plenary"),
            "{:?}",
            x.unplaced
        );
        assert!(x.unplaced[1].contains("full"), "{:?}", x.unplaced);
    }

    #[test]
    fn one_sided_sessions_are_reported_with_a_reason() {
        let a = assembly(
            &[
                plenary("p1", "d1", "10:00", "10:30"),
                plenary("p2", "d2", "10:00", "10:30"),
            ]
            .concat(),
        );
        let c = contributions(&a, "A1,a,advocate,for,20,d1\nA2,a,advocate,against,20,d2\n");
        let p = fresh(&a, c);
        let prog = solve(&p).unwrap();
        let x = assess(&p, &prog);
        assert_eq!(x.placed, 2);
        assert_eq!(x.unmet.len(), 4, "{:?}", x.unmet); // two sessions, two weekends
        assert!(x.unmet[0].contains("can attend"), "{:?}", x.unmet);
    }

    #[test]
    fn past_sessions_are_kept_and_moves_are_avoided() {
        let a = assembly(
            &[
                plenary("p1", "d1", "10:00", "10:30"),
                plenary("p2", "d2", "10:00", "10:30"),
                plenary("p3", "d2", "11:00", "11:30"),
            ]
            .concat(),
        );
        let c = contributions(
            &a,
            "I1,a,informant,,20,\nI2,b,informant,,20,\nI3,b,informant,,20,\n",
        );
        let p = Problem {
            assembly: &a,
            contributions: c,
            previous: vec![Some(0), Some(2), Some(1)],
            from: 1,
        };
        let prog = solve(&p).unwrap();
        assert_eq!(prog.session_of, vec![Some(0), Some(2), Some(1)]);
    }

    #[test]
    fn bad_rows_are_located() {
        let a = assembly(&plenary("p1", "d1", "10:00", "10:30"));
        let csv = "id,topic,perspective,side,minutes,available\nX,c,informant,,10,\nY,a,advocate,,10,\nZ,a,informant,,90,\nW,a,informant,,10,d9\n";
        let t = Table::parse(Path::new("speakers.csv"), csv.as_bytes()).unwrap();
        let Err(Error::Input(e)) = from_table(&t, &a) else {
            panic!()
        };
        let lines: Vec<_> = e.iter().map(|e| (e.line, e.column.clone())).collect();
        assert_eq!(
            lines,
            vec![
                (Some(2), Some("topic".into())),
                (Some(3), Some("side".into())),
                (Some(4), Some("minutes".into())),
                (Some(5), Some("available".into())),
            ]
        );
    }
}
