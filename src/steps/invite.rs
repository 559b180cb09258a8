//! Invite (stage one): commit an invitation round, top it up, draw it
//! with the public seed and write the mail-merge files.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::audit::bundle::Secret;
use crate::audit::draw::{Earlier, reused};
use crate::audit::private::{self, SECRET_FILE};
use crate::audit::seed::{SeedRule, quoted};
use crate::error::{Error, InputError};
use crate::files::csv::CsvDoc;
use crate::files::dir::Outputs;
use crate::files::sheets;
use crate::invite::bundle::{self, DrawRecord, Manifest, Register};
use crate::invite::frame::{Reader, Source};
use crate::invite::plan::Plan;
use crate::invite::verify::{Round, draw_round, open_rounds, read_drawn};
use crate::invite::{CODE_LABEL, PSEUDONYM_LABEL, Pseudonym, code};

/// The stage-one auditor's key in the private directory: it links
/// pseudonyms to addresses (for an auditor who holds the register), and
/// cannot make invitation codes.
pub const AUDITOR_FILE: &str = "invite-auditor.key";
/// Where the register was read from, in the private directory.
pub const SOURCE_FILE: &str = "invite-source.json";
/// Every letter sent so far (code, round, stratum), in the private
/// directory: stage two's pool check reads it.
pub const INVITATIONS_FILE: &str = "invitations.csv";

/// Strata smaller than this are pointed out at commit (see
/// [`bundle::REVEALS`]).
pub const SMALL_STRATUM: u64 = 50;

/// What to commit.
#[derive(Debug, Clone)]
pub struct CommitOptions {
    pub source: Source,
    pub plan: PathBuf,
    pub bundle: PathBuf,
    /// The private directory (None: BUNDLE-private).
    pub private: Option<PathBuf>,
    /// A secret key file to use (None: the private directory's, else new).
    pub secret_key: Option<PathBuf>,
    pub seed_rule: SeedRule,
    /// Replace an existing bundle.
    pub force: bool,
}

/// A committed round: the files to write and what to tell the user.
#[derive(Debug)]
pub struct Committed {
    pub public: Outputs,
    pub private: Outputs,
    pub commitment: String,
    pub text: String,
}

/// Where the register was read from (private).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SourceRecord {
    register: PathBuf,
    areas: Option<PathBuf>,
    exclusions: Vec<PathBuf>,
}

fn read_text(path: &Path, what: &str) -> Result<String, Error> {
    let bytes = crate::files::dir::read(path, what)?;
    String::from_utf8(bytes).map_err(|_| {
        InputError::unreadable(path, format!("the {what} is not UTF-8 text"))
            .hint("save it as UTF-8")
            .into()
    })
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Reads the register, allocates the letters and makes round 1's files.
pub fn commit(options: &CommitOptions, reader: &dyn Reader) -> Result<Committed, Error> {
    crate::files::dir::check_new_dir(&options.bundle, options.force)?;
    let plan_text = read_text(&options.plan, "invitation plan")?;
    let plan = Plan::parse(&options.plan, &plan_text)?;
    let (private_dir, secret) = private::private_and_secret(
        &options.bundle,
        options.private.as_deref(),
        options.secret_key.as_deref(),
    )?;
    let key = secret.derive(PSEUDONYM_LABEL);
    let read = reader.read(&options.source, &plan, &key, &HashSet::new())?;
    let frame = &read.frame;
    if frame.entries.is_empty() {
        return Err(InputError::invalid(&options.source.register, "no address is left to invite (the register is empty, or the exclusion lists remove every address)")
            .hint("give the full register")
            .into());
    }
    let before = vec![0u64; frame.strata.len()];
    let allocation = bundle::allocation(
        &plan,
        &options.plan,
        &frame.columns,
        &frame.strata,
        &frame.counts,
        &before,
        true,
    )?;
    let rows = bundle::rows(&frame.strata, &frame.counts, &before, &allocation);
    let strata = bundle::strata_csv(&frame.columns, &rows, plan.response_rate.as_ref());
    let addresses = bundle::addresses_csv(frame);
    let manifest = Manifest {
        kind: bundle::KIND.into(),
        format: 1,
        round: 1,
        previous_commitment: None,
        letters: plan.letters,
        strata_columns: frame.columns.clone(),
        strata: frame.strata.len(),
        addresses: frame.entries.len() as u64,
        register: Register {
            rows: read.rows,
            excluded: read.excluded,
            exclusion_lists: options.source.exclusions.len(),
            sha256: read.register_sha256.clone(),
            areas_sha256: read.areas_sha256.clone(),
        },
        seed_rule: options.seed_rule.clone(),
        pseudonyms: bundle::PSEUDONYM_SCHEME.into(),
        tickets: bundle::TICKET_SCHEME.into(),
        reveals: bundle::REVEALS.into(),
        software: format!("kleroterion {}", env!("CARGO_PKG_VERSION")),
    };
    let manifest_bytes = manifest.to_bytes();
    let digests = vec![
        (bundle::ADDRESSES, bundle::sha256(&addresses)),
        (bundle::MANIFEST, bundle::sha256(&manifest_bytes)),
        (bundle::PLAN, bundle::sha256(plan_text.as_bytes())),
        (bundle::STRATA, bundle::sha256(&strata)),
    ];
    let commitment = bundle::commitment(&digests);
    let dir = bundle::round_dir(1);
    let mut public = Outputs::new_dir(options.bundle.clone(), options.force);
    public.add(format!("{dir}/{}", bundle::ADDRESSES), addresses);
    public.add(format!("{dir}/{}", bundle::MANIFEST), manifest_bytes);
    public.add(format!("{dir}/{}", bundle::PLAN), plan_text.into_bytes());
    public.add(format!("{dir}/{}", bundle::STRATA), strata);
    public.add(
        format!("{dir}/{}", bundle::COMMITMENT),
        bundle::commitment_txt(&digests),
    );
    let mut private_out = Outputs::into_dir(private_dir);
    private_out.add(SECRET_FILE, format!("{}\n", secret.to_hex()));
    private_out.add(
        AUDITOR_FILE,
        format!("{}\n", crate::invite::frame::hex(&key)),
    );
    let record = SourceRecord {
        register: absolute(&options.source.register),
        areas: options.source.areas.as_deref().map(absolute),
        exclusions: options
            .source
            .exclusions
            .iter()
            .map(|p| absolute(p))
            .collect(),
    };
    private_out.add(
        SOURCE_FILE,
        format!(
            "{}\n",
            serde_json::to_string_pretty(&record).expect("plain data")
        ),
    );
    let mut text = String::new();
    let _ = writeln!(
        text,
        "Register: {} addresses read, {} excluded, {} in the frame, {} strata ({})",
        read.rows,
        read.excluded,
        frame.entries.len(),
        frame.strata.len(),
        if frame.columns.is_empty() {
            "no stratum columns".to_string()
        } else {
            frame.columns.join(" × ")
        }
    );
    let _ = writeln!(text, "Letters: {} (round 1)", plan.letters);
    let small = frame.counts.iter().filter(|&&n| n < SMALL_STRATUM).count();
    if small > 0 {
        let _ = writeln!(
            text,
            "Note: {small} strata have fewer than {SMALL_STRATUM} addresses. The public strata table shows how many letters each gets, so anyone with the register learns how many of those few addresses were invited; merge small strata (fewer stratum columns) if that matters."
        );
    }
    let _ = writeln!(
        text,
        "\nCOMMITMENT: {commitment}\nSEED RULE: {}",
        options.seed_rule.describe()
    );
    Ok(Committed {
        public,
        private: private_out,
        commitment,
        text,
    })
}

/// What to top up.
#[derive(Debug, Clone)]
pub struct TopUpOptions {
    pub bundle: PathBuf,
    /// The top-up's plan: its letters and allocation (strata and columns
    /// as round 1's).
    pub plan: PathBuf,
    pub seed_rule: SeedRule,
}

/// Commits a further round: more letters, among addresses not invited
/// yet; earlier rounds' letters stay as they are.
pub fn top_up(options: &TopUpOptions) -> Result<Committed, Error> {
    let rounds = open_rounds(&options.bundle)?;
    let last = rounds
        .last()
        .expect("open_rounds returns at least one round");
    if last.draw.is_none() {
        return Err(Error::Usage(format!(
            "round {} is not drawn yet: draw it before committing a top-up",
            last.number
        )));
    }
    let first = &rounds[0];
    let plan_text = read_text(&options.plan, "invitation plan")?;
    let plan = Plan::parse(&options.plan, &plan_text)?;
    if plan.strata != first.columns
        || plan.id_column != first.plan.id_column
        || plan.area_column != first.plan.area_column
    {
        return Err(InputError::invalid(
            &options.plan,
            format!(
                "a top-up keeps round 1's strata ({}) and register columns",
                first.columns.join(", ")
            ),
        )
        .hint("copy round 1's plan and change only letters and the allocation")
        .into());
    }
    if let Some(r) = rounds.iter().find(|r| {
        r.manifest.seed_rule.source.to_lowercase() == options.seed_rule.source.to_lowercase()
    }) {
        return Err(Error::Usage(format!(
            "the seed rule names the same source as round {}'s, {}: a top-up needs a public event that happens after its commitment is published",
            r.number,
            quoted(&r.manifest.seed_rule.source)
        )));
    }
    let taken = taken_before(&rounds, rounds.len())?;
    let before = bundle::before_from(&taken, first.values.len());
    let allocation = bundle::allocation(
        &plan,
        &options.plan,
        &first.columns,
        &first.values,
        &first.counts,
        &before,
        false,
    )?;
    let rows = bundle::rows(&first.values, &first.counts, &before, &allocation);
    let strata = bundle::strata_csv(&first.columns, &rows, plan.response_rate.as_ref());
    let number = last.number + 1;
    let previous = last.stated_commitment().ok_or_else(|| {
        Error::from(
            InputError::invalid(
                &last.dir.join(bundle::COMMITMENT),
                "the file is missing or not the tool's",
            )
            .hint("restore the bundle as published"),
        )
    })?;
    let manifest = Manifest {
        round: number,
        previous_commitment: Some(previous),
        letters: plan.letters,
        seed_rule: options.seed_rule.clone(),
        ..first.manifest.clone()
    };
    let manifest_bytes = manifest.to_bytes();
    let digests = vec![
        (bundle::MANIFEST, bundle::sha256(&manifest_bytes)),
        (bundle::PLAN, bundle::sha256(plan_text.as_bytes())),
        (bundle::STRATA, bundle::sha256(&strata)),
    ];
    let commitment = bundle::commitment(&digests);
    let dir = bundle::round_dir(number);
    let mut public = Outputs::into_dir(options.bundle.clone());
    public.add(format!("{dir}/{}", bundle::MANIFEST), manifest_bytes);
    public.add(format!("{dir}/{}", bundle::PLAN), plan_text.into_bytes());
    public.add(format!("{dir}/{}", bundle::STRATA), strata);
    public.add(
        format!("{dir}/{}", bundle::COMMITMENT),
        bundle::commitment_txt(&digests),
    );
    let already: u64 = before.iter().sum();
    let text = format!(
        "Round {number}: {} more letters among the {} addresses not invited yet ({already} invited so far)\n\nCOMMITMENT: {commitment}\nSEED RULE: {}\n",
        plan.letters,
        first.counts.iter().sum::<u64>().saturating_sub(already),
        options.seed_rule.describe(),
    );
    Ok(Committed {
        public,
        private: Outputs::into_dir(options.bundle.clone()),
        commitment,
        text,
    })
}

/// The addresses drawn by rounds before `upto` (1-based, exclusive).
fn taken_before(rounds: &[Round], upto: usize) -> Result<BTreeMap<Pseudonym, u32>, Error> {
    let mut taken = BTreeMap::new();
    for r in rounds.iter().take(upto) {
        if let Some(bytes) = &r.drawn_bytes {
            taken.extend(read_drawn(
                &r.dir.join(bundle::DRAWN),
                bytes,
                r.values.len(),
            )?);
        }
    }
    Ok(taken)
}

/// What to draw.
#[derive(Debug, Clone)]
pub struct DrawOptions {
    pub bundle: PathBuf,
    /// The public seed as typed.
    pub seed: String,
    /// The commitment the organiser published, to compare.
    pub commitment: Option<String>,
    /// The private directory (None: BUNDLE-private).
    pub private: Option<PathBuf>,
    /// Read the register from here instead of where the commit read it.
    pub source: Option<Source>,
    pub threads: usize,
}

/// A drawn round.
#[derive(Debug)]
pub struct Drawn {
    pub public: Outputs,
    /// The mail-merge files and invitations.csv.
    pub private: Outputs,
    pub text: String,
}

/// Draws the first undrawn round and, with the private directory, writes
/// the letters: addresses and invitation codes.
pub fn draw(options: &DrawOptions, reader: &dyn Reader) -> Result<Drawn, Error> {
    let rounds = open_rounds(&options.bundle)?;
    let Some(at) = rounds.iter().position(|r| r.draw.is_none()) else {
        return Err(Error::Usage(format!(
            "every round of {} is drawn already; commit a top-up round for more letters",
            options.bundle.display()
        )));
    };
    let round = &rounds[at];
    let first = &rounds[0];
    let (pairs, addresses_digest) =
        bundle::read_addresses(&first.dir.join(bundle::ADDRESSES), first.values.len())?;
    let digests = round.digests((round.number == 1).then_some(addresses_digest.as_str()));
    let commitment = bundle::commitment(&digests);
    if round.commitment_txt.as_deref() != Some(&bundle::commitment_txt(&digests)[..]) {
        return Err(InputError::invalid(&round.dir.join(bundle::COMMITMENT), format!("the round's files give the commitment {commitment}, which this file does not state: a committed file changed"))
            .hint("restore the bundle exactly as it was when its commitment was published")
            .into());
    }
    if let Some(c) = &options.commitment
        && !c.trim().eq_ignore_ascii_case(&commitment)
    {
        return Err(Error::Usage(format!(
            "the published commitment {} is not this round's, {commitment}",
            c.trim()
        )));
    }
    let seed = round
        .manifest
        .seed_rule
        .canonical(&options.seed)
        .map_err(|e| Error::Usage(format!("the seed {}: {e}", quoted(&options.seed))))?;
    let earlier: Vec<Earlier> = rounds[..at]
        .iter()
        .map(|r| Earlier {
            stage: r.number,
            source: &r.manifest.seed_rule.source,
            seed: r.draw.as_ref().map(|d| d.seed.as_str()),
        })
        .collect();
    if let Some(why) = reused("round", &round.manifest.seed_rule.source, &seed, &earlier) {
        return Err(Error::Usage(format!(
            "this round cannot be drawn with the seed {}: {why}. Use the result of a public event that happens after this round's commitment is published",
            quoted(&seed)
        )));
    }
    let taken = taken_before(&rounds, at)?;
    let taken_set: HashSet<Pseudonym> = taken.keys().copied().collect();
    let drawn = draw_round(
        &pairs,
        &round.letters,
        &taken_set,
        &commitment,
        &seed,
        options.threads,
    );
    let drawn_bytes = bundle::drawn_csv(&drawn);
    let record = DrawRecord {
        round: round.number,
        commitment: commitment.clone(),
        seed_as_typed: options.seed.clone(),
        seed: seed.clone(),
        letters: drawn.len() as u64,
        drawn_sha256: bundle::sha256(&drawn_bytes),
    };
    let dir = bundle::round_dir(round.number);
    let mut public = Outputs::into_dir(options.bundle.clone());
    public.add(format!("{dir}/{}", bundle::DRAW), record.to_bytes());
    public.add(format!("{dir}/{}", bundle::DRAWN), drawn_bytes);
    let mut text = format!(
        "Round {} (commitment {commitment})\nseed as typed {}\nin the committed form ({}): {}\n{} letters drawn over {} strata\n",
        round.number,
        quoted(&options.seed),
        round.manifest.seed_rule.describe(),
        quoted(&seed),
        drawn.len(),
        round.letters.iter().filter(|&&l| l > 0).count()
    );
    drop(pairs);
    let private_dir = options
        .private
        .clone()
        .unwrap_or_else(|| private::default_dir(&options.bundle));
    // Without the secret there would be no letters, and a round recorded
    // as drawn cannot be drawn again: refuse before anything is written.
    if !private_dir.join(SECRET_FILE).exists() {
        return Err(InputError::unreadable(
            &private_dir.join(SECRET_FILE),
            "the organiser's private directory (with the secret key) is not here; without it no letter can be written",
        )
        .hint("give the private directory the commit wrote (it is BUNDLE-private unless another was named)")
        .into());
    }
    let secret_text = read_text(&private_dir.join(SECRET_FILE), "secret key")?;
    let secret = Secret::from_hex(&secret_text).ok_or_else(|| {
        Error::from(InputError::invalid(
            &private_dir.join(SECRET_FILE),
            "not a secret key (64 hex digits)",
        ))
    })?;
    let source = match &options.source {
        Some(s) => s.clone(),
        None => {
            let path = private_dir.join(SOURCE_FILE);
            let record: SourceRecord =
                serde_json::from_str(&read_text(&path, "record of the register")?).map_err(
                    |e| {
                        Error::from(InputError::invalid(
                            &path,
                            format!("not the tool's record: {e}"),
                        ))
                    },
                )?;
            Source {
                register: record.register,
                areas: record.areas,
                exclusions: record.exclusions,
            }
        }
    };
    let key = secret.derive(PSEUDONYM_LABEL);
    let wanted: HashSet<Pseudonym> = drawn.iter().map(|d| d.pseudonym).collect();
    let read = reader.read(&source, &first.plan, &key, &wanted)?;
    if bundle::addresses_sha256(&read.frame) != addresses_digest {
        return Err(InputError::invalid(&source.register, "this register (with its area table and exclusion lists) does not give the address list that round 1 committed to")
            .hint("give the register, area table and exclusion lists exactly as they were when round 1 was committed")
            .into());
    }
    let code_key = secret.derive(CODE_LABEL);
    let mut letters: Vec<(u32, Vec<String>)> = Vec::with_capacity(drawn.len());
    let mut invitations: Vec<(String, u32)> = Vec::with_capacity(drawn.len());
    let mut codes = HashSet::new();
    for d in &drawn {
        let (line, cells) = read.wanted.get(&d.pseudonym).ok_or_else(|| {
            Error::Internal("a drawn address is missing from the register".into())
        })?;
        let c = code::code(&code_key, &d.pseudonym);
        if !codes.insert(c.clone()) {
            return Err(Error::PseudonymCollision(
                "two letters of this round got the same invitation code (about a one-in-a-million chance); start again with a new secret key".into(),
            ));
        }
        let mut row = vec![
            c.clone(),
            round.number.to_string(),
            (d.stratum + 1).to_string(),
        ];
        row.extend(first.values[d.stratum as usize].iter().cloned());
        row.extend(cells.iter().cloned());
        letters.push((*line, row));
        invitations.push((c, d.stratum));
    }
    // In register order: registers are sorted by postcode, as the post
    // wants its letters.
    letters.sort_by_key(|(line, _)| *line);
    let mut header = vec![
        "code".to_string(),
        "round".to_string(),
        "stratum".to_string(),
    ];
    header.extend(first.columns.iter().cloned());
    header.extend(first.plan.address_columns.iter().cloned());
    let mut doc = CsvDoc::default();
    doc.record(header);
    for (_, row) in &letters {
        doc.record(row.iter());
    }
    let letters_csv = doc.into_bytes();
    let name = format!("letters-round-{}", round.number);
    let xlsx =
        sheets::workbook(&[(&format!("{name}.csv"), &letters_csv)]).map_err(Error::Internal)?;
    // invitations.csv: every letter of every round so far, made again
    // from the public drawn.csv files (so a repeated run cannot list a
    // letter twice).
    let mut doc = CsvDoc::default();
    let mut header = vec![
        "code".to_string(),
        "round".to_string(),
        "stratum".to_string(),
    ];
    header.extend(first.columns.iter().cloned());
    doc.record(header);
    let mut every: Vec<(u32, Vec<(String, u32)>)> = Vec::new();
    for r in &rounds[..at] {
        let bytes = r.drawn_bytes.as_deref().unwrap_or_default();
        let map = read_drawn(&r.dir.join(bundle::DRAWN), bytes, first.values.len())?;
        every.push((
            r.number,
            map.into_iter()
                .map(|(p, s)| (code::code(&code_key, &p), s))
                .collect(),
        ));
    }
    every.push((round.number, invitations));
    let all_codes: usize = every.iter().map(|(_, l)| l.len()).sum();
    let distinct: HashSet<&String> = every
        .iter()
        .flat_map(|(_, l)| l.iter().map(|(c, _)| c))
        .collect();
    if distinct.len() != all_codes {
        return Err(Error::PseudonymCollision(
            "a letter of this round got the invitation code of an earlier round's letter (about a one-in-a-million chance); commit this round again, with another seed event".into(),
        ));
    }
    for (number, mut list) in every {
        list.sort();
        for (c, s) in list {
            let mut row = vec![c, number.to_string(), (s + 1).to_string()];
            row.extend(first.values[s as usize].iter().cloned());
            doc.record(row);
        }
    }
    let all = doc.into_bytes();
    let mut private_out = Outputs::into_dir(private_dir.clone());
    private_out.add(format!("{name}.csv"), letters_csv);
    private_out.add(format!("{name}.xlsx"), xlsx);
    private_out.add(INVITATIONS_FILE, all);
    let _ = writeln!(
        text,
        "Mail-merge files (addresses and invitation codes; private): {name}.csv and {name}.xlsx in {}",
        private_dir.display()
    );
    Ok(Drawn {
        public,
        private: private_out,
        text,
    })
}

/// What an auditor checks the bundle's address list against.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    pub bundle: PathBuf,
    pub source: Source,
    /// invite-auditor.key (the pseudonym key, 64 hex digits).
    pub auditor_key: PathBuf,
}

/// Whether the bundle's address list is exactly the register's (minus
/// the exclusion lists), with what was found.
pub fn audit(options: &AuditOptions, reader: &dyn Reader) -> Result<(bool, String), Error> {
    let rounds = open_rounds(&options.bundle)?;
    let first = &rounds[0];
    let key_text = read_text(&options.auditor_key, "auditor's key")?;
    // The auditor's key is the pseudonym key itself (see `commit`).
    let pseudonym_key = crate::invite::frame::unhex32(&key_text).ok_or_else(|| {
        Error::from(
            InputError::invalid(&options.auditor_key, "not a key (64 hex digits)")
                .hint("give invite-auditor.key from the organiser's private directory"),
        )
    })?;
    let (_, published) =
        bundle::read_addresses(&first.dir.join(bundle::ADDRESSES), first.values.len())?;
    let read = reader.read(
        &options.source,
        &first.plan,
        &pseudonym_key,
        &HashSet::new(),
    )?;
    let ours = bundle::addresses_sha256(&read.frame);
    let same_file = read.register_sha256 == first.manifest.register.sha256;
    // The pseudonyms, and the strata's labels and counts (a label swapped
    // in strata.csv would move letters between areas).
    let ok =
        ours == published && read.frame.strata == first.values && read.frame.counts == first.counts;
    let text = format!(
        "{}: the register ({} addresses read, {} excluded, {} in the frame) {} the bundle's address list{}\n",
        if ok { "PASS" } else { "FAIL" },
        read.rows,
        read.excluded,
        read.frame.entries.len(),
        if ok { "gives exactly" } else { "does not give" },
        if same_file {
            " (and it is the very file the organiser read: same SHA-256)".to_string()
        } else {
            format!(
                " (the register file differs from the one the organiser read, SHA-256 {}…)",
                first.manifest.register.sha256.get(..16).unwrap_or("?")
            )
        }
    );
    Ok((ok, text))
}
