//! A synthetic national address register with the structure of a real
//! one (the UK's Postcode Address File and its statistical geography):
//! twelve regions of realistic size, local authorities, small areas of
//! about 1,500 addresses each (like LSOAs) with a national deprivation
//! decile, urban or rural, and postcodes of about 15 addresses, the
//! register sorted by postcode as such files are. Deprivation clusters by
//! region and by local authority, as it does in the real index. Nothing is
//! copied from a real register; everything follows from the seed.

use std::io::{self, Write};

use crate::files::csv::CsvDoc;
use crate::random::DrawRng;

use super::SYNTH_DOMAIN;

/// (region, share of addresses, code prefix, deprivation lean: positive is
/// more deprived).
const REGIONS: [(&str, f64, &str, f64); 12] = [
    ("North East", 0.042, "E01", 0.45),
    ("North West", 0.111, "E01", 0.30),
    ("Yorkshire and The Humber", 0.084, "E01", 0.25),
    ("East Midlands", 0.074, "E01", 0.05),
    ("West Midlands", 0.089, "E01", 0.20),
    ("East of England", 0.096, "E01", -0.25),
    ("London", 0.131, "E01", 0.10),
    ("South East", 0.140, "E01", -0.40),
    ("South West", 0.089, "E01", -0.15),
    ("Wales", 0.048, "W01", 0.20),
    ("Scotland", 0.084, "S01", 0.10),
    ("Northern Ireland", 0.028, "95", 0.15),
];

const SYLLABLES_A: [&str; 24] = [
    "Ash", "Brad", "Brock", "Carl", "Dun", "East", "Fair", "Glen", "Hart", "Hol", "King", "Lang",
    "Mar", "Nor", "Old", "Pen", "Red", "Rich", "Shel", "Stan", "Thorn", "Wal", "West", "Wood",
];
const SYLLABLES_B: [&str; 16] = [
    "bury", "by", "field", "ford", "ham", "ley", "mouth", "stead", "ton", "wick", "worth", "well",
    "combe", "dale", "gate", "minster",
];
const STREETS: [&str; 24] = [
    "High Street",
    "Station Road",
    "Church Lane",
    "Mill Road",
    "Park Avenue",
    "Victoria Road",
    "Green Lane",
    "Manor Road",
    "Queens Road",
    "New Street",
    "School Lane",
    "The Crescent",
    "Kings Road",
    "Grange Road",
    "North Street",
    "Orchard Close",
    "London Road",
    "Chapel Street",
    "Springfield Road",
    "Albert Road",
    "Meadow Way",
    "York Road",
    "Windsor Close",
    "Elm Grove",
];
const LETTERS: &[u8; 20] = b"ABDEFGHJLNPQRSTUWXYZ";

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterSpec {
    pub addresses: u64,
    pub seed: String,
}

/// One small area.
#[derive(Debug, Clone)]
struct Area {
    code: String,
    authority: String,
    region: usize,
    decile: u8,
    urban: bool,
    addresses: u64,
    outward: String,
}

/// The generated register: the area table (small, in memory) and a
/// writer for the register itself (large, streamed).
pub struct Register {
    spec: RegisterSpec,
    areas: Vec<Area>,
}

/// Addresses per small area on average.
const PER_AREA: u64 = 1_500;
/// Addresses per postcode on average.
const PER_POSTCODE: u64 = 15;

impl Register {
    pub fn new(spec: &RegisterSpec) -> Register {
        let mut rng = DrawRng::new(SYNTH_DOMAIN, &format!("register/{}", spec.seed));
        let n_areas = spec.addresses.div_ceil(PER_AREA).max(1);
        // About 85,000 addresses per local authority, and at least twelve
        // (so that a small register still spans the regions) when there
        // are areas enough.
        let n_authorities = (spec.addresses / 85_000).clamp(n_areas.min(12), 400);
        let mut authorities: Vec<(String, usize, f64)> = Vec::new();
        let mut used = std::collections::HashSet::new();
        for i in 0..n_authorities {
            let region = pick(&mut rng, &REGIONS.map(|r| r.1));
            let mut name = String::new();
            for attempt in 0.. {
                name = format!(
                    "{}{}",
                    SYLLABLES_A[rng.below(24) as usize],
                    SYLLABLES_B[rng.below(16) as usize]
                );
                if attempt > 20 {
                    name = format!("{name} {i}");
                }
                if used.insert(name.clone()) {
                    break;
                }
            }
            let lean = REGIONS[region].3 + 0.6 * (rng.unit() - 0.5);
            authorities.push((name, region, lean));
        }
        // Areas: sizes vary ±40% around PER_AREA and add up exactly.
        let mut sizes: Vec<f64> = (0..n_areas).map(|_| 0.6 + 0.8 * rng.unit()).collect();
        let total: f64 = sizes.iter().sum();
        for s in &mut sizes {
            *s *= spec.addresses as f64 / total;
        }
        let mut counts: Vec<u64> = sizes.iter().map(|s| s.floor() as u64).collect();
        let mut short = spec.addresses - counts.iter().sum::<u64>();
        let mut i = 0;
        let areas_n = counts.len();
        while short > 0 {
            counts[i % areas_n] += 1;
            short -= 1;
            i += 1;
        }
        let mut latent: Vec<(f64, usize)> = Vec::new();
        let mut areas: Vec<Area> = Vec::new();
        let mut by_region = [0u64; 12];
        for (a, &count) in counts.iter().enumerate() {
            let la = rng.below(n_authorities) as usize;
            let (name, region, lean) = authorities[la].clone();
            by_region[region] += 1;
            let score = lean + normal(&mut rng);
            latent.push((score, a));
            let district = la as u64 % 99 + 1;
            let outward = format!(
                "{}{}{district}",
                LETTERS[(la / 20) % 20] as char,
                LETTERS[la % 20] as char
            );
            areas.push(Area {
                code: String::new(),
                authority: name,
                region,
                decile: 0,
                urban: rng.unit() < 0.82,
                addresses: count,
                outward,
            });
        }
        // National deciles: 1 is the most deprived tenth of areas.
        latent.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        for (rank, (_, a)) in latent.iter().enumerate() {
            areas[*a].decile = (1 + rank * 10 / latent.len()) as u8;
            // Deprived areas are more often urban.
            if areas[*a].decile <= 3 && !areas[*a].urban && rng.unit() < 0.5 {
                areas[*a].urban = true;
            }
        }
        // Sorted as the register will be: by postcode district, then area.
        areas.sort_by(|x, y| {
            x.outward
                .cmp(&y.outward)
                .then(x.authority.cmp(&y.authority))
        });
        let mut numbered = [0u64; 12];
        for a in &mut areas {
            numbered[a.region] += 1;
            a.code = format!(
                "{}{:06}",
                REGIONS[a.region].2,
                a.region as u64 * 100_000 + numbered[a.region]
            );
        }
        let _ = by_region;
        Register {
            spec: spec.clone(),
            areas,
        }
    }

    /// areas.csv: area_code, local_authority, region, deprivation_decile,
    /// urban_rural, addresses, population.
    pub fn areas_csv(&self) -> Vec<u8> {
        let mut doc = CsvDoc::default();
        doc.record([
            "area_code",
            "local_authority",
            "region",
            "deprivation_decile",
            "urban_rural",
            "addresses",
            "population",
        ]);
        for a in &self.areas {
            doc.record([
                a.code.clone(),
                a.authority.clone(),
                REGIONS[a.region].0.to_string(),
                a.decile.to_string(),
                if a.urban { "urban" } else { "rural" }.to_string(),
                a.addresses.to_string(),
                (a.addresses * 23 / 10).to_string(),
            ]);
        }
        doc.into_bytes()
    }

    /// Writes register.csv: address_id, line_1, line_2, town, postcode,
    /// area_code; ids are unique 12-digit numbers in no order.
    pub fn write_register(&self, w: &mut dyn Write) -> io::Result<()> {
        let mut rng = DrawRng::new(SYNTH_DOMAIN, &format!("register-rows/{}", self.spec.seed));
        let mut out = io::BufWriter::with_capacity(1 << 20, w);
        out.write_all(b"address_id,line_1,line_2,town,postcode,area_code\n")?;
        let mut index: u64 = 0;
        let mut postcode_in_district: std::collections::HashMap<&str, u64> = Default::default();
        let mut line = String::with_capacity(128);
        for a in &self.areas {
            let mut left = a.addresses;
            let next = postcode_in_district.entry(a.outward.as_str()).or_insert(0);
            while left > 0 {
                let here = (PER_POSTCODE / 2 + rng.below(PER_POSTCODE)).min(left);
                *next += 1;
                let sector = *next / 400 % 10;
                let unit = *next % 400;
                let postcode = format!(
                    "{} {sector}{}{}",
                    a.outward,
                    LETTERS[(unit / 20) as usize] as char,
                    LETTERS[(unit % 20) as usize] as char
                );
                let street = STREETS[rng.below(STREETS.len() as u64) as usize];
                let flats = rng.unit() < 0.15;
                let start = 1 + rng.below(120);
                for k in 0..here {
                    // A bijection of 0..2^39: unique ids in no order.
                    let id = 100_000_000_000
                        + (index.wrapping_mul(0x9E37_79B9_7F4A_7C15) & ((1 << 39) - 1));
                    index += 1;
                    line.clear();
                    use std::fmt::Write as _;
                    if flats {
                        let _ = write!(line, "{id},Flat {},{start} {street},", k + 1);
                    } else {
                        let _ = write!(line, "{id},{} {street},,", start + 2 * k);
                    }
                    let _ = writeln!(line, "{},{postcode},{}", a.authority, a.code);
                    out.write_all(line.as_bytes())?;
                }
                left -= here;
            }
        }
        out.flush()
    }

    /// An example invitation plan for this register.
    pub fn plan_toml(&self, letters: u64) -> String {
        format!(
            r#"# Invitation plan (docs/formats.md, "The invitation plan").
# {letters} letters: 80% spread over all addresses in proportion to each
# stratum's addresses, 20% to the two most deprived deciles; every stratum
# gets at least 1 letter and at most 10% of its addresses.
letters = {letters}
response_rate = 0.05
strata = ["region", "deprivation_decile"]

[register]
id = "address_id"
address = ["line_1", "line_2", "town", "postcode"]
area = "area_code"

[areas]
code = "area_code"

[allocation]
minimum = 1
cap = 0.1
uniform = 0.8
target = {{ deprivation_decile = [1, 2] }}
"#
        )
    }
}

/// An index drawn with the given weights.
fn pick(rng: &mut DrawRng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.unit() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// A standard normal number (Box–Muller).
fn normal(rng: &mut DrawRng) -> f64 {
    let u = rng.unit().max(f64::MIN_POSITIVE);
    let v = rng.unit();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_register_has_the_stated_size_and_unique_ids() {
        let r = Register::new(&RegisterSpec {
            addresses: 30_000,
            seed: "t".into(),
        });
        let mut bytes = Vec::new();
        r.write_register(&mut bytes).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let ids: std::collections::HashSet<&str> = text
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap())
            .collect();
        assert_eq!(ids.len(), 30_000);
        assert_eq!(text.lines().count(), 30_001);
        let areas = String::from_utf8(r.areas_csv()).unwrap();
        let total: u64 = areas
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(5).unwrap().parse::<u64>().unwrap())
            .sum();
        assert_eq!(total, 30_000);
        // Every decile is used, and the same seed gives the same bytes.
        for d in 1..=10 {
            assert!(
                areas
                    .lines()
                    .any(|l| l.split(',').nth(3) == Some(&d.to_string()))
            );
        }
        let mut again = Vec::new();
        Register::new(&RegisterSpec {
            addresses: 30_000,
            seed: "t".into(),
        })
        .write_register(&mut again)
        .unwrap();
        assert_eq!(again, text.into_bytes());
    }
}
