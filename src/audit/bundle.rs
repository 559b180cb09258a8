//! The audit bundle: everything a reviewer needs to check a lottery, and no
//! personal data (format in docs/formats.md, protocol in docs/draw-spec.md).
//!
//! A bundle is a set of named files. Stage 0 (the first draw) sits at the
//! bundle's root; replacement round r sits in `replacement-r/` and has the
//! same files. The **committed** files of a stage are
//!
//! - `manifest.json`: tool, algorithm, solver settings, k, m, input digests,
//!   summary figures, and for replacements the held and withdrawn people and
//!   the previous stage's commitment;
//! - `quotas.csv`: `category,name,min,max` (the bounds this stage must meet);
//! - `pool.csv`: `pseudonym,<categories>,household`, sorted by pseudonym;
//! - `lottery.csv`: `panel,members` (pseudonyms separated by spaces);
//! - `probabilities.csv`: `pseudonym,exact,lottery_panels,lottery`.
//!
//! The commitment is SHA-256 of the `sha256sum`-style listing of those five
//! files in name order, so `sha256sum lottery.csv manifest.json pool.csv
//! probabilities.csv quotas.csv | sha256sum` recomputes it.
//! `commitment.txt` repeats the listing and the commitment for convenience,
//! and `draw.json` records the draw; neither is committed (the draw happens
//! after the commitment is published).

use std::collections::BTreeMap;
use std::path::Path;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::audit::rounding::Rounded;
use crate::audit::seed::SeedRule;
use crate::error::{Error, InputError};
use crate::files::csv::CsvDoc;
use crate::files::table::{Table, sha256_hex};
use crate::model::instance::{Inputs, Instance};
use crate::model::quotas::Quotas;
use crate::random::DrawRng;
use crate::selection::distribution::Fairness;

/// Said in a manifest's rounding when the minimum fell by 1/m or more
/// (`verify` then accepts it).
pub const FLOOR_MISSED: &str = "here the minimum could not be kept within 1/m";
/// Value of `format` in every manifest this version writes.
pub const FORMAT: &str = "kleroterion-bundle/3";
/// The committed files of a stage, in commitment order.
pub const COMMITTED_FILES: [&str; 6] = [
    "certificate.json",
    "lottery.csv",
    "manifest.json",
    "pool.csv",
    "probabilities.csv",
    "quotas.csv",
];
pub const COMMITMENT_FILE: &str = "commitment.txt";
pub const DRAW_FILE: &str = "draw.json";
pub const PSEUDONYM_COLUMN: &str = "pseudonym";
pub const HOUSEHOLD_COLUMN: &str = "household";
/// Domain label of the public draw of a panel number.
pub const DRAW_DOMAIN: &str = "kleroterion/lottery-draw/v1";
/// Decimals of probabilities in `probabilities.csv` and the manifest.
pub const DECIMALS: usize = 9;
/// How pseudonyms are made, as recorded in manifests.
pub const PSEUDONYM_SCHEME: &str =
    "\"p\" + first 16 hex digits of HMAC-SHA256(organiser's secret key, id as UTF-8)";

/// The directory name of a stage inside the bundle ("" for stage 0).
pub fn stage_dir(stage: u32) -> String {
    if stage == 0 {
        String::new()
    } else {
        format!("replacement-{stage}")
    }
}

/// The organiser's secret pseudonym key (32 bytes), kept out of the bundle.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret([u8; 32]);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> Result<Secret, Error> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key)
            .map_err(|e| Error::NoRandomness(format!("no randomness for the secret key: {e}")))?;
        Ok(Secret(key))
    }

    /// From 64 hex digits (surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> Option<Secret> {
        let text = text.trim();
        if text.len() != 64 || !text.is_ascii() {
            return None;
        }
        let mut key = [0u8; 32];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Secret(key))
    }

    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// The pseudonym of `id`.
    pub fn pseudonym(&self, id: &str) -> String {
        format!("p{}", hex(&hmac(&self.0, &[id.as_bytes()])[..8]))
    }

    /// The auditor's key: HMAC-SHA256(secret, "kleroterion/auditor-key/v1").
    /// Given to an auditor, it opens the sealed categories and confirms the
    /// input files' digests, but maps no pseudonym back to a person.
    pub fn auditor_key(&self) -> AuditorKey {
        AuditorKey(hmac(&self.0, &[AUDITOR_KEY_LABEL.as_bytes()]))
    }

    /// A key for one purpose: HMAC-SHA256(secret, label).
    pub fn derive(&self, label: &str) -> [u8; 32] {
        hmac(&self.0, &[label.as_bytes()])
    }
}

const AUDITOR_KEY_LABEL: &str = "kleroterion/auditor-key/v1";
const INPUT_LABEL: &str = "kleroterion/input/v1";
const SEAL_LABEL: &str = "kleroterion/seal/v1";

/// HMAC-SHA256 of the parts joined by 0x00 bytes.
fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            mac.update(&[0]);
        }
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The auditor's key (32 bytes; see [`Secret::auditor_key`]), written to
/// the private directory as `auditor.key`.
#[derive(Clone, PartialEq, Eq)]
pub struct AuditorKey([u8; 32]);

impl std::fmt::Debug for AuditorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditorKey(..)")
    }
}

impl AuditorKey {
    /// From 64 hex digits (surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> Option<AuditorKey> {
        Secret::from_hex(text).map(|s| AuditorKey(s.0))
    }

    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// An input file's digest as published: HMAC-SHA256(auditor key,
    /// "kleroterion/input/v1" ‖ 0x00 ‖ the file's SHA-256 in hex). Whoever
    /// has the file and the key can confirm it; a guessed copy alone
    /// confirms nothing.
    pub fn input_digest(&self, sha256_hex: &str) -> String {
        hex(&hmac(
            &self.0,
            &[INPUT_LABEL.as_bytes(), sha256_hex.as_bytes()],
        ))
    }

    /// A sealed cell: the first 32 hex digits of HMAC-SHA256(auditor key,
    /// "kleroterion/seal/v1" ‖ 0x00 ‖ pseudonym ‖ 0x00 ‖ category ‖ 0x00 ‖
    /// value).
    pub fn seal(&self, pseudonym: &str, category: &str, value: &str) -> String {
        hex(&hmac(
            &self.0,
            &[
                SEAL_LABEL.as_bytes(),
                pseudonym.as_bytes(),
                category.as_bytes(),
                value.as_bytes(),
            ],
        )[..16])
    }
}

/// The sealed categories of a stage and, when opening them, the key.
#[derive(Debug, Clone, Copy, Default)]
pub struct Seals<'a> {
    /// Category names whose values pool.csv publishes only sealed.
    pub categories: &'a [String],
    pub key: Option<&'a AuditorKey>,
}

/// `pool.csv` of a stage: the `include`d people of `instance` under
/// `names`, sorted by name, with household groups (of two or more included
/// people) numbered h1, h2, … in that order, and the values of the sealed
/// categories written sealed (`seals` must then have the key).
pub fn pool_csv(
    instance: &Instance,
    names: &[String],
    include: &[usize],
    seals: &Seals,
) -> Vec<u8> {
    let quotas = &instance.quotas;
    let mut rows: Vec<usize> = include.to_vec();
    rows.sort_by(|&a, &b| names[a].cmp(&names[b]));
    let mut members_in: BTreeMap<usize, usize> = BTreeMap::new();
    for &i in &rows {
        if let Some(g) = instance.households.group_of[i] {
            *members_in.entry(g).or_default() += 1;
        }
    }
    let sealed: Vec<bool> = quotas
        .categories
        .iter()
        .map(|c| seals.categories.contains(&c.name))
        .collect();
    let mut label: BTreeMap<usize, String> = BTreeMap::new();
    let mut doc = CsvDoc::default();
    let mut header = vec![PSEUDONYM_COLUMN.to_string()];
    header.extend(quotas.categories.iter().map(|c| c.name.clone()));
    header.push(HOUSEHOLD_COLUMN.into());
    doc.record(&header);
    for &i in &rows {
        let person = &instance.pool.people[i];
        let mut row = vec![names[i].clone()];
        for &v in &person.values {
            let value = &quotas.values[v];
            row.push(match (sealed[value.category], seals.key) {
                (true, Some(key)) => key.seal(
                    &names[i],
                    &quotas.categories[value.category].name,
                    &value.name,
                ),
                _ => value.name.clone(),
            });
        }
        let household = match instance.households.group_of[i] {
            Some(g) if members_in[&g] >= 2 => {
                let next = label.len() + 1;
                label.entry(g).or_insert_with(|| format!("h{next}")).clone()
            }
            _ => String::new(),
        };
        row.push(household);
        doc.record(&row);
    }
    doc.into_bytes()
}

/// `quotas.csv` of a stage: the quota values with these (min, max) bounds.
pub fn quotas_csv(quotas: &Quotas, bounds: &[(u32, u32)]) -> Vec<u8> {
    let mut doc = CsvDoc::default();
    doc.record(["category", "name", "min", "max"]);
    for (v, &(min, max)) in quotas.values.iter().zip(bounds) {
        doc.record([
            quotas.categories[v.category].name.as_str(),
            v.name.as_str(),
            &min.to_string(),
            &max.to_string(),
        ]);
    }
    doc.into_bytes()
}

/// Categories whose names clash with the bundle's own pool columns.
pub fn reserved_category(quotas: &Quotas) -> Option<&str> {
    quotas.categories.iter().map(|c| c.name.as_str()).find(|n| {
        let n = crate::files::table::key(n);
        n == PSEUDONYM_COLUMN || n == HOUSEHOLD_COLUMN
    })
}

/// The instance a stage describes, read from its `pool.csv` and
/// `quotas.csv` (paths under `dir` are used in messages only). Sealed
/// categories are opened with the key, or, without it, left out (with
/// their quotas). pool.csv must list each pseudonym once, in order.
pub fn stage_instance(
    dir: &Path,
    pool: &[u8],
    quotas: &[u8],
    k: usize,
    household_rule: bool,
    seals: &Seals,
) -> Result<Instance, Error> {
    let mut quotas = Table::parse(&dir.join("quotas.csv"), quotas)?;
    let mut table = Table::parse(&dir.join("pool.csv"), pool)?;
    let (first, last) = (table.header.first(), table.header.last());
    if first.map(String::as_str) != Some(PSEUDONYM_COLUMN)
        || last.map(String::as_str) != Some(HOUSEHOLD_COLUMN)
    {
        return Err(InputError::invalid(
            &table.path,
            format!(
                "the header must be {PSEUDONYM_COLUMN}, the categories, {HOUSEHOLD_COLUMN}; it is {}",
                table.header_list()
            ),
        )
        .line(1)
        .into());
    }
    if let Some(row) = table.rows.iter().find(|r| !is_pseudonym(&r.cells[0])) {
        return Err(table
            .cell_error(
                row,
                0,
                format!(
                    "\"{}\" is not a pseudonym (\"p\" and 16 lower-case hex digits)",
                    row.cells[0]
                ),
            )
            .into());
    }
    if let Some(p) = table.column(PSEUDONYM_COLUMN) {
        for pair in table.rows.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            if a.cells.get(p) >= b.cells.get(p) {
                let what = if a.cells.get(p) == b.cells.get(p) {
                    format!("appears twice (lines {} and {})", a.line, b.line)
                } else {
                    format!(
                        "comes after \"{}\" (line {}): pool.csv is sorted by pseudonym",
                        a.cells[p], a.line
                    )
                };
                return Err(table
                    .cell_error(b, p, format!("\"{}\" {what}", b.cells[p]))
                    .into());
            }
        }
    }
    if !seals.categories.is_empty() {
        open_seals(&mut table, &mut quotas, seals)?;
    }
    let quotas = Quotas::from_table(&quotas)?;
    let inputs = Inputs {
        k,
        id_column: Some(PSEUDONYM_COLUMN.into()),
        address_columns: if household_rule {
            vec![HOUSEHOLD_COLUMN.into()]
        } else {
            Vec::new()
        },
        ..Inputs::default()
    };
    Ok(Instance::from_parts(table, quotas, &inputs)?.0)
}

/// Whether `name` has the form of a pseudonym.
pub fn is_pseudonym(name: &str) -> bool {
    name.len() == 17
        && name.starts_with('p')
        && name[1..]
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

/// Opens the sealed columns of pool.csv with the key, or, without it,
/// removes them and their categories' quotas.
fn open_seals(table: &mut Table, quotas: &mut Table, seals: &Seals) -> Result<(), Error> {
    let [qc, qn] = quotas.require(
        ["category", "name"],
        "a bundle's quotas file",
        "restore the bundle as it was published",
    )?;
    let p = table.column(PSEUDONYM_COLUMN);
    for category in seals.categories {
        let Some(c) = table.column(category) else {
            return Err(InputError::invalid(
                &table.path,
                format!("the sealed category \"{category}\" has no column"),
            )
            .into());
        };
        match (seals.key, p) {
            (Some(key), Some(p)) => {
                let values: Vec<String> = quotas
                    .rows
                    .iter()
                    .filter(|r| r.cells[qc] == *category)
                    .map(|r| r.cells[qn].clone())
                    .collect();
                let mut errors = Vec::new();
                for row in &mut table.rows {
                    let name = row.cells[p].clone();
                    match values
                        .iter()
                        .find(|v| key.seal(&name, category, v) == row.cells[c])
                    {
                        Some(v) => row.cells[c] = v.clone(),
                        None => errors.push(InputError::invalid(
                            &table.path,
                            format!(
                                "line {}: the sealed {category} of \"{name}\" opens to none of the category's values (is this the bundle's auditor key?)",
                                row.line
                            ),
                        )),
                    }
                }
                if !errors.is_empty() {
                    return Err(Error::Input(errors));
                }
            }
            _ => {
                table.header.remove(c);
                for row in &mut table.rows {
                    row.cells.remove(c);
                }
                quotas.rows.retain(|r| r.cells[qc] != *category);
            }
        }
    }
    Ok(())
}

/// An input file of stage 0, as recorded in the manifest: its role and
/// keyed digest (never its name, which may name a person).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputFile {
    /// "respondents", "quotas" or "panel".
    pub role: String,
    /// [`AuditorKey::input_digest`] of the file.
    pub keyed_sha256: String,
}

/// Summary figures of a probability vector, as fixed-point text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Figures {
    pub minimum: String,
    pub maximum: String,
    pub mean: String,
    pub gini: String,
}

impl Figures {
    pub fn of(pi: &[f64]) -> Figures {
        let f = Fairness::of(pi);
        Figures {
            minimum: fixed(f.min),
            maximum: fixed(f.max),
            mean: fixed(f.mean),
            gini: fixed(f.gini),
        }
    }
}

/// The figures a reviewer recomputes from `probabilities.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub exact: Figures,
    pub lottery: Figures,
    /// max over people of |lottery − exact|.
    pub largest_change: String,
    /// exact minimum − lottery minimum (negative: the lottery's is higher).
    pub minimum_drop: String,
}

impl Summary {
    /// From the exact probabilities (as written, i.e. parsed back from
    /// their fixed-point text) and the lottery appearances out of `m`.
    pub fn of(exact: &[f64], appearances: &[u32], m: usize) -> Summary {
        let lottery: Vec<f64> = appearances
            .iter()
            .map(|&a| f64::from(a) / m as f64)
            .collect();
        let (e, l) = (Figures::of(exact), Figures::of(&lottery));
        let largest = exact
            .iter()
            .zip(&lottery)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        let drop = Fairness::of(exact).min - Fairness::of(&lottery).min;
        Summary {
            exact: e,
            lottery: l,
            largest_change: fixed(largest),
            minimum_drop: fixed(drop),
        }
    }
}

/// Whether the lottery minimum is below the exact minimum by 1/m or more,
/// from the exact probabilities as written: the one rule `lottery` uses to
/// declare it and `verify` uses to check the declaration.
pub fn minimum_fell(exact: &[f64], appearances: &[u32], m: usize) -> bool {
    let mf = m as f64;
    let emin = exact.iter().copied().fold(f64::INFINITY, f64::min);
    let lmin = appearances
        .iter()
        .map(|&a| f64::from(a) / mf)
        .fold(f64::INFINITY, f64::min);
    lmin < emin - 1.0 / mf - 1e-9
}

/// Fixed-point text with [`DECIMALS`] decimals (no "-0").
pub fn fixed(x: f64) -> String {
    let s = format!("{x:.DECIMALS$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

/// A stage's manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub tool: String,
    /// 0 for the first draw, r for replacement round r.
    pub stage: u32,
    /// The commitment of stage − 1 (replacements only).
    pub previous_commitment: Option<String>,
    /// leximin, maximin or nash.
    pub algorithm: String,
    /// False when a time limit stopped the optimisation early.
    pub optimisation_complete: bool,
    pub solver: String,
    /// How the distribution was rounded to the lottery.
    pub rounding: String,
    /// Panel size of this stage (k minus the people held).
    pub panel_size: usize,
    /// Number of panels in the lottery (m).
    pub panels: usize,
    /// People in this stage's pool.
    pub people: usize,
    pub categories: Vec<String>,
    pub household_rule: bool,
    /// Stage 0: the original input files.
    pub inputs: Vec<InputFile>,
    pub pseudonyms: String,
    /// Replacements: panel members kept, and those who withdrew.
    pub held: Vec<String>,
    pub withdrawn: Vec<String>,
    /// Replacements: bound changes applied because the round's quotas could
    /// not be met (the smallest total change).
    pub relaxed: Vec<String>,
    /// How the stage's seed must be written, and where it comes from:
    /// committed before the seed exists.
    pub seed_rule: SeedRule,
    /// The rounding's guarantee: every person's lottery probability is
    /// within this many appearances (of m) of the exact one.
    pub change_bound: u32,
    /// Categories whose values pool.csv publishes only sealed.
    pub sealed: Vec<String>,
    /// What pool.csv's published columns reveal.
    pub disclosure: Disclosure,
    pub summary: Summary,
}

/// Group size below which people count as nearly unique in [`Disclosure`].
pub const SMALL_GROUP: usize = 5;

/// How identifying pool.csv's published columns are: people are grouped by
/// their values in the published (unsealed) categories and the size of
/// their household group in the pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disclosure {
    /// The columns people are grouped by.
    pub columns: Vec<String>,
    /// People alone in their group: whoever knows their published values
    /// finds their row (their sealed values stay hidden).
    pub unique: usize,
    /// People in groups of fewer than [`SMALL_GROUP`] (the unique included).
    pub fewer_than_5: usize,
    /// Expected number of unique people on the drawn panel (Σ of their
    /// exact probabilities), two decimals.
    pub expected_unique_on_panel: String,
}

/// Whether each person of `instance` is alone in their group on the
/// published columns (categories not in `hidden`, and household size),
/// and each person's group size.
pub fn group_sizes(instance: &Instance, hidden: &[String]) -> Vec<usize> {
    let shown: Vec<bool> = instance
        .quotas
        .categories
        .iter()
        .map(|c| !hidden.contains(&c.name))
        .collect();
    let household = |i: usize| {
        instance.households.group_of[i].map_or(1, |g| instance.households.groups[g].len())
    };
    let keys: Vec<(Vec<usize>, usize)> = instance
        .pool
        .people
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let values = p
                .values
                .iter()
                .copied()
                .filter(|&v| shown[instance.quotas.values[v].category])
                .collect();
            (values, household(i))
        })
        .collect();
    let mut count: BTreeMap<&(Vec<usize>, usize), usize> = BTreeMap::new();
    for k in &keys {
        *count.entry(k).or_default() += 1;
    }
    keys.iter().map(|k| count[k]).collect()
}

impl Disclosure {
    /// Of `instance` with the `hidden` categories sealed, and the exact
    /// probabilities as written.
    pub fn of(instance: &Instance, hidden: &[String], exact: &[f64]) -> Disclosure {
        let sizes = group_sizes(instance, hidden);
        let mut columns: Vec<String> = instance
            .quotas
            .categories
            .iter()
            .map(|c| c.name.clone())
            .filter(|c| !hidden.contains(c))
            .collect();
        columns.push("household size".into());
        let expected: f64 = sizes
            .iter()
            .zip(exact)
            .filter(|(s, _)| **s == 1)
            .map(|(_, p)| p)
            .sum();
        Disclosure {
            columns,
            unique: sizes.iter().filter(|&&s| s == 1).count(),
            fewer_than_5: sizes.iter().filter(|&&s| s < SMALL_GROUP).count(),
            expected_unique_on_panel: format!("{expected:.2}"),
        }
    }
}

impl Manifest {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).expect("a manifest serialises");
        out.push(b'\n');
        out
    }
}

/// `probabilities.csv`: per person of `instance` (pool order, i.e. by
/// pseudonym), exact probability, lottery panels and lottery probability.
pub fn probabilities_csv(
    instance: &Instance,
    exact: &[f64],
    appearances: &[u32],
    m: usize,
) -> Vec<u8> {
    let mut doc = CsvDoc::default();
    doc.record(["pseudonym", "exact", "lottery_panels", "lottery"]);
    for ((p, &e), &a) in instance.pool.people.iter().zip(exact).zip(appearances) {
        doc.record([
            p.id.as_str(),
            &fixed(e),
            &a.to_string(),
            &fixed(f64::from(a) / m as f64),
        ]);
    }
    doc.into_bytes()
}

/// `lottery.csv`: `panel,members`, panel numbers from 1.
pub fn lottery_csv(instance: &Instance, rounded: &Rounded) -> Vec<u8> {
    panels_csv(instance, &rounded.lottery.panels)
}

/// `lottery.csv` of these panels.
pub fn panels_csv(instance: &Instance, panels: &[crate::model::panel::Panel]) -> Vec<u8> {
    let mut doc = CsvDoc::default();
    doc.record(["panel", "members"]);
    for (j, panel) in panels.iter().enumerate() {
        let members: Vec<&str> = panel
            .members()
            .iter()
            .map(|&i| instance.pool.people[i].id.as_str())
            .collect();
        doc.record([(j + 1).to_string(), members.join(" ")]);
    }
    doc.into_bytes()
}

/// The exact probabilities as a reviewer reads them back: rounded to
/// [`DECIMALS`] decimals.
pub fn as_written(exact: &[f64]) -> Vec<f64> {
    exact
        .iter()
        .map(|&x| fixed(x).parse().expect("fixed-point text parses"))
        .collect()
}

/// The committed files of one stage, by name.
pub type StageFiles = BTreeMap<String, Vec<u8>>;

/// The `sha256sum`-style listing of the committed files that are present.
pub fn listing(files: &StageFiles) -> String {
    let mut out = String::new();
    for name in COMMITTED_FILES {
        if let Some(bytes) = files.get(name) {
            out.push_str(&format!("{}  {name}\n", sha256_hex(bytes)));
        }
    }
    out
}

/// The commitment: SHA-256 (hex) of [`listing`].
pub fn commitment(files: &StageFiles) -> String {
    sha256_hex(listing(files).as_bytes())
}

/// `commitment.txt`: the listing, a blank line, then the commitment.
pub fn commitment_txt(files: &StageFiles) -> Vec<u8> {
    format!(
        "{}\ncommitment (SHA-256 of the lines above): {}\n",
        listing(files),
        commitment(files)
    )
    .into_bytes()
}

/// The public draw: panel number (1..=m) for this commitment and seed.
/// Key = SHA-256(DRAW_DOMAIN ‖ 0x00 ‖ commitment ‖ 0x00 ‖ seed), then one
/// uniform integer below m (docs/draw-spec.md).
pub fn panel_number(commitment: &str, seed: &str, m: u64) -> u64 {
    let mut rng = DrawRng::new(DRAW_DOMAIN, &format!("{commitment}\0{seed}"));
    1 + rng.below(m)
}

/// `draw.json`: the record of a public draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawRecord {
    pub stage: u32,
    pub commitment: String,
    /// The seed as it was typed.
    pub seed_as_typed: String,
    /// Its canonical form under the stage's seed rule: the bytes hashed.
    pub seed: String,
    pub panel: u64,
    /// The drawn panel's pseudonyms (for replacements: the new members).
    pub members: Vec<String>,
}

impl DrawRecord {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).expect("a draw record serialises");
        out.push(b'\n');
        out
    }
}

/// Everything needed to write a stage: its committed files plus
/// `commitment.txt`.
pub fn finish_stage(files: StageFiles) -> (StageFiles, String) {
    let c = commitment(&files);
    let mut all = files.clone();
    all.insert(COMMITMENT_FILE.into(), commitment_txt(&files));
    (all, c)
}

/// Builds the committed files of a stage from its instance (people named by
/// pseudonym, sorted), the bytes its instance was read from, and the
/// rounding.
pub fn stage_files(
    instance: &Instance,
    pool: Vec<u8>,
    quotas: Vec<u8>,
    rounded: &Rounded,
    manifest: &Manifest,
    certificate: Vec<u8>,
) -> StageFiles {
    let m = rounded.m();
    let exact = as_written(&rounded.exact);
    let mut files = StageFiles::new();
    files.insert("certificate.json".into(), certificate);
    files.insert("pool.csv".into(), pool);
    files.insert("quotas.csv".into(), quotas);
    files.insert("lottery.csv".into(), lottery_csv(instance, rounded));
    files.insert(
        "probabilities.csv".into(),
        probabilities_csv(instance, &exact, &rounded.appearances, m),
    );
    files.insert("manifest.json".into(), manifest.to_bytes());
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commitment_is_sha256_of_the_sha256sum_listing() {
        let mut files = StageFiles::new();
        for name in COMMITTED_FILES {
            files.insert(name.into(), name.as_bytes().to_vec());
        }
        let listing = listing(&files);
        assert_eq!(listing.lines().count(), 6);
        assert!(listing.starts_with(&format!(
            "{}  certificate.json\n",
            sha256_hex(b"certificate.json")
        )));
        assert_eq!(commitment(&files), sha256_hex(listing.as_bytes()));
        files.insert("pool.csv".into(), b"changed".to_vec());
        assert_ne!(commitment(&files), sha256_hex(listing.as_bytes()));
    }

    #[test]
    fn pseudonyms_are_keyed_and_stable() {
        let a = Secret::from_hex(&"11".repeat(32)).unwrap();
        let b = Secret::from_hex(&"22".repeat(32)).unwrap();
        assert_eq!(a.pseudonym("42"), a.pseudonym("42"));
        assert_ne!(a.pseudonym("42"), b.pseudonym("42"));
        assert_ne!(a.pseudonym("42"), a.pseudonym("43"));
        assert_eq!(a.pseudonym("42").len(), 17);
        assert_eq!(Secret::from_hex(&a.to_hex()), Some(a));
        assert!(Secret::from_hex("zz").is_none());
    }

    #[test]
    fn fixed_point_has_no_negative_zero() {
        assert_eq!(fixed(-1e-12), "0.000000000");
        assert_eq!(fixed(0.1), "0.100000000");
        assert_eq!(fixed(-0.5), "-0.500000000");
    }

    /// The test vectors of docs/draw-spec.md (also checked against the
    /// independent Python implementation in tests/suite/lottery.rs).
    pub const VECTORS: [(&str, &str, u64, u64); 5] = [
        (ZERO, "12 34 56", 1000, 358),
        (C, "2026-11-26 EuroMillions 3 17 22 41 48 ★ 5 9", 1000, 662),
        (C, "seed", 7, 6),
        (C, "", 1, 1),
        // The first word, 0x0febad201e5583b0, is below 2^64 mod m and is
        // rejected.
        (ZERO, "r2", (1 << 63) + 1, 6914113383529492697),
    ];
    const ZERO: &str = "0000000000000000000000000000000000000000000000000000000000000000";
    const C: &str = "88cb75e5368471650bb64a7a9b1b40a81ce42adc877caa00e2b80e28cc80bb81";

    #[test]
    fn draw_spec_test_vectors() {
        for (c, seed, m, expected) in VECTORS {
            assert_eq!(panel_number(c, seed, m), expected, "{c} {seed} {m}");
        }
        let mut rng = DrawRng::new(DRAW_DOMAIN, &format!("{ZERO}\012 34 56"));
        assert_eq!(rng.next_word(), 0x26b85d1e5fa3df3d);
        assert_eq!(rng.next_word(), 0x24a9de050e5e6564);
    }

    #[test]
    fn panel_numbers_are_in_range_and_depend_on_both_inputs() {
        let c = "ab".repeat(32);
        let n = panel_number(&c, "seed", 1000);
        assert!((1..=1000).contains(&n));
        assert_eq!(n, panel_number(&c, "seed", 1000));
        let others: std::collections::BTreeSet<u64> = (0..20)
            .map(|i| panel_number(&c, &format!("seed{i}"), 1000))
            .collect();
        assert!(others.len() > 10);
    }
}
