//! Start designs that seat rounds without any repeated meeting: the affine
//! resolvable design over GF(g), and the grid of two orthogonal Latin
//! squares ([`super::latin`]).

use super::*;

/// Arithmetic in the finite field GF(p^k), elements as integers whose
/// base-p digits are polynomial coefficients.
pub(super) struct Field {
    pub(super) p: usize,
    pub(super) k: usize,
    /// The monic irreducible polynomial's lower coefficients.
    pub(super) modulus: Vec<usize>,
}

impl Field {
    /// GF(q) if q is a prime power (q ≥ 2).
    pub(super) fn new(q: usize) -> Option<Field> {
        let p = (2..=q).find(|d| q % d == 0)?;
        let mut k = 0;
        let mut x = q;
        while x % p == 0 {
            x /= p;
            k += 1;
        }
        if x != 1 {
            return None;
        }
        // The first monic polynomial of degree k with no factor of degree
        // 1..=k/2 (found by trying every lower-degree monic divisor).
        let field = |modulus: Vec<usize>| Field { p, k, modulus };
        if k == 1 {
            return Some(field(vec![0]));
        }
        'candidate: for c in 0..q {
            let poly: Vec<usize> = (0..k).map(|i| c / p.pow(i as u32) % p).chain([1]).collect();
            for d in 1..=k / 2 {
                for e in 0..p.pow(d as u32) {
                    let div: Vec<usize> =
                        (0..d).map(|i| e / p.pow(i as u32) % p).chain([1]).collect();
                    if poly_rem(&poly, &div, p).iter().all(|&x| x == 0) {
                        continue 'candidate;
                    }
                }
            }
            return Some(field(poly[..k].to_vec()));
        }
        None
    }

    pub(super) fn digits(&self, a: usize) -> Vec<usize> {
        (0..self.k)
            .map(|i| a / self.p.pow(i as u32) % self.p)
            .collect()
    }

    pub(super) fn number(&self, d: &[usize]) -> usize {
        d.iter().rev().fold(0, |acc, &x| acc * self.p + x)
    }

    pub(super) fn add(&self, a: usize, b: usize) -> usize {
        let (x, y) = (self.digits(a), self.digits(b));
        self.number(
            &x.iter()
                .zip(&y)
                .map(|(u, v)| (u + v) % self.p)
                .collect::<Vec<_>>(),
        )
    }

    pub(super) fn mul(&self, a: usize, b: usize) -> usize {
        let (x, y) = (self.digits(a), self.digits(b));
        let mut prod = vec![0; 2 * self.k];
        for (i, u) in x.iter().enumerate() {
            for (j, v) in y.iter().enumerate() {
                prod[i + j] = (prod[i + j] + u * v) % self.p;
            }
        }
        let mut modulus = self.modulus.clone();
        modulus.push(1);
        let r = poly_rem(&prod, &modulus, self.p);
        self.number(&r[..self.k])
    }
}

/// Remainder of polynomial `a` by monic `m` over GF(p) (coefficients
/// lowest first), padded to `a`'s length.
pub(super) fn poly_rem(a: &[usize], m: &[usize], p: usize) -> Vec<usize> {
    let mut r = a.to_vec();
    let dm = m.len() - 1;
    for i in (dm..r.len()).rev() {
        let c = r[i];
        if c != 0 {
            for (j, &mj) in m.iter().enumerate() {
                let at = i - dm + j;
                r[at] = (r[at] + p * p - c * mj % p) % p;
            }
        }
    }
    r
}

/// For pure mixing (no balance, rules or earlier plan; everyone present;
/// g tables of s with g a prime power ≥ s): the affine resolvable design.
/// Member x·s + y (x < g, y < s) sits at table x + e·y in round e (field
/// arithmetic), so over g rounds every pair from different y-classes meets
/// exactly once; if s divides g, one more round seats each y-class in
/// tables of s. Returns those rounds (at most `p.rounds`).
pub(super) fn affine_design(p: &Problem) -> Option<Vec<Vec<usize>>> {
    if !p.categories.is_empty() || !p.constraints.is_empty() || p.previous.is_some() {
        return None;
    }
    let sizes = p.sizes(0);
    let s = *sizes.first()?;
    let g = sizes.len();
    if s < 2 || s > g || sizes.iter().any(|&x| x != s) || g * s != p.n {
        return None;
    }
    if (0..p.rounds).any(|r| p.sizes(r) != sizes || p.present(r).len() != p.n) {
        return None;
    }
    let f = Field::new(g)?;
    let mut out = Vec::new();
    for e in 0..g.min(p.rounds) {
        out.push((0..p.n).map(|i| f.add(i / s, f.mul(e, i % s))).collect());
    }
    if p.rounds > g && g % s == 0 {
        out.push((0..p.n).map(|i| (i % s) * (g / s) + (i / s) / s).collect());
    }
    Some(out)
}

/// For g² members at g tables of g in at most four rounds, everyone
/// present and no rules or earlier plan (balance allowed), where the
/// affine design does not apply: member r·g + c sits at table r, c, L[r][c]
/// and M[r][c] in rounds 1-4, for a pair of orthogonal Latin squares L, M
/// found by search (see [`crate::logistics::seating::latin`]), so no pair meets twice. None if
/// the search finds no pair.
pub(super) fn grid_design(p: &Problem, rng: &mut SearchRng) -> Option<Vec<Vec<usize>>> {
    if !p.constraints.is_empty() || p.previous.is_some() || p.rounds > 4 {
        return None;
    }
    let g = p.sizes(0).len();
    if g < 3 || g * g != p.n {
        return None;
    }
    if (0..p.rounds).any(|r| p.sizes(r) != vec![g; g] || p.present(r).len() != p.n) {
        return None;
    }
    let (l, m) = crate::logistics::seating::latin::orthogonal_pair(g, rng)?;
    let rounds = [
        (0..p.n).map(|i| i / g).collect(),
        (0..p.n).map(|i| i % g).collect(),
        (0..p.n).map(|i| l[i / g][i % g]).collect(),
        (0..p.n).map(|i| m[i / g][i % g]).collect(),
    ];
    Some(rounds.into_iter().take(p.rounds).collect())
}
