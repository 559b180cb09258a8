//! Synthetic but realistic volunteer pools, for the bundled example (data/)
//! and for benchmarks shaped like real instances.
//!
//! People are drawn from a population with known category shares, then
//! accepted with a probability proportional to the product of their values'
//! response propensities: the self-selection of real invitation rounds
//! (graduates, older people and the very concerned answer more often).
//! Some volunteers share an address with an earlier one (households).
//! Quotas are the population shares of the panel size, widened by a slack.
//! Everything follows from the seed text; no file is copied from elsewhere.

pub mod register;

use crate::files::csv::CsvDoc;
use crate::random::DrawRng;

/// Domain label of the synthetic-data stream.
pub const SYNTH_DOMAIN: &str = "kleroterion/synth/v1";

/// One category: its name and, per value, (name, population share,
/// response propensity).
#[derive(Debug, Clone)]
pub struct CategorySpec {
    pub name: &'static str,
    pub values: Vec<(&'static str, f64, f64)>,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct SynthSpec {
    /// Pool size.
    pub n: usize,
    /// Panel size the quotas are made for.
    pub k: usize,
    /// Number of categories (1..=8; the first ones of [`CATEGORY_NAMES`]).
    pub categories: usize,
    /// Share of volunteers who live with an earlier volunteer.
    pub household_rate: f64,
    /// How far each bound lies outside the exact population share of k.
    pub slack: u32,
    pub seed: String,
    /// How the pool departs from the plain model (benchmarks vary it so
    /// that no result depends on one generator).
    pub shape: Shape,
}

/// Variations of the generator. The default is the plain model the
/// bundled example was made with, and draws exactly the same stream.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    /// Exponent on the response propensities: 1 as measured, 2 makes the
    /// keen groups much keener and the reluctant ones rarer.
    pub skew: f64,
    /// Chance that a volunteer's value in a category follows their value in
    /// the previous one (older volunteers more often degree holders, and so
    /// on) instead of being drawn on its own.
    pub correlation: f64,
    /// Regions as the twelve of the UK (some small) instead of five.
    pub twelve_regions: bool,
    /// Every value present in the pool gets a minimum of at least 1, so
    /// rare values (1% of the population) must be seated.
    pub rare_minimum: bool,
}

impl Default for Shape {
    fn default() -> Self {
        Shape {
            skew: 1.0,
            correlation: 0.0,
            twelve_regions: false,
            rare_minimum: false,
        }
    }
}

/// The categories available, in the order they are used.
pub const CATEGORY_NAMES: &[&str] = &[
    "gender",
    "age",
    "education",
    "region",
    "climate_concern",
    "ethnicity",
    "housing",
    "urban_rural",
];

fn category(name: &str, shape: &Shape) -> CategorySpec {
    let values: Vec<(&'static str, f64, f64)> = match name {
        "region" if shape.twelve_regions => vec![
            ("North East", 0.04, 0.85),
            ("North West", 0.11, 0.9),
            ("Yorkshire", 0.08, 0.9),
            ("East Midlands", 0.07, 0.95),
            ("West Midlands", 0.09, 0.9),
            ("East", 0.09, 1.0),
            ("London", 0.13, 1.15),
            ("South East", 0.14, 1.1),
            ("South West", 0.08, 1.15),
            ("Wales", 0.05, 0.9),
            ("Scotland", 0.09, 1.0),
            ("Northern Ireland", 0.03, 0.7),
        ],
        "gender" => vec![
            ("Female", 0.505, 1.05),
            ("Male", 0.485, 0.95),
            ("Non-binary or other", 0.01, 1.2),
        ],
        "age" => vec![
            ("16-29", 0.20, 0.55),
            ("30-44", 0.24, 0.80),
            ("45-59", 0.25, 1.05),
            ("60+", 0.31, 1.55),
        ],
        "education" => vec![
            ("No qualifications", 0.18, 0.45),
            ("Level 1-2", 0.30, 0.75),
            ("Level 3", 0.17, 1.0),
            ("Degree or above", 0.35, 1.9),
        ],
        "region" => vec![
            ("North", 0.22, 0.95),
            ("Midlands", 0.20, 0.9),
            ("East", 0.13, 1.0),
            ("South West", 0.17, 1.1),
            ("Capital", 0.28, 1.15),
        ],
        "climate_concern" => vec![
            ("Very concerned", 0.30, 1.7),
            ("Fairly concerned", 0.42, 1.0),
            ("Not very concerned", 0.18, 0.6),
            ("Not at all concerned", 0.10, 0.4),
        ],
        "ethnicity" => vec![
            ("White", 0.82, 1.05),
            ("Asian", 0.09, 0.8),
            ("Black", 0.04, 0.75),
            ("Mixed or other", 0.05, 0.85),
        ],
        "housing" => vec![
            ("Owner", 0.63, 1.2),
            ("Private renter", 0.20, 0.8),
            ("Social renter", 0.17, 0.65),
        ],
        _ => vec![("Urban", 0.81, 0.97), ("Rural", 0.19, 1.12)],
    };
    CategorySpec {
        name: CATEGORY_NAMES
            .iter()
            .copied()
            .find(|&c| c == name)
            .unwrap_or("urban_rural"),
        values,
    }
}

const FEMALE: &[&str] = &[
    "Amira", "Beth", "Chloe", "Deborah", "Eilidh", "Fatima", "Grace", "Hannah", "Isla", "Joanne",
    "Kirsty", "Lucy", "Margaret", "Niamh", "Olivia", "Priya", "Rachel", "Sarah", "Tracey",
    "Yasmin",
];
const MALE: &[&str] = &[
    "Adam", "Ben", "Callum", "David", "Ewan", "Farhan", "Gareth", "Hamza", "Ian", "James",
    "Kieran", "Liam", "Mohammed", "Neil", "Oliver", "Paul", "Robert", "Stuart", "Tomasz",
    "William",
];
const NEUTRAL: &[&str] = &["Alex", "Charlie", "Jordan", "Morgan", "Robin", "Sam"];
const SURNAMES: &[&str] = &[
    "Ahmed",
    "Baker",
    "Campbell",
    "Davies",
    "Evans",
    "Fraser",
    "Green",
    "Hughes",
    "Iqbal",
    "Johnson",
    "Kaur",
    "Lewis",
    "MacDonald",
    "Nowak",
    "O'Brien",
    "Patel",
    "Quinn",
    "Roberts",
    "Smith",
    "Taylor",
    "Usman",
    "Walker",
    "Williams",
    "Wilson",
    "Young",
];
const STREETS: &[&str] = &[
    "High Street",
    "Station Road",
    "Church Lane",
    "Mill Road",
    "Park Avenue",
    "Victoria Street",
    "Green Lane",
    "Queens Road",
    "Manor Way",
    "School Lane",
    "Orchard Close",
    "Riverside",
];
const TOWNS: &[&str] = &[
    "Ashford",
    "Brackley",
    "Cresswell",
    "Dunmore",
    "Elmstead",
    "Fairholm",
    "Glenby",
    "Harwick",
];

/// A generated pool and its quotas, as CSV files in the Sortition
/// Foundation dialect.
#[derive(Debug, Clone)]
pub struct SynthPool {
    pub pool_csv: Vec<u8>,
    pub quotas_csv: Vec<u8>,
    /// Address columns for the household rule.
    pub address_columns: Vec<&'static str>,
}

struct Stream(DrawRng);

impl Stream {
    fn unit(&mut self) -> f64 {
        self.0.unit()
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.0.below(xs.len() as u64) as usize]
    }
    fn weighted(&mut self, weights: impl Iterator<Item = f64> + Clone) -> usize {
        let total: f64 = weights.clone().sum();
        let mut u = self.unit() * total;
        let count = weights.clone().count();
        for (i, w) in weights.enumerate() {
            if u < w {
                return i;
            }
            u -= w;
        }
        count - 1
    }
}

/// Generates a pool and quotas.
pub fn generate(spec: &SynthSpec) -> SynthPool {
    let mut s = Stream(DrawRng::new(SYNTH_DOMAIN, &spec.seed));
    let cats: Vec<CategorySpec> = CATEGORY_NAMES
        .iter()
        .take(spec.categories.clamp(1, CATEGORY_NAMES.len()))
        .map(|&c| category(c, &spec.shape))
        .collect();
    let skew = spec.shape.skew;
    let max_propensity: f64 = cats
        .iter()
        .map(|c| c.values.iter().map(|v| v.2.powf(skew)).fold(0.0, f64::max))
        .product();
    let width = spec.n.max(1).to_string().len().max(4);
    let mut header = vec![
        "id",
        "first_name",
        "last_name",
        "email",
        "phone",
        "address_line_1",
        "postcode",
    ];
    header.extend(cats.iter().map(|c| c.name));
    let mut doc = CsvDoc::default();
    doc.record(&header);
    let mut addresses: Vec<(String, String, &str)> = Vec::new();
    let mut counts: Vec<Vec<usize>> = cats.iter().map(|c| vec![0; c.values.len()]).collect();
    let mut made = 0;
    while made < spec.n {
        let mut values: Vec<usize> = Vec::with_capacity(cats.len());
        for (ci, c) in cats.iter().enumerate() {
            // The plain model draws no extra number, so its stream is kept.
            let follows = spec.shape.correlation > 0.0 && ci > 0 && {
                let u = s.unit();
                u < spec.shape.correlation
            };
            values.push(if follows {
                // The same relative position in this category's values.
                values[ci - 1] * c.values.len() / cats[ci - 1].values.len()
            } else {
                s.weighted(c.values.iter().map(|v| v.1))
            });
        }
        let propensity: f64 = cats
            .iter()
            .zip(&values)
            .map(|(c, &v)| c.values[v].2.powf(skew))
            .product();
        if s.unit() * max_propensity >= propensity {
            continue;
        }
        made += 1;
        let first = match cats[0].values[values[0]].0 {
            "Female" => s.pick(FEMALE),
            "Male" => s.pick(MALE),
            _ => s.pick(NEUTRAL),
        };
        let (address, postcode, surname) =
            if !addresses.is_empty() && s.unit() < spec.household_rate {
                addresses[s.0.below(addresses.len() as u64) as usize].clone()
            } else {
                let town = s.pick(TOWNS);
                let a = format!("{} {}, {}", 1 + s.0.below(180), s.pick(STREETS), town);
                let p = format!(
                    "{}{} {}{}{}",
                    &town[..2].to_uppercase(),
                    1 + s.0.below(20),
                    s.0.below(10),
                    (b'A' + s.0.below(26) as u8) as char,
                    (b'A' + s.0.below(26) as u8) as char
                );
                let entry = (a, p, s.pick(SURNAMES));
                addresses.push(entry.clone());
                entry
            };
        let surname = if s.unit() < 0.8 {
            surname
        } else {
            s.pick(SURNAMES)
        };
        let id = format!("P{made:0width$}");
        let email = format!(
            "{}.{}{}@example.org",
            first.to_lowercase(),
            surname.to_lowercase().replace('\'', ""),
            made
        );
        let phone = format!("07700 9{:05}", s.0.below(100_000));
        let mut row: Vec<String> = vec![
            id,
            first.into(),
            surname.into(),
            email,
            phone,
            address,
            postcode,
        ];
        for (ci, (c, &v)) in cats.iter().zip(&values).enumerate() {
            row.push(c.values[v].0.to_string());
            counts[ci][v] += 1;
        }
        doc.record(&row);
    }
    SynthPool {
        pool_csv: doc.into_bytes(),
        quotas_csv: quotas_csv(&cats, &counts, spec),
        address_columns: vec!["address_line_1", "postcode"],
    }
}

/// Quotas from population shares: min = ⌊share·k⌋ − slack, max =
/// ⌈share·k⌉ + slack, the minimum capped by the pool's count; min_flex 0 and
/// max_flex = max + slack + 1 allow relaxation advice.
fn quotas_csv(cats: &[CategorySpec], counts: &[Vec<usize>], spec: &SynthSpec) -> Vec<u8> {
    let mut doc = CsvDoc::default();
    doc.record(["feature", "value", "min", "max", "min_flex", "max_flex"]);
    let k = spec.k as f64;
    for (c, count) in cats.iter().zip(counts) {
        for ((name, share, _), &have) in c.values.iter().zip(count) {
            let target = share * k;
            let min = ((target.floor() as i64) - i64::from(spec.slack)).max(0) as usize;
            let min = if spec.shape.rare_minimum && have > 0 {
                min.max(1)
            } else {
                min
            };
            let min = min.min(have);
            let max = (target.ceil() as usize + spec.slack as usize).min(spec.k);
            let max_flex = (max + spec.slack as usize + 1).min(spec.k);
            doc.record([
                c.name.to_string(),
                name.to_string(),
                min.to_string(),
                max.to_string(),
                "0".to_string(),
                max_flex.to_string(),
            ]);
        }
    }
    doc.into_bytes()
}

/// The bundled example in data/: 500 volunteers, 6 categories, quotas for a
/// panel of 110, seed "kleroterion example v1".
pub fn example_spec() -> SynthSpec {
    SynthSpec {
        n: 500,
        k: 110,
        categories: 6,
        household_rate: 0.06,
        slack: 1,
        seed: "kleroterion example v1".into(),
        shape: Shape::default(),
    }
}

/// The example assembly file: two weekends of two days, each with the same
/// six sessions (welcome, evidence, tables, lunch, evidence, tables), two
/// rooms, four topics. Kept as a file so it reads as what an organiser
/// writes.
const EXAMPLE_ASSEMBLY: &str = include_str!("example-assembly.toml");

/// The bundled example assembly (data/assembly/): file name → bytes.
///
/// 110 members over two weekends (Saturday and Sunday each, Europe/London),
/// eight table sessions in two rooms (the hall holds ten tables and has a
/// hearing loop; the annex holds the rest), eight speaker plenaries on four
/// topics, 18 table facilitators, 2 leads, 14 note-takers and 22
/// contributions. Some members miss a day, some have support needs, a
/// language group sits together, one pair is kept apart, one member is
/// pinned to a table (and the member who needs the hearing loop is seated
/// in the hall, from the needs column).
pub fn assembly_example() -> Vec<(&'static str, Vec<u8>)> {
    let mut rng = DrawRng::new(SYNTH_DOMAIN, "example assembly");
    let members = example_members(&mut rng);
    let constraints = b"kind,members,table,rounds\n\
apart,M014 M015,,\n\
together,M090 M091 M092,,\n\
pin,M060,10,\n"
        .to_vec();
    vec![
        ("assembly.toml", EXAMPLE_ASSEMBLY.as_bytes().to_vec()),
        ("members.csv", members),
        ("facilitators.csv", example_facilitators()),
        ("speakers.csv", example_speakers()),
        ("constraints.csv", constraints),
    ]
}

/// 110 members drawn from the example's population shares; some miss a
/// day, some have support needs, a language group, consent notes.
fn example_members(rng: &mut DrawRng) -> Vec<u8> {
    let cats: [(&str, &[(&str, u64)]); 4] = [
        ("gender", &[("Female", 51), ("Male", 48), ("Non-binary", 1)]),
        (
            "age",
            &[("16-29", 22), ("30-44", 25), ("45-64", 32), ("65+", 21)],
        ),
        (
            "region",
            &[
                ("North", 30),
                ("Midlands", 25),
                ("South", 30),
                ("Wales", 15),
            ],
        ),
        ("education", &[("No degree", 66), ("Degree", 34)]),
    ];
    let mut members = CsvDoc::default();
    members.record([
        "id",
        "name",
        "gender",
        "age",
        "region",
        "education",
        "available",
        "needs",
        "language",
        "consent",
    ]);
    let pick = |rng: &mut DrawRng, values: &[(&'static str, u64)]| {
        let total: u64 = values.iter().map(|v| v.1).sum();
        let mut x = rng.below(total);
        for &(v, w) in values {
            if x < w {
                return v;
            }
            x -= w;
        }
        values[0].0
    };
    for i in 1..=110 {
        let mut row = vec![format!("M{i:03}"), format!("Member {i:03}")];
        for (_, values) in &cats {
            row.push(pick(rng, values).to_string());
        }
        let available = match rng.below(20) {
            0 => "w1-sat w2-sat w2-sun",
            1 => "w1-sat w1-sun w2-sat",
            _ => "",
        };
        row.push(available.to_string());
        row.push(
            match i {
                7 => "hearing-loop",
                12 | 40 => "step-free",
                55 => "large-print",
                _ => "",
            }
            .to_string(),
        );
        row.push(if (90..=92).contains(&i) { "Polish" } else { "" }.to_string());
        row.push(if i % 17 == 0 { "no photos" } else { "" }.to_string());
        members.record(row);
    }
    members.into_bytes()
}

/// 18 table facilitators (three with limited availability), 2 leads and
/// 14 note-takers.
fn example_facilitators() -> Vec<u8> {
    let mut facilitators = CsvDoc::default();
    facilitators.record(["id", "name", "role", "available"]);
    for i in 1..=18 {
        let available = match i {
            3 => "weekend-1",
            9 => "w2-sat w2-sun",
            14 => "w1-sat w1-sun w2-sat",
            _ => "",
        };
        facilitators.record([
            format!("F{i:02}"),
            format!("Facilitator {i:02}"),
            "table".into(),
            available.into(),
        ]);
    }
    for (i, available) in [(1, "weekend-1 w2-sat"), (2, "w1-sun weekend-2")] {
        facilitators.record([
            format!("L{i}"),
            format!("Lead {i}"),
            "lead".into(),
            available.into(),
        ]);
    }
    for i in 1..=14 {
        facilitators.record([
            format!("N{i}"),
            format!("Note-taker {i}"),
            "note-taker".into(),
            String::new(),
        ]);
    }
    facilitators.into_bytes()
}

/// 22 contributions on four topics: informants, advocates for two sides,
/// testimony; some speakers available on some days only.
fn example_speakers() -> Vec<u8> {
    let mut speakers = CsvDoc::default();
    speakers.record([
        "id",
        "name",
        "topic",
        "perspective",
        "side",
        "minutes",
        "available",
    ]);
    let rows: [(&str, &str, &str, &str, u32, &str); 22] = [
        ("S01", "context", "informant", "", 20, ""),
        ("S02", "context", "informant", "", 15, "w1-sat"),
        ("S03", "context", "testimony", "", 10, ""),
        ("S04", "energy", "informant", "", 20, ""),
        ("S05", "energy", "advocate", "onshore wind", 10, "weekend-1"),
        ("S06", "energy", "advocate", "new nuclear", 10, ""),
        ("S07", "energy", "advocate", "onshore wind", 15, ""),
        ("S08", "energy", "advocate", "new nuclear", 10, "w1-sun"),
        ("S09", "energy", "testimony", "", 10, ""),
        ("S10", "transport", "informant", "", 20, ""),
        ("S11", "transport", "advocate", "road pricing", 15, ""),
        (
            "S12",
            "transport",
            "advocate",
            "no road pricing",
            25,
            "weekend-2",
        ),
        ("S13", "transport", "testimony", "", 10, "w2-sat"),
        ("S14", "transport", "informant", "", 15, ""),
        ("S15", "food", "informant", "", 20, ""),
        ("S16", "food", "advocate", "less meat", 10, ""),
        ("S17", "food", "advocate", "farmers first", 10, ""),
        ("S18", "food", "testimony", "", 10, "w2-sun"),
        ("S19", "food", "informant", "", 15, "w2-sun"),
        ("S04", "food", "informant", "", 10, ""),
        ("S20", "energy", "advocate", "new nuclear", 10, "weekend-1"),
        (
            "S21",
            "transport",
            "advocate",
            "road pricing",
            10,
            "weekend-2",
        ),
    ];
    for (id, topic, perspective, side, minutes, available) in rows {
        speakers.record([
            id.to_string(),
            format!("Speaker {}", &id[1..]),
            topic.into(),
            perspective.into(),
            side.into(),
            minutes.to_string(),
            available.into(),
        ]);
    }
    speakers.into_bytes()
}
