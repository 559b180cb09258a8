//! Reading an invitation bundle's rounds back, and every check a reviewer
//! makes of it from the public files alone (`kleroterion verify` on an
//! invitation bundle).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use super::Pseudonym;
use super::bundle::{self, DrawRecord, Manifest};
use super::draw::{self, Tickets};
use super::plan::Plan;
use crate::audit::draw::{Earlier, reused};
use crate::audit::{Check, CheckKind, Status};
use crate::error::{Error, InputError};
use crate::files::dir;

/// One round as read from the bundle.
#[derive(Debug, Clone)]
pub struct Round {
    pub number: u32,
    pub dir: PathBuf,
    pub manifest: Manifest,
    pub manifest_bytes: Vec<u8>,
    pub plan_bytes: Vec<u8>,
    pub plan: Plan,
    pub strata_bytes: Vec<u8>,
    pub columns: Vec<String>,
    pub values: Vec<Vec<String>>,
    pub counts: Vec<u64>,
    pub letters: Vec<u64>,
    pub commitment_txt: Option<Vec<u8>>,
    pub draw: Option<DrawRecord>,
    pub drawn_bytes: Option<Vec<u8>>,
}

impl Round {
    /// The committed files' digests but addresses.csv's (given apart: it
    /// is streamed).
    pub fn digests(&self, addresses: Option<&str>) -> Vec<(&'static str, String)> {
        let mut d = vec![
            (bundle::MANIFEST, bundle::sha256(&self.manifest_bytes)),
            (bundle::PLAN, bundle::sha256(&self.plan_bytes)),
            (bundle::STRATA, bundle::sha256(&self.strata_bytes)),
        ];
        if let Some(a) = addresses {
            d.push((bundle::ADDRESSES, a.to_string()));
        }
        d
    }

    /// The commitment its commitment.txt states.
    pub fn stated_commitment(&self) -> Option<String> {
        let text = String::from_utf8(self.commitment_txt.clone()?).ok()?;
        let last = text.lines().last()?;
        last.strip_prefix("commitment (SHA-256 of the lines above): ")
            .map(str::to_string)
    }
}

fn read(path: &Path) -> Result<Vec<u8>, Error> {
    dir::read(path, "bundle file")
}

fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, Error> {
    dir::read_if_present(path, "bundle file")
}

/// Whether `dir` is an invitation bundle.
pub fn is_invitation_bundle(dir: &Path) -> bool {
    dir.join(bundle::round_dir(1))
        .join(bundle::MANIFEST)
        .is_file()
}

/// Reads every round of the bundle (but addresses.csv).
pub fn open_rounds(bundle_dir: &Path) -> Result<Vec<Round>, Error> {
    let mut rounds = Vec::new();
    for number in 1u32.. {
        let dir = bundle_dir.join(bundle::round_dir(number));
        if !dir.is_dir() {
            break;
        }
        let at = |name: &str| dir.join(name);
        let manifest_bytes = read(&at(bundle::MANIFEST))?;
        let manifest: Manifest = serde_json::from_slice(&manifest_bytes).map_err(|e| {
            Error::from(
                InputError::invalid(
                    &at(bundle::MANIFEST),
                    format!("not an invitation manifest: {e}"),
                )
                .hint("restore the bundle as published"),
            )
        })?;
        if manifest.kind != bundle::KIND || manifest.round != number {
            return Err(InputError::invalid(
                &at(bundle::MANIFEST),
                format!("this is not the manifest of invitation round {number}"),
            )
            .hint("restore the bundle as published")
            .into());
        }
        let plan_bytes = read(&at(bundle::PLAN))?;
        let plan_text = String::from_utf8(plan_bytes.clone()).map_err(|_| {
            Error::from(InputError::unreadable(&at(bundle::PLAN), "not UTF-8 text"))
        })?;
        let plan = Plan::parse(&at(bundle::PLAN), &plan_text)?;
        let strata_bytes = read(&at(bundle::STRATA))?;
        let bundle::StrataTable {
            columns,
            values,
            counts,
            letters,
        } = bundle::read_strata(&at(bundle::STRATA), &strata_bytes)?;
        let commitment_txt = read_optional(&at(bundle::COMMITMENT))?;
        let draw = match read_optional(&at(bundle::DRAW))? {
            Some(b) => Some(serde_json::from_slice::<DrawRecord>(&b).map_err(|e| {
                Error::from(
                    InputError::invalid(&at(bundle::DRAW), format!("not a draw record: {e}"))
                        .hint("restore the bundle as published"),
                )
            })?),
            None => None,
        };
        let drawn_bytes = read_optional(&at(bundle::DRAWN))?;
        rounds.push(Round {
            number,
            dir,
            manifest,
            manifest_bytes,
            plan_bytes,
            plan,
            strata_bytes,
            columns,
            values,
            counts,
            letters,
            commitment_txt,
            draw,
            drawn_bytes,
        });
    }
    if let Some(r) = rounds
        .iter()
        .find(|r| r.values != rounds[0].values || r.columns != rounds[0].columns)
    {
        return Err(InputError::invalid(
            &r.dir.join(bundle::STRATA),
            "the round's strata are not round 1's",
        )
        .hint("restore the bundle as published")
        .into());
    }
    if rounds.is_empty() {
        return Err(InputError::unreadable(
            bundle_dir,
            "no round-1 directory: this is not an invitation bundle",
        )
        .hint("give the directory kleroterion invite commit wrote")
        .into());
    }
    Ok(rounds)
}

/// Reads drawn.csv back: pseudonym → stratum index.
pub fn read_drawn(
    path: &Path,
    bytes: &[u8],
    strata: usize,
) -> Result<BTreeMap<Pseudonym, u32>, Error> {
    let bad = |line: usize, what: &str| -> Error {
        InputError::invalid(path, what.to_string())
            .line(line as u64)
            .hint("restore the bundle as published")
            .into()
    };
    let text = std::str::from_utf8(bytes).map_err(|_| bad(1, "not UTF-8 text"))?;
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        if i == 0 {
            if line != "pseudonym,stratum,ticket" {
                return Err(bad(1, "the header is not \"pseudonym,stratum,ticket\""));
            }
            continue;
        }
        let cells: Vec<&str> = line.split(',').collect();
        let p = (cells.len() == 3)
            .then(|| bundle::parse_pseudonym(cells[0].as_bytes()))
            .flatten()
            .ok_or_else(|| bad(i + 1, "not a pseudonym, a stratum and a ticket"))?;
        let s: u32 = cells[1]
            .parse()
            .ok()
            .filter(|&s: &u32| s >= 1 && s as usize <= strata)
            .ok_or_else(|| bad(i + 1, "not a stratum number"))?;
        if out.insert(p, s - 1).is_some() {
            return Err(bad(i + 1, "this pseudonym appears twice"));
        }
    }
    Ok(out)
}

/// Draws round `round` with the canonical `seed`: the addresses of
/// `frame` not in `taken`, `letters` per stratum.
pub fn draw_round(
    frame: &[(Pseudonym, u32)],
    letters: &[u64],
    taken: &HashSet<Pseudonym>,
    commitment: &str,
    seed: &str,
    threads: usize,
) -> Vec<super::Drawn> {
    let tickets = Tickets::new(&draw::ticket_key(commitment, seed));
    draw::smallest(frame, letters, taken, &tickets, threads)
}

/// What the reviewer gives beyond the bundle.
#[derive(Debug, Clone, Default)]
pub struct Published {
    pub seeds: Vec<String>,
    pub commitments: Vec<String>,
}

fn check(
    round: u32,
    kind: CheckKind,
    file: PathBuf,
    status: Status,
    detail: impl Into<String>,
) -> Check {
    Check {
        stage: round,
        kind,
        file,
        status,
        detail: detail.into(),
    }
}

/// Every check of an invitation bundle.
pub fn verify(bundle_dir: &Path, published: &Published, threads: usize) -> Vec<Check> {
    let mut out = Vec::new();
    let rounds = match open_rounds(bundle_dir) {
        Ok(r) => r,
        Err(e) => {
            out.push(check(
                1,
                CheckKind::Readable,
                bundle_dir.to_path_buf(),
                Status::Fail,
                e.to_string(),
            ));
            return out;
        }
    };
    // Files: exactly the tool's files in each round, and nothing else.
    for r in &rounds {
        let mut expected: Vec<&str> = vec![
            bundle::MANIFEST,
            bundle::PLAN,
            bundle::STRATA,
            bundle::COMMITMENT,
        ];
        if r.number == 1 {
            expected.push(bundle::ADDRESSES);
        }
        if r.draw.is_some() || r.drawn_bytes.is_some() {
            expected.extend([bundle::DRAW, bundle::DRAWN]);
        }
        let present = dir::names(&r.dir);
        let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        want.sort();
        out.push(if present == want {
            check(
                r.number,
                CheckKind::Files,
                r.dir.clone(),
                Status::Pass,
                format!("{} files, as the tool writes them", want.len()),
            )
        } else {
            check(
                r.number,
                CheckKind::Files,
                r.dir.clone(),
                Status::Fail,
                format!("expected {}, found {}", want.join(" "), present.join(" ")),
            )
        });
    }
    let top: Vec<String> = dir::names(bundle_dir)
        .into_iter()
        .filter(|n| !n.starts_with("round-"))
        .collect();
    if !top.is_empty() {
        out.push(check(
            1,
            CheckKind::Files,
            bundle_dir.to_path_buf(),
            Status::Fail,
            format!("files that are not part of any round: {}", top.join(" ")),
        ));
    }
    out.push(stages(&rounds, published, bundle_dir));
    // The frame (round 1's addresses.csv), read once.
    let first = &rounds[0];
    let addresses_path = first.dir.join(bundle::ADDRESSES);
    let frame = bundle::read_addresses(&addresses_path, first.values.len());
    let (pairs, addresses_digest) = match frame {
        Ok(f) => f,
        Err(e) => {
            out.push(check(
                1,
                CheckKind::Readable,
                addresses_path,
                Status::Fail,
                e.to_string(),
            ));
            return out;
        }
    };
    let counts = bundle::count(&pairs, first.values.len());
    let m = &first.manifest;
    // Strata are numbered in the order of their values, each once: labels
    // swapped between strata would change which strata a target or a
    // weight names.
    let ordered = first.values.windows(2).all(|w| w[0] < w[1]);
    let frame_ok = ordered
        && counts == first.counts
        && m.addresses == pairs.len() as u64
        && m.strata == first.values.len()
        && m.strata_columns == first.columns
        && first.plan.strata == first.columns;
    out.push(check(1, CheckKind::Frame, addresses_path.clone(), if frame_ok { Status::Pass } else { Status::Fail }, if frame_ok {
        format!("{} addresses in {} strata, pseudonyms unique and in order; the counts agree with strata.csv and the manifest", pairs.len(), counts.len())
    } else {
        if ordered {
            "the addresses per stratum in addresses.csv, strata.csv and the manifest disagree".to_string()
        } else {
            "strata.csv's strata are not distinct and in the order of their values".to_string()
        }
    }));
    let mut taken: BTreeMap<Pseudonym, u32> = BTreeMap::new();
    let mut earlier_seeds: Vec<(u32, String, Option<String>)> = Vec::new();
    let mut previous: Option<String> = None;
    for r in &rounds {
        let digests = r.digests((r.number == 1).then_some(addresses_digest.as_str()));
        let commitment = bundle::commitment(&digests);
        // Commitment.
        let stated_ok = r.commitment_txt.as_deref() == Some(&bundle::commitment_txt(&digests)[..]);
        let given = published.commitments.get(r.number as usize - 1);
        let (status, detail) = if !stated_ok {
            (
                Status::Fail,
                format!(
                    "the files give the commitment {commitment}, but commitment.txt is not its listing: a committed file changed after the commitment was made"
                ),
            )
        } else {
            match given {
                Some(c) if c.trim().eq_ignore_ascii_case(&commitment) => (
                    Status::Pass,
                    format!("the files give {commitment}, the published commitment"),
                ),
                Some(c) => (
                    Status::Fail,
                    format!(
                        "the files give {commitment}, but the published commitment is {}",
                        c.trim()
                    ),
                ),
                None => (
                    Status::Unverified,
                    format!(
                        "the files give {commitment}; give the commitment the organiser published to compare"
                    ),
                ),
            }
        };
        out.push(check(
            r.number,
            CheckKind::Commitment,
            r.dir.join(bundle::COMMITMENT),
            status,
            detail,
        ));
        // Chain.
        if r.number > 1 {
            let ok = r.manifest.previous_commitment == previous;
            out.push(check(
                r.number,
                CheckKind::Chain,
                r.dir.join(bundle::MANIFEST),
                if ok { Status::Pass } else { Status::Fail },
                if ok {
                    "names the commitment of the round before".to_string()
                } else {
                    format!(
                        "names {:?} as the round before's commitment, which is {:?}",
                        r.manifest.previous_commitment, previous
                    )
                },
            ));
        }
        // Manifest.
        let mm = &r.manifest;
        let problems: Vec<&str> = [
            (mm.format != 1, "format"),
            (
                (r.number == 1) != mm.previous_commitment.is_none(),
                "previous_commitment",
            ),
            (
                mm.letters != r.plan.letters || mm.letters != r.letters.iter().sum::<u64>(),
                "letters",
            ),
            (
                mm.strata_columns != first.columns
                    || r.columns != first.columns
                    || r.plan.strata != first.columns,
                "strata columns",
            ),
            (
                mm.strata != first.values.len()
                    || r.values != first.values
                    || r.counts != first.counts,
                "strata",
            ),
            (mm.addresses != pairs.len() as u64, "addresses"),
            (mm.register != first.manifest.register, "register"),
            (
                mm.pseudonyms != bundle::PSEUDONYM_SCHEME
                    || mm.tickets != bundle::TICKET_SCHEME
                    || mm.reveals != bundle::REVEALS,
                "schemes",
            ),
            (
                r.plan.id_column != first.plan.id_column
                    || r.plan.area_column != first.plan.area_column,
                "register columns",
            ),
        ]
        .into_iter()
        .filter(|(bad, _)| *bad)
        .map(|(_, what)| what)
        .collect();
        out.push(check(
            r.number,
            CheckKind::Manifest,
            r.dir.join(bundle::MANIFEST),
            if problems.is_empty() {
                Status::Pass
            } else {
                Status::Fail
            },
            if problems.is_empty() {
                format!(
                    "{} letters over {} strata, seed rule: {}",
                    mm.letters,
                    mm.strata,
                    mm.seed_rule.describe()
                )
            } else {
                format!("disagrees with the files on: {}", problems.join(", "))
            },
        ));
        // Allocation: strata.csv exactly as the plan and the counts give it.
        let before = bundle::before_from(&taken, first.values.len());
        let expected = bundle::allocation(
            &r.plan,
            &r.dir.join(bundle::PLAN),
            &first.columns,
            &first.values,
            &counts,
            &before,
            r.number == 1,
        )
        .map(|a| {
            bundle::strata_csv(
                &first.columns,
                &bundle::rows(&first.values, &counts, &before, &a),
                r.plan.response_rate.as_ref(),
            )
        });
        out.push(match expected {
            Ok(bytes) if bytes == r.strata_bytes => check(r.number, CheckKind::Allocation, r.dir.join(bundle::STRATA), Status::Pass, format!("the {} letters per stratum follow from plan.toml and the frame's counts", r.plan.letters)),
            Ok(_) => check(r.number, CheckKind::Allocation, r.dir.join(bundle::STRATA), Status::Fail, "strata.csv is not what plan.toml and the frame's counts give (letters, targets, probabilities or counts differ)"),
            Err(e) => check(r.number, CheckKind::Allocation, r.dir.join(bundle::STRATA), Status::Fail, format!("the plan cannot be allocated: {e}")),
        });
        // Draw.
        // A round whose strata are not round 1's cannot be drawn against
        // round 1's address list (its manifest check has failed already).
        let same_strata = r.values == first.values && r.letters.len() == first.values.len();
        match (&r.draw, &r.drawn_bytes) {
            (Some(_), Some(_)) if !same_strata => {
                out.push(check(
                    r.number,
                    CheckKind::Draw,
                    r.dir.join(bundle::DRAWN),
                    Status::Fail,
                    "the round's strata are not round 1's, so its letters cannot be checked",
                ));
            }
            (Some(d), Some(drawn_bytes)) => {
                let given_seed = published.seeds.get(r.number as usize - 1);
                let canonical = given_seed.map(|s| r.manifest.seed_rule.canonical(s));
                let earlier: Vec<Earlier> = earlier_seeds
                    .iter()
                    .map(|(n, src, s)| Earlier {
                        stage: *n,
                        source: src,
                        seed: s.as_deref(),
                    })
                    .collect();
                let result: Result<String, String> = (|| {
                    if d.commitment != commitment || d.round != r.number {
                        return Err(format!(
                            "draw.json names round {} and commitment {}, not this round's {commitment}",
                            d.round, d.commitment
                        ));
                    }
                    if r.manifest.seed_rule.canonical(&d.seed_as_typed).as_deref()
                        != Ok(d.seed.as_str())
                    {
                        return Err(
                            "draw.json's seed is not the canonical form of the seed as typed"
                                .into(),
                        );
                    }
                    if let Some(why) =
                        reused("round", &r.manifest.seed_rule.source, &d.seed, &earlier)
                    {
                        return Err(format!("the seed cannot be used for this round: {why}"));
                    }
                    let taken_set: HashSet<Pseudonym> = taken.keys().copied().collect();
                    let drawn = draw_round(
                        &pairs,
                        &r.letters,
                        &taken_set,
                        &commitment,
                        &d.seed,
                        threads,
                    );
                    let bytes = bundle::drawn_csv(&drawn);
                    if bytes != *drawn_bytes
                        || d.drawn_sha256 != bundle::sha256(&bytes)
                        || d.letters != drawn.len() as u64
                    {
                        return Err("drawn.csv is not the smallest tickets of each stratum under the recorded seed".into());
                    }
                    Ok(format!(
                        "{} letters: each stratum's smallest tickets under the seed {:?}",
                        drawn.len(),
                        d.seed
                    ))
                })();
                out.push(match (result, canonical) {
                    (Err(e), _) => check(
                        r.number,
                        CheckKind::Draw,
                        r.dir.join(bundle::DRAWN),
                        Status::Fail,
                        e,
                    ),
                    (Ok(_), Some(Err(e))) => check(
                        r.number,
                        CheckKind::Draw,
                        r.dir.join(bundle::DRAW),
                        Status::Fail,
                        format!("the published seed does not fit the committed rule: {e}"),
                    ),
                    (Ok(_), Some(Ok(c))) if c != d.seed => check(
                        r.number,
                        CheckKind::Draw,
                        r.dir.join(bundle::DRAW),
                        Status::Fail,
                        format!(
                            "the letters were drawn with the seed {:?}, not the published {c:?}",
                            d.seed
                        ),
                    ),
                    (Ok(ok), Some(Ok(_))) => check(
                        r.number,
                        CheckKind::Draw,
                        r.dir.join(bundle::DRAWN),
                        Status::Pass,
                        format!("{ok}, the published seed"),
                    ),
                    (Ok(ok), None) => check(
                        r.number,
                        CheckKind::Draw,
                        r.dir.join(bundle::DRAWN),
                        Status::Unverified,
                        format!("{ok}; give the published seed to check it is the one announced"),
                    ),
                });
                // Later rounds draw among the rest.
                if let Ok(map) =
                    read_drawn(&r.dir.join(bundle::DRAWN), drawn_bytes, first.values.len())
                {
                    taken.extend(map);
                }
                earlier_seeds.push((
                    r.number,
                    r.manifest.seed_rule.source.clone(),
                    Some(d.seed.clone()),
                ));
            }
            (None, None) => {
                out.push(check(
                    r.number,
                    CheckKind::Draw,
                    r.dir.clone(),
                    Status::Unverified,
                    "not drawn yet",
                ));
                earlier_seeds.push((r.number, r.manifest.seed_rule.source.clone(), None));
            }
            _ => out.push(check(
                r.number,
                CheckKind::Draw,
                r.dir.clone(),
                Status::Fail,
                "draw.json and drawn.csv must both be present, or neither",
            )),
        }
        previous = Some(commitment);
    }
    out
}

fn stages(rounds: &[Round], published: &Published, dir: &Path) -> Check {
    let drawn = rounds.iter().filter(|r| r.draw.is_some()).count();
    let (c, s) = (published.commitments.len(), published.seeds.len());
    if c > rounds.len() || s > drawn {
        return check(
            1,
            CheckKind::Stages,
            dir.to_path_buf(),
            Status::Fail,
            format!(
                "{c} commitments and {s} seeds were given for {} rounds, {drawn} of them drawn",
                rounds.len()
            ),
        );
    }
    if c < rounds.len() || s < drawn {
        return check(
            1,
            CheckKind::Stages,
            dir.to_path_buf(),
            Status::Unverified,
            format!(
                "{} rounds ({drawn} drawn): give every round's published commitment and every drawn round's published seed, in order",
                rounds.len()
            ),
        );
    }
    check(
        1,
        CheckKind::Stages,
        dir.to_path_buf(),
        Status::Pass,
        format!(
            "{} rounds, {drawn} drawn, each with its published commitment and seed",
            rounds.len()
        ),
    )
}
