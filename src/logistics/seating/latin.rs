//! Orthogonal Latin squares, found by search.
//!
//! Two orthogonal Latin squares L and M of order g seat g² people in four
//! rounds of g tables of g with no pair meeting twice: person (r, c) sits
//! at table r, then c, then L[r][c], then M[r][c], and two people share at
//! most one of these (rows and columns meet once; orthogonality makes
//! every (L, M) symbol pair, and so every other pairing, occur once). Where
//! g is a prime power the finite field gives such squares directly; for
//! other orders (10 is the one assemblies meet: 100 members at tables of
//! 10) they are found here: a random Latin square, its transversals (cells
//! one per row, column and symbol), and g disjoint transversals among them
//! by exact cover, which number the cells of an orthogonal mate.

use crate::random::SearchRng;

/// A g × g Latin square: `square[r][c]` is the symbol at row r, column c.
pub type Square = Vec<Vec<usize>>;

/// Random squares tried before giving up.
const ATTEMPTS: usize = 20;
/// Transversals listed per square at most.
const MAX_TRANSVERSALS: usize = 200_000;
/// Exact-cover nodes per square at most.
const COVER_NODES: usize = 20_000;

/// A pair of orthogonal Latin squares of order `g` (3 ≤ g ≤ 11), found by
/// a search driven by `rng` (so the same stream gives the same pair); None
/// if none was found within the search's budget (always for g = 6, where
/// none exists).
pub fn orthogonal_pair(g: usize, rng: &mut SearchRng) -> Option<(Square, Square)> {
    if !(3..=11).contains(&g) {
        return None;
    }
    for _ in 0..ATTEMPTS {
        let square = random_square(g, rng);
        if let Some(mate) = orthogonal_mate(&square) {
            return Some((square, mate));
        }
    }
    None
}

fn shuffle(v: &mut [usize], rng: &mut SearchRng) {
    for i in (1..v.len()).rev() {
        v.swap(i, rng.index(i + 1));
    }
}

/// A random Latin square, row by row: each row is a perfect matching of
/// columns to symbols not yet used in them (one always exists, by Hall's
/// theorem), found by augmenting paths in a random order.
fn random_square(g: usize, rng: &mut SearchRng) -> Square {
    let mut used = vec![vec![false; g]; g]; // [column][symbol]
    let mut square = Vec::with_capacity(g);
    for _ in 0..g {
        let mut symbols: Vec<usize> = (0..g).collect();
        shuffle(&mut symbols, rng);
        let mut columns: Vec<usize> = (0..g).collect();
        shuffle(&mut columns, rng);
        let mut column_of = vec![usize::MAX; g]; // per symbol
        for &c in &columns {
            let mut seen = vec![false; g];
            let matched = augment(c, &used, &symbols, &mut column_of, &mut seen);
            debug_assert!(matched, "a Latin rectangle always extends");
        }
        let mut row = vec![0; g];
        for (s, &c) in column_of.iter().enumerate() {
            row[c] = s;
            used[c][s] = true;
        }
        square.push(row);
    }
    square
}

fn augment(
    c: usize,
    used: &[Vec<bool>],
    symbols: &[usize],
    column_of: &mut [usize],
    seen: &mut [bool],
) -> bool {
    for &s in symbols {
        if used[c][s] || seen[s] {
            continue;
        }
        seen[s] = true;
        if column_of[s] == usize::MAX || augment(column_of[s], used, symbols, column_of, seen) {
            column_of[s] = c;
            return true;
        }
    }
    false
}

/// A Latin square orthogonal to `square`, if the search finds one: g
/// disjoint transversals, the k-th giving symbol k.
fn orthogonal_mate(square: &Square) -> Option<Square> {
    let g = square.len();
    let transversals = transversals(square);
    let mut chosen = Vec::with_capacity(g);
    let mut nodes = 0;
    if !cover(&transversals, g * g, 0, &mut chosen, &mut nodes) {
        return None;
    }
    let mut mate = vec![vec![0; g]; g];
    for (k, t) in chosen.iter().enumerate() {
        for cell in (0..g * g).filter(|&cell| t >> cell & 1 == 1) {
            mate[cell / g][cell % g] = k;
        }
    }
    Some(mate)
}

/// Exact cover of the `cells` cells by transversals disjoint from
/// `covered` (Knuth's algorithm X on bit masks): branch on the uncovered
/// cell the fewest candidates contain.
fn cover(
    candidates: &[u128],
    cells: usize,
    covered: u128,
    chosen: &mut Vec<u128>,
    nodes: &mut usize,
) -> bool {
    let full = (1u128 << cells) - 1; // cells = g² ≤ 121
    if covered == full {
        return true;
    }
    *nodes += 1;
    if *nodes > COVER_NODES {
        return false;
    }
    let open: Vec<u128> = candidates
        .iter()
        .copied()
        .filter(|t| t & covered == 0)
        .collect();
    let mut count = vec![0usize; cells];
    for t in &open {
        let mut bits = *t;
        while bits != 0 {
            count[bits.trailing_zeros() as usize] += 1;
            bits &= bits - 1;
        }
    }
    let Some(cell) = (0..cells)
        .filter(|&c| covered >> c & 1 == 0)
        .min_by_key(|&c| (count[c], c))
    else {
        return true;
    };
    for &t in open.iter().filter(|t| *t >> cell & 1 == 1) {
        chosen.push(t);
        if cover(&open, cells, covered | t, chosen, nodes) {
            return true;
        }
        chosen.pop();
        if *nodes > COVER_NODES {
            return false;
        }
    }
    false
}

/// The square's transversals as cell masks (cell r·g + c), at most
/// [`MAX_TRANSVERSALS`].
fn transversals(square: &Square) -> Vec<u128> {
    let g = square.len();
    let mut out = Vec::new();
    let mut stack = vec![(0usize, 0u128, 0u32, 0u32)]; // row, cells, columns, symbols
    while let Some((r, cells, columns, symbols)) = stack.pop() {
        if r == g {
            out.push(cells);
            if out.len() >= MAX_TRANSVERSALS {
                break;
            }
            continue;
        }
        for c in (0..g).rev() {
            let s = square[r][c];
            if columns >> c & 1 == 0 && symbols >> s & 1 == 0 {
                stack.push((
                    r + 1,
                    cells | 1u128 << (r * g + c),
                    columns | 1 << c,
                    symbols | 1 << s,
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_latin(sq: &Square) -> bool {
        let g = sq.len();
        (0..g).all(|i| {
            let mut row: Vec<usize> = sq[i].clone();
            let mut col: Vec<usize> = (0..g).map(|r| sq[r][i]).collect();
            row.sort_unstable();
            col.sort_unstable();
            row == (0..g).collect::<Vec<_>>() && col == (0..g).collect::<Vec<_>>()
        })
    }

    #[test]
    fn pairs_are_latin_and_orthogonal() {
        for g in [3, 5, 10] {
            let mut rng = SearchRng::new("test", "latin");
            let (l, m) =
                orthogonal_pair(g, &mut rng).unwrap_or_else(|| panic!("order {g}: a pair exists"));
            assert!(is_latin(&l) && is_latin(&m), "order {g}");
            let mut pairs: Vec<(usize, usize)> = (0..g * g)
                .map(|i| (l[i / g][i % g], m[i / g][i % g]))
                .collect();
            pairs.sort_unstable();
            pairs.dedup();
            assert_eq!(pairs.len(), g * g, "order {g}: every symbol pair once");
        }
    }

    #[test]
    fn order_ten_is_found_from_every_seed() {
        // Random squares of order 10 often give a mate within the cover
        // budget, so `ATTEMPTS` squares suffice for every seed (measured:
        // docs/benchmarks.md, section Seating history).
        for i in 0..20 {
            let mut rng = SearchRng::new(crate::logistics::seating::SEAT_DOMAIN, &format!("s{i}"));
            assert!(orthogonal_pair(10, &mut rng).is_some(), "seed s{i}");
        }
    }

    #[test]
    fn no_pair_of_order_two_or_six_and_the_search_is_deterministic() {
        let mut rng = SearchRng::new("test", "latin");
        assert!(orthogonal_pair(2, &mut rng).is_none());
        assert!(orthogonal_pair(6, &mut rng).is_none());
        let a = orthogonal_pair(10, &mut SearchRng::new("test", "x"));
        let b = orthogonal_pair(10, &mut SearchRng::new("test", "x"));
        assert_eq!(a, b);
    }
}
