//! The starting seating: an affine design (pure mixing) or the
//! Latin-square grid where one fits; else per round the pins, the previous
//! plan, together clusters at the table with most room, and everyone else
//! dealt to the tables in turn in order of their values (so each table
//! gets a spread).

use super::*;

/// Per round, per member: the table of the starting seating (`NONE` for
/// the absent); and whether a design gave it.
pub(super) fn tables(
    p: &Problem,
    sizes: &[Vec<usize>],
    previous: Option<&Vec<Vec<Option<usize>>>>,
    rng: &mut SearchRng,
) -> (Vec<Vec<usize>>, bool) {
    let n = p.n;
    let design = affine_design(p).or_else(|| grid_design(p, rng));
    let mut table_of = vec![vec![NONE; n]; p.rounds];
    for r in 0..p.rounds {
        if let Some(tables) = design.as_ref().and_then(|d| d.get(r)) {
            table_of[r].clone_from(tables);
            continue;
        }
        let mut free: Vec<usize> = sizes[r].clone();
        let place = |i: usize, t: usize, table_of: &mut Vec<Vec<usize>>, free: &mut Vec<usize>| {
            table_of[r][i] = t;
            free[t] -= 1;
        };
        let present = p.present(r);
        let fixed = r < p.fixed_rounds && previous.is_some();
        // Pins (not in fixed rounds: those were held as they were), then the
        // previous plan.
        for &i in &present {
            if let Some(t) = p.pin(r, i).filter(|_| !fixed)
                && free[t] > 0
            {
                place(i, t, &mut table_of, &mut free);
            }
        }
        if let Some(prev) = previous {
            for &i in &present {
                if table_of[r][i] == NONE
                    && let Some(t) = prev[r][i]
                    && t < free.len()
                    && free[t] > 0
                {
                    place(i, t, &mut table_of, &mut free);
                }
            }
        }
        // Together clusters at the table with most room.
        for c in &p.constraints {
            if c.kind != Kind::Together || !c.applies(r) || fixed {
                continue;
            }
            let left: Vec<usize> = c
                .members
                .iter()
                .copied()
                .filter(|&i| table_of[r][i] == NONE && present.contains(&i))
                .collect();
            if left.is_empty() {
                continue;
            }
            let anchor = c
                .members
                .iter()
                .map(|&i| table_of[r][i])
                .find(|&t| t != NONE);
            let t = anchor
                .filter(|&t| free[t] >= left.len())
                .unwrap_or_else(|| {
                    (0..free.len())
                        .max_by_key(|&t| (free[t], usize::MAX - t))
                        .unwrap_or(0)
                });
            for i in left {
                if free[t] > 0 {
                    place(i, t, &mut table_of, &mut free);
                }
            }
        }
        // Everyone else, in order of their values (so each table gets a
        // spread), dealt to the tables in turn, shifted per round.
        let mut rest: Vec<usize> = present
            .iter()
            .copied()
            .filter(|&i| table_of[r][i] == NONE)
            .collect();
        rest.sort_by_key(|&i| {
            (
                p.categories
                    .iter()
                    .map(|c| c.of_member[i])
                    .collect::<Vec<_>>(),
                i,
            )
        });
        let tables = free.len();
        let mut t = r % tables.max(1);
        for i in rest {
            let mut tries = 0;
            while free[t] == 0 && tries < tables {
                t = (t + 1) % tables;
                tries += 1;
            }
            place(i, t, &mut table_of, &mut free);
            t = (t + 1) % tables;
        }
    }
    (table_of, design.is_some())
}
