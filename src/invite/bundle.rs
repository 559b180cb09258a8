//! The invitation bundle: one directory per round (`round-1/`,
//! `round-2/`, …), public, with no address in it (docs/formats.md, "The
//! invitation bundle"). A round commits to its plan, its strata table and
//! (round 1) the frame's pseudonyms before its seed exists; after the draw
//! it holds draw.json and drawn.csv.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::ToPrimitive;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::allocate::{self, Allocation, Impossible};
use super::frame::{Frame, hex};
use super::plan::{self, Plan};
use super::{Drawn, Pseudonym};
use crate::audit::seed::SeedRule;
use crate::error::{Error, InputError};
use crate::files::csv::CsvDoc;

pub const MANIFEST: &str = "manifest.json";
pub const PLAN: &str = "plan.toml";
pub const STRATA: &str = "strata.csv";
pub const ADDRESSES: &str = "addresses.csv";
pub const COMMITMENT: &str = "commitment.txt";
pub const DRAW: &str = "draw.json";
pub const DRAWN: &str = "drawn.csv";
/// What `kind` says in every invitation manifest.
pub const KIND: &str = "invitation";
/// Decimals of probabilities in strata.csv.
pub const DECIMALS: u32 = 12;

/// The directory of round `r` (1-based).
pub fn round_dir(r: u32) -> String {
    format!("round-{r}")
}

/// A round's manifest.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub kind: String,
    pub format: u32,
    pub round: u32,
    /// The commitment of the round before (None for round 1).
    pub previous_commitment: Option<String>,
    /// Letters this round.
    pub letters: u64,
    pub strata_columns: Vec<String>,
    pub strata: usize,
    /// Addresses in the frame (after exclusions).
    pub addresses: u64,
    pub register: Register,
    pub seed_rule: SeedRule,
    /// How pseudonyms and tickets are made.
    pub pseudonyms: String,
    pub tickets: String,
    /// What the bundle reveals, in words.
    pub reveals: String,
    pub software: String,
}

/// What the manifest says of the register (round 1's, repeated by later
/// rounds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Register {
    /// Data rows of the register file.
    pub rows: u64,
    /// Rows removed by the exclusion lists.
    pub excluded: u64,
    pub exclusion_lists: usize,
    /// SHA-256 of the register file and of the area table, as read.
    pub sha256: String,
    pub areas_sha256: Option<String>,
}

pub const PSEUDONYM_SCHEME: &str = "first 16 bytes, in hex, of HMAC-SHA256(pseudonym key, address id as UTF-8); the pseudonym key is HMAC-SHA256(organiser's secret, \"kleroterion/invite-pseudonym/v1\")";
pub const TICKET_SCHEME: &str = "first 8 bytes, big-endian, of SHA-256(K ‖ pseudonym's 16 bytes), K = SHA-256(\"kleroterion/invite-draw/v1\" ‖ 0x00 ‖ commitment ‖ 0x00 ‖ canonical seed); each stratum takes its smallest (ticket, pseudonym) among addresses no earlier round took";
pub const REVEALS: &str = "No address and no address id. For every address of the register (after the exclusion lists), a pseudonym that only the organiser's secret links to it, and its stratum; how many addresses each stratum has; which pseudonyms get letters. Someone with the register and the auditor's key (invite-auditor.key) can link pseudonyms to addresses. Without the key, someone with the register knows only which addresses each stratum holds: in a stratum of very few addresses, that tells them how many of those few got letters (commit warns of strata under 50 addresses).";

impl Manifest {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut s = serde_json::to_string_pretty(self).expect("plain data serialises");
        s.push('\n');
        s.into_bytes()
    }
}

/// The round's strata table: one row per stratum.
#[derive(Debug, Clone, PartialEq)]
pub struct StratumRow {
    pub values: Vec<String>,
    pub addresses: u64,
    /// Letters of earlier rounds.
    pub before: u64,
    pub target: BigRational,
    pub letters: u64,
}

/// strata.csv: stratum, the stratum columns, addresses, invited_before,
/// target (exact), letters, invited (after this round), probability
/// (invited / addresses, 12 decimals), expected_replies.
pub fn strata_csv(
    columns: &[String],
    rows: &[StratumRow],
    response: Option<&BigRational>,
) -> Vec<u8> {
    let mut doc = CsvDoc::default();
    let mut header = vec!["stratum".to_string()];
    header.extend(columns.iter().cloned());
    header.extend(
        [
            "addresses",
            "invited_before",
            "target",
            "letters",
            "invited",
            "probability",
            "expected_replies",
        ]
        .map(String::from),
    );
    doc.record(header);
    for (h, r) in rows.iter().enumerate() {
        let invited = r.before + r.letters;
        let mut cells = vec![(h + 1).to_string()];
        cells.extend(r.values.iter().cloned());
        cells.push(r.addresses.to_string());
        cells.push(r.before.to_string());
        cells.push(fraction(&r.target));
        cells.push(r.letters.to_string());
        cells.push(invited.to_string());
        cells.push(decimal(
            &BigRational::new(invited.into(), r.addresses.max(1).into()),
            DECIMALS,
        ));
        cells.push(response.map_or(String::new(), |rate| {
            decimal(&(rate * BigRational::from_integer(r.letters.into())), 2)
        }));
        doc.record(cells);
    }
    doc.into_bytes()
}

/// An exact rational as `p/q` (or `p` when whole).
pub fn fraction(x: &BigRational) -> String {
    if x.is_integer() {
        x.to_integer().to_string()
    } else {
        format!("{}/{}", x.numer(), x.denom())
    }
}

/// A non-negative rational rounded half up to `places` decimals.
pub fn decimal(x: &BigRational, places: u32) -> String {
    let scale = BigInt::from(10u8).pow(places);
    let scaled = (x * BigRational::from_integer(scale.clone())
        + BigRational::new(1.into(), 2.into()))
    .floor()
    .to_integer();
    let whole = &scaled / &scale;
    let part = &scaled % &scale;
    if places == 0 {
        return whole.to_string();
    }
    format!(
        "{whole}.{:0>width$}",
        part.to_string(),
        width = places as usize
    )
}

/// addresses.csv: `pseudonym,stratum` per address, by pseudonym.
pub fn addresses_csv(frame: &Frame) -> Vec<u8> {
    let mut out = Vec::with_capacity(frame.entries.len() * 40 + 20);
    write_addresses(frame, &mut out);
    out
}

/// addresses.csv's bytes into any sink (a buffer, or a hash).
fn write_addresses(frame: &Frame, out: &mut impl std::io::Write) {
    // Writing into memory or a hash cannot fail.
    let _ = out.write_all(b"pseudonym,stratum\n");
    let mut line = Vec::with_capacity(48);
    for e in &frame.entries {
        line.clear();
        push_hex(&mut line, &e.pseudonym);
        line.extend_from_slice(format!(",{}\n", e.stratum + 1).as_bytes());
        let _ = out.write_all(&line);
    }
}

fn push_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize]);
        out.push(DIGITS[(b & 15) as usize]);
    }
}

/// Reads addresses.csv back (streaming): the (pseudonym, stratum index)
/// pairs and the file's SHA-256. Refuses anything but the exact form
/// [`addresses_csv`] writes, pseudonyms strictly increasing.
pub fn read_addresses(
    path: &Path,
    strata: usize,
) -> Result<(Vec<(Pseudonym, u32)>, String), Error> {
    let file = crate::files::dir::open(path, "address list")?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let mut hash = Sha256::new();
    let mut line = Vec::new();
    let mut out = Vec::new();
    let mut number = 0u64;
    let bad = |number: u64, what: &str| -> Error {
        InputError::invalid(path, what.to_string())
            .line(number)
            .hint("restore the bundle as published: the tool writes this file in one exact form")
            .into()
    };
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).map_err(|e| {
            Error::from(InputError::unreadable(
                path,
                format!("cannot read the address list: {e}"),
            ))
        })?;
        if n == 0 {
            break;
        }
        number += 1;
        hash.update(&line);
        if line.last() != Some(&b'\n') {
            return Err(bad(number, "the last line does not end with a line feed"));
        }
        let body = &line[..line.len() - 1];
        if number == 1 {
            if body != b"pseudonym,stratum" {
                return Err(bad(1, "the header is not \"pseudonym,stratum\""));
            }
            continue;
        }
        if body.len() < 34 || body[32] != b',' {
            return Err(bad(
                number,
                "not a pseudonym (32 hex digits), a comma and a stratum number",
            ));
        }
        let p = parse_pseudonym(&body[..32])
            .ok_or_else(|| bad(number, "the pseudonym is not 32 lower-case hex digits"))?;
        let s = &body[33..];
        let stratum = std::str::from_utf8(s)
            .ok()
            .filter(|t| !t.starts_with('0') && t.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|t| t.parse::<u32>().ok())
            .filter(|&v| v >= 1 && (v as usize) <= strata)
            .ok_or_else(|| {
                bad(
                    number,
                    &format!("the stratum is not a number from 1 to {strata}"),
                )
            })?;
        if out.last().is_some_and(|(q, _): &(Pseudonym, u32)| *q >= p) {
            return Err(bad(
                number,
                "the pseudonyms are not in increasing order (or one appears twice)",
            ));
        }
        out.push((p, stratum - 1));
    }
    if number == 0 {
        return Err(bad(1, "the file is empty"));
    }
    Ok((out, hex(&hash.finalize())))
}

/// A pseudonym from its 32 lower-case hex digits, as the files write it.
pub fn parse_pseudonym(text: &[u8]) -> Option<Pseudonym> {
    if text.len() != 32 {
        return None;
    }
    let mut p = [0u8; 16];
    for (i, byte) in p.iter_mut().enumerate() {
        *byte = hex_digit(text[2 * i])? << 4 | hex_digit(text[2 * i + 1])?;
    }
    Some(p)
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

/// The SHA-256 of what [`addresses_csv`] would write, without keeping it.
pub fn addresses_sha256(frame: &Frame) -> String {
    let mut hash = Sha256::new();
    write_addresses(frame, &mut hash);
    hex(&hash.finalize())
}

/// drawn.csv: `pseudonym,stratum,ticket` by (stratum, ticket, pseudonym).
pub fn drawn_csv(drawn: &[Drawn]) -> Vec<u8> {
    let mut out = b"pseudonym,stratum,ticket\n".to_vec();
    for d in drawn {
        push_hex(&mut out, &d.pseudonym);
        out.extend_from_slice(format!(",{},{:016x}\n", d.stratum + 1, d.ticket).as_bytes());
    }
    out
}

/// draw.json.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawRecord {
    pub round: u32,
    pub commitment: String,
    pub seed_as_typed: String,
    /// The canonical form under the round's seed rule: what is hashed.
    pub seed: String,
    pub letters: u64,
    /// SHA-256 of drawn.csv.
    pub drawn_sha256: String,
}

impl DrawRecord {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut s = serde_json::to_string_pretty(self).expect("plain data serialises");
        s.push('\n');
        s.into_bytes()
    }
}

/// The committed files of a round, in listing order, with their digests.
pub fn listing(digests: &[(&str, String)]) -> String {
    let mut sorted: Vec<&(&str, String)> = digests.iter().collect();
    sorted.sort_by_key(|(name, _)| *name);
    sorted
        .iter()
        .map(|(name, d)| format!("{d}  {name}\n"))
        .collect()
}

/// The commitment: SHA-256 of the listing.
pub fn commitment(digests: &[(&str, String)]) -> String {
    hex(&Sha256::digest(listing(digests).as_bytes()))
}

/// commitment.txt.
pub fn commitment_txt(digests: &[(&str, String)]) -> Vec<u8> {
    format!(
        "{}\ncommitment (SHA-256 of the lines above): {}\n",
        listing(digests),
        commitment(digests)
    )
    .into_bytes()
}

pub use crate::files::table::sha256_hex as sha256;

/// Each stratum's score under the plan (its share of the letters before
/// bounds): weight × (u·N_h/N + (1 − u)·[h targeted]·N_h/N_T).
pub fn scores(
    plan: &Plan,
    columns: &[String],
    strata: &[Vec<String>],
    counts: &[u64],
    plan_path: &Path,
) -> Result<Vec<BigRational>, Error> {
    let n: u64 = counts.iter().sum();
    let n = BigRational::from_integer(n.max(1).into());
    let share = |h: usize| BigRational::from_integer(counts[h].into()) / &n;
    let mut out: Vec<BigRational> = match &plan.split {
        None => (0..strata.len()).map(share).collect(),
        Some((u, target)) => {
            let targeted: Vec<bool> = strata
                .iter()
                .map(|v| plan::matches(target, columns, v))
                .collect();
            let nt: u64 = (0..strata.len())
                .filter(|&h| targeted[h])
                .map(|h| counts[h])
                .sum();
            if nt == 0 {
                return Err(InputError::invalid(
                    plan_path,
                    "allocation.target matches no stratum with addresses",
                )
                .hint("check the target's values against the strata table")
                .into());
            }
            let nt = BigRational::from_integer(nt.into());
            let one = BigRational::from_integer(1.into());
            (0..strata.len())
                .map(|h| {
                    let mut s = u * share(h);
                    if targeted[h] {
                        s += (&one - u) * BigRational::from_integer(counts[h].into()) / &nt;
                    }
                    s
                })
                .collect()
        }
    };
    for (m, w) in &plan.weights {
        for (h, v) in strata.iter().enumerate() {
            if plan::matches(m, columns, v) {
                out[h] = &out[h] * w;
            }
        }
    }
    Ok(out)
}

/// The letters of a round: the plan's letters allocated over the strata,
/// each between its lower bound (the plan's minimum in round 1, 0 later)
/// and what it has left under the cap.
pub fn allocation(
    plan: &Plan,
    plan_path: &Path,
    columns: &[String],
    strata: &[Vec<String>],
    counts: &[u64],
    before: &[u64],
    first_round: bool,
) -> Result<Allocation, Error> {
    let scores = scores(plan, columns, strata, counts, plan_path)?;
    let hi: Vec<u64> = (0..strata.len())
        .map(|h| {
            let room = match &plan.cap {
                Some(cap) => (cap * BigRational::from_integer(counts[h].into()))
                    .floor()
                    .to_integer()
                    .to_u64()
                    .unwrap_or(0),
                None => counts[h],
            };
            room.min(counts[h]).saturating_sub(before[h])
        })
        .collect();
    let lo: Vec<u64> = if first_round {
        vec![plan.minimum; strata.len()]
    } else {
        vec![0; strata.len()]
    };
    let name = |h: usize| -> String {
        columns
            .iter()
            .zip(&strata[h])
            .map(|(c, v)| format!("{c} = {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(h) = (0..strata.len()).find(|&h| lo[h] > hi[h]) {
        return Err(InputError::invalid(plan_path, format!(
            "the stratum {} has {} addresses ({} under the cap), fewer than the minimum of {} letters per stratum",
            name(h), counts[h], hi[h], plan.minimum
        ))
        .hint("lower allocation.minimum, raise allocation.cap, or merge small strata (fewer stratum columns)")
        .into());
    }
    allocate::allocate(plan.letters, &scores, &lo, &hi).map_err(|e| {
        let (problem, hint) = match e {
            Impossible::TooFew { letters, minimum } => (
                format!("the minimum of {} letters in each of {} strata needs {minimum} letters, more than the {letters} planned", plan.minimum, strata.len()),
                "send more letters or lower allocation.minimum",
            ),
            Impossible::TooMany { letters, maximum } => (
                format!("{letters} letters were asked for, but the strata can take at most {maximum} ({})", if plan.cap.is_some() { "their addresses not yet invited, under allocation.cap" } else { "their addresses not yet invited" }),
                "send fewer letters, raise allocation.cap, or give a larger register",
            ),
        };
        InputError::invalid(plan_path, problem).hint(hint).into()
    })
}

/// The strata rows of a round.
pub fn rows(
    frame_strata: &[Vec<String>],
    counts: &[u64],
    before: &[u64],
    a: &Allocation,
) -> Vec<StratumRow> {
    (0..frame_strata.len())
        .map(|h| StratumRow {
            values: frame_strata[h].clone(),
            addresses: counts[h],
            before: before[h],
            target: a.targets[h].clone(),
            letters: a.letters[h],
        })
        .collect()
}

/// strata.csv as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrataTable {
    pub columns: Vec<String>,
    pub values: Vec<Vec<String>>,
    pub counts: Vec<u64>,
    pub letters: Vec<u64>,
}

/// Reads strata.csv back: the stratum columns, values, counts, letters.
pub fn read_strata(path: &Path, bytes: &[u8]) -> Result<StrataTable, Error> {
    let bad = |line: u64, what: String| -> Error {
        InputError::invalid(path, what)
            .line(line)
            .hint("restore the bundle as published")
            .into()
    };
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| bad(1, e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    if header.len() < 8 || header[0] != "stratum" {
        return Err(bad(1, "the header is not that of a strata table".into()));
    }
    let columns = header[1..header.len() - 7].to_vec();
    let (mut values, mut counts, mut letters) = (Vec::new(), Vec::new(), Vec::new());
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let record = record.map_err(|e| bad(line, e.to_string()))?;
        let cells: Vec<&str> = record.iter().collect();
        let number = |j: usize| {
            cells[j]
                .parse::<u64>()
                .map_err(|_| bad(line, format!("\"{}\" is not a whole number", cells[j])))
        };
        values.push(
            cells[1..1 + columns.len()]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        );
        counts.push(number(1 + columns.len())?);
        letters.push(number(4 + columns.len())?);
    }
    Ok(StrataTable {
        columns,
        values,
        counts,
        letters,
    })
}

/// Counts per stratum of (pseudonym, stratum) pairs.
pub fn count(pairs: &[(Pseudonym, u32)], strata: usize) -> Vec<u64> {
    let mut counts = vec![0u64; strata];
    for (_, s) in pairs {
        counts[*s as usize] += 1;
    }
    counts
}

/// The letters per stratum already sent by earlier rounds.
pub fn before_from(drawn: &BTreeMap<Pseudonym, u32>, strata: usize) -> Vec<u64> {
    let mut out = vec![0u64; strata];
    for s in drawn.values() {
        out[*s as usize] += 1;
    }
    out
}
