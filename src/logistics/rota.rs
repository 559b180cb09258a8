//! Facilitator rota: one table facilitator per table per deliberation
//! round (and a note-taker where there are enough), a lead on duty every
//! round, availability honoured.
//!
//! Goals, as costs of a simulated annealing over swaps within a round
//! (fixed-key random stream, so deterministic for a given seed):
//!
//! - 10 per time a member meets the same table facilitator again (while
//!   the rounds do not outnumber the tables this can reach 0);
//! - 10 per session of spread beyond one between the busiest and the least
//!   busy facilitator of a role (loads within one session of each other);
//! - 2 per block of three consecutive rounds worked without a break;
//! - when re-planning, 4 per post given to someone other than in the
//!   earlier rota (the earlier rota is also the starting point).
//!
//! Hard: nobody works a round they are unavailable for, nobody holds two
//! posts in one round.

use crate::error::{Error, InputError};
use crate::files::table::{Table, key};
use crate::random::{DrawRng, anneal};

/// Domain label of the rota search's random stream (not a draw).
pub const ROTA_DOMAIN: &str = "kleroterion/rota/v1";

const REPEAT: f64 = 10.0;
const LOAD: f64 = 10.0;
const NO_BREAK: f64 = 2.0;
/// Re-planning: per post given to someone else than in the earlier rota
/// (less than a repeated meeting, so a change is made only to spare one).
const MOVED: f64 = 4.0;

/// Involve's guidance: at most 9 members per facilitator is essential, 7
/// desirable. Tables above the essential size are warned about; those
/// above the desirable one are counted in the report (the assembly's
/// default tables of 8 are above it, so a warning there would fire on
/// every table of a default plan).
pub const DESIRABLE_TABLE: usize = 7;
pub const ESSENTIAL_TABLE: usize = 9;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Lead,
    Table,
    NoteTaker,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Lead => "lead",
            Role::Table => "table",
            Role::NoteTaker => "note-taker",
        }
    }
}

/// One facilitator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facilitator {
    pub id: String,
    pub name: String,
    pub role: Role,
    /// Per round (0-based): available.
    pub available: Vec<bool>,
}

/// The rota problem: per round, the tables' members (member indices).
#[derive(Debug, Clone)]
pub struct Problem {
    pub tables: Vec<Vec<Vec<usize>>>,
    pub members: usize,
    pub facilitators: Vec<Facilitator>,
    /// When re-planning: the earlier rota (same facilitator indices).
    pub previous: Option<Rota>,
    /// Rounds (from the first) kept as in `previous` where its people are
    /// still there.
    pub fixed_rounds: usize,
    /// Per round: it follows the previous round without a break (e.g. on
    /// the same day). Empty: every round follows the previous one.
    pub adjacent: Vec<bool>,
}

impl Problem {
    /// Blocks of three rounds in a row, without a break, that `works` covers.
    fn runs_of_three(&self, works: &[bool]) -> usize {
        let adjacent = |r: usize| self.adjacent.get(r).copied().unwrap_or(true);
        (2..works.len())
            .filter(|&r| works[r - 2] && works[r - 1] && works[r] && adjacent(r - 1) && adjacent(r))
            .count()
    }
}

/// Per round: the lead (facilitator index), and per table its facilitator
/// and note-taker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rota {
    pub lead: Vec<Option<usize>>,
    pub table: Vec<Vec<Option<usize>>>,
    pub note: Vec<Vec<Option<usize>>>,
}

/// One role's posts per round as a list of slots (None = idle available
/// person kept for swaps).
struct Posts {
    /// [round] -> facilitators of this role available that round; the first
    /// `slots[round]` hold the posts (table t = position t), the rest idle.
    order: Vec<Vec<usize>>,
    slots: Vec<usize>,
}

fn posts(
    p: &Problem,
    role: Role,
    slots: impl Fn(usize) -> usize,
    kept: impl Fn(&Rota, usize, usize) -> Option<usize>,
    rng: &mut DrawRng,
) -> Posts {
    let rounds = p.tables.len();
    let mut load = vec![0usize; p.facilitators.len()];
    let mut order = vec![Vec::new(); rounds];
    let mut counts = vec![0; rounds];
    let available = |r: usize| -> Vec<usize> {
        (0..p.facilitators.len())
            .filter(|&f| p.facilitators[f].role == role && p.facilitators[f].available[r])
            .collect()
    };
    // Leads and note-takers (not annealed): kept rounds first, then the
    // most constrained rounds (fewest people available per post), so loads
    // even out across availability. Table facilitators: in time order.
    let fixed = if p.previous.is_some() {
        p.fixed_rounds
    } else {
        0
    };
    let mut sequence: Vec<usize> = (0..rounds).collect();
    if role != Role::Table {
        sequence.sort_by_key(|&r| {
            let ratio = (available(r).len() * 1000) / slots(r).max(1);
            (r >= fixed, if r < fixed { r } else { ratio }, r)
        });
    }
    for r in sequence {
        let mut avail = available(r);
        // Least loaded first (then a seeded shuffle of ties by index).
        let salt = rng.next_word();
        avail.sort_by_key(|&f| (load[f], (f as u64).wrapping_mul(salt | 1) >> 7));
        let k = slots(r).min(avail.len());
        if let Some(prev) = &p.previous {
            // Kept posts first, in their slots (held in past rounds, a
            // starting point in open ones); gaps from the least loaded.
            let mut placed: Vec<Option<usize>> = Vec::with_capacity(k);
            for t in 0..k {
                let f =
                    kept(prev, r, t).filter(|f| avail.contains(f) && !placed.contains(&Some(*f)));
                placed.push(f);
            }
            let mut rest: Vec<usize> = avail
                .iter()
                .copied()
                .filter(|f| !placed.contains(&Some(*f)))
                .collect();
            for slot in placed.iter_mut().filter(|x| x.is_none()) {
                *slot = Some(rest.remove(0));
            }
            avail = placed.into_iter().flatten().chain(rest).collect();
        }
        for &f in &avail[..k] {
            load[f] += 1;
        }
        order[r] = avail;
        counts[r] = k;
    }
    Posts {
        order,
        slots: counts,
    }
}

/// (least, most) load among `staff`; the least only over those who could
/// have worked more (availability caps the others).
fn spread(staff: &[usize], load: &[i64], avail: &[i64]) -> (i64, i64) {
    let hi = staff.iter().map(|&f| load[f]).max().unwrap_or(0);
    let lo = staff
        .iter()
        .filter(|&&f| load[f] < avail[f])
        .map(|&f| load[f])
        .min()
        .unwrap_or(hi);
    (lo.min(hi), hi)
}

/// Builds the rota: leads and note-takers by load, table facilitators by
/// annealing. `effort`: swaps tried per table per round.
pub fn solve(p: &Problem, seed: &str, effort: usize) -> Rota {
    let rounds = p.tables.len();
    let mut rng = DrawRng::new(ROTA_DOMAIN, seed);
    let at = |v: &Vec<Vec<Option<usize>>>, r: usize, t: usize| {
        v.get(r).and_then(|x| x.get(t)).copied().flatten()
    };
    let leads = posts(
        p,
        Role::Lead,
        |_| 1,
        |x, r, _| x.lead.get(r).copied().flatten(),
        &mut rng,
    );
    let notes = posts(
        p,
        Role::NoteTaker,
        |r| p.tables[r].len(),
        |x, r, t| at(&x.note, r, t),
        &mut rng,
    );
    let mut tabs = posts(
        p,
        Role::Table,
        |r| p.tables[r].len(),
        |x, r, t| at(&x.table, r, t),
        &mut rng,
    );
    let f_count = p.facilitators.len();
    // meet[member * F + f]
    let mut meet = vec![0u16; p.members * f_count];
    let mut load = vec![0i64; f_count];
    let mut works = vec![vec![false; rounds]; f_count];
    for (r, (order, &slots)) in tabs.order.iter().zip(&tabs.slots).enumerate() {
        for (t, &f) in order[..slots].iter().enumerate() {
            load[f] += 1;
            works[f][r] = true;
            for &m in &p.tables[r][t] {
                meet[m * f_count + f] += 1;
            }
        }
    }
    let table_staff: Vec<usize> = (0..f_count)
        .filter(|&f| p.facilitators[f].role == Role::Table)
        .collect();
    // The spread `assess` measures: the least loaded only among those
    // available for more.
    let avail: Vec<i64> = p
        .facilitators
        .iter()
        .map(|f| f.available.iter().filter(|&&a| a).count() as i64)
        .collect();
    let load_cost = |load: &[i64]| -> f64 {
        if table_staff.is_empty() {
            return 0.0;
        }
        let (lo, hi) = spread(&table_staff, load, &avail);
        LOAD * ((hi - lo - 1).max(0)) as f64
    };
    let breaks = |w: &[bool]| -> f64 { NO_BREAK * p.runs_of_three(w) as f64 };
    let fixed = if p.previous.is_some() {
        p.fixed_rounds
    } else {
        0
    };
    let open: Vec<usize> = (fixed..rounds)
        .filter(|&r| tabs.order[r].len() >= 2 && tabs.slots[r] >= 1)
        .collect();
    // Re-planning: a post given to someone else than in the earlier rota.
    let stay = |r: usize, t: usize, f: usize| -> f64 {
        match p.previous.as_ref().and_then(|x| at(&x.table, r, t)) {
            Some(was) if was != f => MOVED,
            _ => 0.0,
        }
    };
    let moves = effort.saturating_mul(p.tables.iter().map(Vec::len).sum::<usize>().max(1));
    let (t0, t1) = (2.0f64, 0.02f64);
    let mut schedule = anneal::Schedule::new((t0, t1), moves, 1024);
    for step in 0..if open.is_empty() { 0 } else { moves } {
        let temperature = schedule.at(step);
        let r = open[rng.below(open.len() as u64) as usize];
        let list = &tabs.order[r];
        let x = rng.below(tabs.slots[r] as u64) as usize;
        let y = rng.below(list.len() as u64) as usize;
        if x == y {
            continue;
        }
        let (fx, fy) = (list[x], list[y]);
        // fx leaves table x; fy takes it (and fx takes y's table, if y < slots).
        let y_posted = y < tabs.slots[r];
        let mut d = 0.0;
        let gain = |meet: &[u16], m: usize, f: usize, delta: i32| -> f64 {
            let c = i32::from(meet[m * f_count + f]);
            let cost = |c: i32| REPEAT * f64::from((c - 1).max(0));
            cost(c + delta) - cost(c)
        };
        for &m in &p.tables[r][x] {
            d += gain(&meet, m, fx, -1) + gain(&meet, m, fy, 1);
        }
        d += stay(r, x, fy) - stay(r, x, fx);
        if y_posted {
            d += stay(r, y, fx) - stay(r, y, fy);
        }
        if y_posted {
            for &m in &p.tables[r][y] {
                d += gain(&meet, m, fy, -1) + gain(&meet, m, fx, 1);
            }
        } else {
            let before = load_cost(&load) + breaks(&works[fx]) + breaks(&works[fy]);
            load[fx] -= 1;
            load[fy] += 1;
            works[fx][r] = false;
            works[fy][r] = true;
            let after = load_cost(&load) + breaks(&works[fx]) + breaks(&works[fy]);
            load[fx] += 1;
            load[fy] -= 1;
            works[fx][r] = true;
            works[fy][r] = false;
            d += after - before;
        }
        let accept = anneal::accept(d, temperature, &mut rng);
        if !accept {
            continue;
        }
        for &m in &p.tables[r][x] {
            meet[m * f_count + fx] -= 1;
            meet[m * f_count + fy] += 1;
        }
        if y_posted {
            for &m in &p.tables[r][y] {
                meet[m * f_count + fy] -= 1;
                meet[m * f_count + fx] += 1;
            }
        } else {
            load[fx] -= 1;
            load[fy] += 1;
            works[fx][r] = false;
            works[fy][r] = true;
        }
        tabs.order[r].swap(x, y);
    }
    let post = |ps: &Posts, r: usize, t: usize| (t < ps.slots[r]).then(|| ps.order[r][t]);
    Rota {
        lead: (0..rounds).map(|r| post(&leads, r, 0)).collect(),
        table: (0..rounds)
            .map(|r| (0..p.tables[r].len()).map(|t| post(&tabs, r, t)).collect())
            .collect(),
        note: (0..rounds)
            .map(|r| (0..p.tables[r].len()).map(|t| post(&notes, r, t)).collect())
            .collect(),
    }
}

/// Reads facilitators.csv: `id,role` and optionally `name` and `available`
/// (or `rounds`): words that `words` turns into 0-based rounds; blank for
/// all. `hint` says what the words may be.
pub fn facilitators_from_table(
    table: &Table,
    rounds: usize,
    words: &dyn Fn(&str) -> Option<Vec<usize>>,
    hint: &str,
) -> Result<Vec<Facilitator>, Error> {
    let path = &table.path;
    let (Some(ic), Some(rc)) = (table.column("id"), table.column("role")) else {
        return Err(InputError::unreadable(
            path,
            format!(
                "not a facilitators file: the header has {}",
                table.header_list()
            ),
        )
        .line(1)
        .hint("the header must include id and role, and may include name and available")
        .into());
    };
    let avail = table.column("available").or_else(|| table.column("rounds"));
    let name = table.column("name");
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for row in &table.rows {
        let at =
            |c: usize, problem: String, hint: &str| table.cell_error(row, c, problem).hint(hint);
        let role = match key(&row.cells[rc]).as_str() {
            "lead" => Role::Lead,
            "table" | "facilitator" => Role::Table,
            "note-taker" | "notetaker" | "note taker" => Role::NoteTaker,
            other => {
                errors.push(at(
                    rc,
                    format!("unknown role \"{other}\""),
                    "role is one of lead, table, note-taker",
                ));
                continue;
            }
        };
        let mut available = vec![true; rounds];
        if let Some(c) = avail
            && !row.cells[c].trim().is_empty()
        {
            available = vec![false; rounds];
            for w in row.cells[c]
                .split([' ', ';'])
                .filter(|w| !w.trim().is_empty())
            {
                match words(w) {
                    Some(of) => of.into_iter().for_each(|r| available[r] = true),
                    None => errors.push(at(
                        c,
                        format!("\"{w}\" names none of the {rounds} rounds"),
                        hint,
                    )),
                }
            }
        }
        let id = row.cells[ic].trim().to_string();
        if id.is_empty() {
            errors.push(at(ic, "blank id".into(), "give every facilitator an id"));
            continue;
        }
        if out.iter().any(|f: &Facilitator| f.id == id) {
            errors.push(at(
                ic,
                "duplicate id".into(),
                "list each facilitator once, with one role",
            ));
            continue;
        }
        out.push(Facilitator {
            name: name.map_or(String::new(), |c| row.cells[c].trim().to_string()),
            id,
            role,
            available,
        });
    }
    if !errors.is_empty() {
        return Err(Error::Input(errors));
    }
    Ok(out)
}

/// Every unmet goal, in words, and the figures of a rota.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// Member–facilitator meetings beyond the first.
    pub repeats: usize,
    /// Per role: (least, most) sessions among its members.
    pub loads: Vec<(Role, usize, usize)>,
    pub unmet: Vec<String>,
    pub warnings: Vec<String>,
    /// (tables above [`DESIRABLE_TABLE`] members, tables), over all rounds.
    pub above_desirable: (usize, usize),
}

impl Assessment {
    /// The report's line on table sizes against Involve's guidance.
    pub fn sizes_line(&self) -> String {
        format!(
            "Tables above {DESIRABLE_TABLE} members per facilitator (Involve: {DESIRABLE_TABLE} desirable, {ESSENTIAL_TABLE} essential): {} of {}",
            self.above_desirable.0, self.above_desirable.1
        )
    }
}

#[allow(clippy::needless_range_loop)] // rounds index several parallel tables
pub fn assess(p: &Problem, rota: &Rota) -> Assessment {
    let rounds = p.tables.len();
    let f_count = p.facilitators.len();
    let mut unmet = Vec::new();
    let mut warnings = Vec::new();
    let mut meet = vec![0usize; p.members * f_count];
    let mut load = vec![0usize; f_count];
    let mut works = vec![vec![false; rounds]; f_count];
    let mut crowded = Vec::new();
    let (mut above, mut tables) = (0, 0);
    for r in 0..rounds {
        let mut posted: Vec<usize> = Vec::new();
        match rota.lead[r] {
            Some(f) => posted.push(f),
            None => unmet.push(format!("round {}: no lead facilitator available", r + 1)),
        }
        for (t, members) in p.tables[r].iter().enumerate() {
            match rota.table[r][t] {
                Some(f) => {
                    posted.push(f);
                    for &m in members {
                        meet[m * f_count + f] += 1;
                    }
                }
                None => unmet.push(format!(
                    "round {}, table {}: no table facilitator available",
                    r + 1,
                    t + 1
                )),
            }
            if let Some(f) = rota.note[r][t] {
                posted.push(f);
            }
            tables += 1;
            if members.len() > DESIRABLE_TABLE {
                above += 1;
            }
            if members.len() > ESSENTIAL_TABLE {
                crowded.push((r, t, members.len()));
            }
        }
        let noted = rota.note[r].iter().filter(|n| n.is_some()).count();
        let note_takers = p.facilitators.iter().any(|f| f.role == Role::NoteTaker);
        if note_takers && noted < p.tables[r].len() {
            unmet.push(format!(
                "round {}: note-takers for {} of {} tables only",
                r + 1,
                noted,
                p.tables[r].len()
            ));
        }
        for &f in &posted {
            load[f] += 1;
            works[f][r] = true;
            if !p.facilitators[f].available[r] {
                unmet.push(format!(
                    "round {}: {} is not available",
                    r + 1,
                    p.facilitators[f].id
                ));
            }
        }
        let mut sorted = posted.clone();
        sorted.sort_unstable();
        if sorted.windows(2).any(|w| w[0] == w[1]) {
            unmet.push(format!("round {}: someone holds two posts", r + 1));
        }
    }
    if let Some(&(r, t, _)) = crowded.first() {
        let largest = crowded.iter().map(|c| c.2).max().unwrap_or(0);
        warnings.push(format!(
            "{} tables have more than {ESSENTIAL_TABLE} members for one facilitator (largest {largest}; first: round {}, table {}); Involve: at most {ESSENTIAL_TABLE} essential, {DESIRABLE_TABLE} desirable",
            crowded.len(),
            r + 1,
            t + 1
        ));
    }
    let repeats: usize = meet.iter().map(|&c| c.saturating_sub(1)).sum();
    let tables_min = p.tables.iter().map(Vec::len).min().unwrap_or(0);
    if repeats > 0 {
        let msg = format!("{repeats} member–facilitator meetings repeat an earlier one");
        if rounds <= tables_min {
            unmet.push(msg);
        } else {
            warnings.push(format!(
                "{msg} (unavoidable in part: more rounds ({rounds}) than tables ({tables_min}))"
            ));
        }
    }
    let mut loads = Vec::new();
    for role in [Role::Lead, Role::Table, Role::NoteTaker] {
        let of: Vec<usize> = (0..f_count)
            .filter(|&f| p.facilitators[f].role == role)
            .collect();
        if of.is_empty() {
            continue;
        }
        let loads_i: Vec<i64> = load.iter().map(|&x| x as i64).collect();
        let avail: Vec<i64> = p
            .facilitators
            .iter()
            .map(|f| f.available.iter().filter(|&&a| a).count() as i64)
            .collect();
        let (lo, hi) = spread(&of, &loads_i, &avail);
        let (lo, hi) = (lo as usize, hi as usize);
        if hi > lo + 1 {
            unmet.push(format!(
                "{} loads range from {lo} to {hi} sessions among those available for more (goal: within one)",
                role.name()
            ));
        }
        loads.push((role, lo, hi));
    }
    let tired: Vec<String> = works
        .iter()
        .enumerate()
        .filter(|(_, w)| p.runs_of_three(w) > 0)
        .map(|(f, _)| p.facilitators[f].id.clone())
        .collect();
    if !tired.is_empty() {
        // With a break after every two rounds nobody works more than
        // ⌈2·rounds/3⌉ rounds.
        let most = (2 * rounds).div_ceil(3);
        let why = if loads.iter().any(|&(_, _, hi)| hi > most) {
            format!(
                " (unavoidable with this staffing: some work more than {most} of {rounds} rounds)"
            )
        } else {
            String::new()
        };
        unmet.push(format!(
            "{} facilitator(s) work three rounds in a row without a break: {}{why}",
            tired.len(),
            tired.join(", ")
        ));
    }
    Assessment {
        repeats,
        loads,
        unmet,
        warnings,
        above_desirable: (above, tables),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_member_meets_a_facilitator_twice_when_rounds_do_not_exceed_tables() {
        // 4 tables of 5 for 4 rounds: half the members stay at their table,
        // half move one table on per round; 6 table facilitators, 2 leads.
        let rounds = 4;
        let tables: Vec<Vec<Vec<usize>>> = (0..rounds)
            .map(|r| {
                (0..4)
                    .map(|t| {
                        (0..20)
                            .filter(|&m| (m + r * ((m / 4) % 2)) % 4 == t)
                            .collect()
                    })
                    .collect()
            })
            .collect();
        let mut facilitators: Vec<Facilitator> = (0..6)
            .map(|i| Facilitator {
                name: String::new(),
                id: format!("F{i}"),
                role: Role::Table,
                available: vec![true; rounds],
            })
            .collect();
        for id in ["L1", "L2"] {
            facilitators.push(Facilitator {
                name: String::new(),
                id: id.into(),
                role: Role::Lead,
                available: vec![true; rounds],
            });
        }
        let p = Problem {
            tables,
            members: 20,
            facilitators,
            previous: None,
            fixed_rounds: 0,
            adjacent: Vec::new(),
        };
        let rota = solve(&p, "t", 20_000);
        let a = assess(&p, &rota);
        assert_eq!(a.repeats, 0, "{:?}", a.unmet);
        assert!(a.unmet.is_empty(), "{:?}", a.unmet);
        assert!(rota.lead.iter().all(|l| matches!(l, Some(6) | Some(7))));
    }

    /// Tables of 8 (the assembly's default) are counted as above the
    /// desirable 7 but not warned about; tables of 10 are.
    #[test]
    fn only_tables_above_the_essential_size_are_warned_about() {
        let problem = |size: usize| {
            let facilitators = (0..2)
                .map(|i| Facilitator {
                    name: String::new(),
                    id: format!("F{i}"),
                    role: Role::Table,
                    available: vec![true],
                })
                .collect();
            Problem {
                tables: vec![vec![(0..size).collect(), (size..2 * size).collect()]],
                members: 2 * size,
                facilitators,
                previous: None,
                fixed_rounds: 0,
                adjacent: Vec::new(),
            }
        };
        let p = problem(8);
        let a = assess(&p, &solve(&p, "t", 1_000));
        assert!(a.warnings.is_empty(), "{:?}", a.warnings);
        assert_eq!(a.above_desirable, (2, 2));
        assert!(a.sizes_line().ends_with(": 2 of 2"));
        let p = problem(10);
        let a = assess(&p, &solve(&p, "t", 1_000));
        assert_eq!(a.warnings.len(), 1, "{:?}", a.warnings);
        assert!(a.warnings[0].contains("more than 9 members"));
    }
}
