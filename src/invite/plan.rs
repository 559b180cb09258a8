//! The invitation plan (plan.toml): how many letters, the strata, the
//! register's columns and the allocation rules (docs/formats.md, "The
//! invitation plan").

use std::collections::BTreeMap;
use std::path::Path;

use num_rational::BigRational;
use num_traits::{One, Zero};
use serde::Deserialize;

use crate::error::{Error, InputError};
use crate::selection::certificate::exact;

/// A condition on strata: for every named column, one of the values.
pub type Matcher = Vec<(String, Vec<String>)>;

/// A checked plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub letters: u64,
    /// Expected share of letters that get a reply (only for the table's
    /// "expected replies").
    pub response_rate: Option<BigRational>,
    /// Stratum columns, of the register or the area table.
    pub strata: Vec<String>,
    pub id_column: String,
    /// Columns copied to the mail-merge file, in this order.
    pub address_columns: Vec<String>,
    /// The register's area column and the area table's code column.
    pub area_column: Option<String>,
    pub area_code_column: Option<String>,
    /// Letters per stratum at least (first round).
    pub minimum: u64,
    /// At most this share of a stratum's addresses ever gets a letter.
    pub cap: Option<BigRational>,
    /// "X% uniform + the rest from these strata": (X, the strata).
    pub split: Option<(BigRational, Matcher)>,
    /// Over-sampling: strata matching get their share multiplied.
    pub weights: Vec<(Matcher, BigRational)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    letters: i64,
    response_rate: Option<f64>,
    #[serde(default)]
    strata: Vec<String>,
    register: RegisterFile,
    areas: Option<AreasFile>,
    #[serde(default)]
    allocation: AllocationFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterFile {
    id: String,
    #[serde(default)]
    address: Vec<String>,
    area: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AreasFile {
    code: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AllocationFile {
    minimum: Option<i64>,
    cap: Option<f64>,
    uniform: Option<f64>,
    target: Option<BTreeMap<String, Vec<toml::Value>>>,
    #[serde(default)]
    weight: Vec<WeightFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WeightFile {
    #[serde(rename = "where")]
    matches: BTreeMap<String, Vec<toml::Value>>,
    weight: f64,
}

impl Plan {
    /// Parses and checks plan.toml's text (`path` names it in messages).
    pub fn parse(path: &Path, text: &str) -> Result<Plan, Error> {
        let bad = |problem: String, hint: &str| -> Error {
            InputError::invalid(path, problem).hint(hint).into()
        };
        let file: PlanFile = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| 1 + text[..s.start.min(text.len())].matches('\n').count() as u64);
            let mut err = InputError::invalid(path, e.message().to_string()).hint(
                "see docs/formats.md, \"The invitation plan\", for the fields and an example",
            );
            if let Some(line) = line {
                err = err.line(line);
            }
            Error::from(err)
        })?;
        if file.letters < 1 {
            return Err(bad(
                format!("letters is {}", file.letters),
                "give the number of letters to send, at least 1",
            ));
        }
        let share = |name: &str, x: f64, zero_ok: bool| -> Result<BigRational, Error> {
            let r = decimal(x).filter(|r| {
                (if zero_ok {
                    *r >= BigRational::zero()
                } else {
                    *r > BigRational::zero()
                }) && *r <= BigRational::one()
            });
            r.ok_or_else(|| {
                bad(
                    format!("{name} is {x}"),
                    &format!(
                        "give {name} as a share {} 0 and at most 1, like 0.05 for 5%",
                        if zero_ok { "from" } else { "above" }
                    ),
                )
            })
        };
        let response_rate = file
            .response_rate
            .map(|x| share("response_rate", x, false))
            .transpose()?;
        let mut seen = std::collections::HashSet::new();
        for s in &file.strata {
            if s.trim().is_empty() || !seen.insert(s.as_str()) {
                return Err(bad(
                    format!("strata lists \"{s}\" twice or empty"),
                    "name each stratum column once",
                ));
            }
        }
        let matcher = |what: &str,
                       m: BTreeMap<String, Vec<toml::Value>>|
         -> Result<Matcher, Error> {
            let mut out = Vec::new();
            for (column, values) in m {
                if !file.strata.contains(&column) {
                    return Err(bad(
                        format!(
                            "{what} names the column \"{column}\", which is not one of the strata"
                        ),
                        "name only columns listed in strata",
                    ));
                }
                let values: Vec<String> = values
                    .into_iter()
                    .map(|v| match v {
                        toml::Value::String(s) => Ok(s),
                        toml::Value::Integer(i) => Ok(i.to_string()),
                        other => Err(bad(
                            format!("{what}: the value {} of \"{column}\" is neither text nor a whole number", other.type_str()),
                            "write values as they appear in the column, like \"North East\" or 1",
                        )),
                    })
                    .collect::<Result<_, _>>()?;
                if values.is_empty() {
                    return Err(bad(
                        format!("{what}: \"{column}\" lists no values"),
                        "list at least one value",
                    ));
                }
                out.push((column, values));
            }
            Ok(out)
        };
        let a = file.allocation;
        let minimum = match a.minimum {
            Some(m) if m < 0 => {
                return Err(bad(
                    format!("allocation.minimum is {m}"),
                    "give a number of letters, 0 or more",
                ));
            }
            Some(m) => m as u64,
            None => 0,
        };
        let cap = a
            .cap
            .map(|x| share("allocation.cap", x, false))
            .transpose()?;
        let split = match (a.uniform, a.target) {
            (None, None) => None,
            (Some(u), Some(t)) => Some((
                share("allocation.uniform", u, true)?,
                matcher("allocation.target", t)?,
            )),
            (Some(_), None) => {
                return Err(bad(
                    "allocation.uniform is given without allocation.target".into(),
                    "say which strata get the rest of the letters, e.g. target = { deprivation_decile = [1, 2] }",
                ));
            }
            (None, Some(_)) => {
                return Err(bad(
                    "allocation.target is given without allocation.uniform".into(),
                    "say what share of the letters is spread over all addresses, e.g. uniform = 0.8",
                ));
            }
        };
        let mut weights = Vec::new();
        for w in a.weight {
            let weight = decimal(w.weight)
                .filter(|r| *r > BigRational::zero())
                .ok_or_else(|| {
                    bad(
                        format!("an allocation.weight is {}", w.weight),
                        "give weights above 0, like 2 to send twice the proportional share",
                    )
                })?;
            weights.push((matcher("allocation.weight", w.matches)?, weight));
        }
        let needs_areas = file.areas.is_some() || file.register.area.is_some();
        if needs_areas && (file.areas.is_none() || file.register.area.is_none()) {
            return Err(bad(
                "an area table needs both register.area (the register's area column) and areas.code (the area table's code column)".into(),
                "give both, or neither when every stratum column is in the register",
            ));
        }
        for c in std::iter::once(&file.register.id).chain(&file.register.address) {
            if c.trim().is_empty() {
                return Err(bad(
                    "a register column is named \"\"".into(),
                    "name the columns as in the register's first line",
                ));
            }
        }
        // The strata table is public: an id or an address line as a stratum
        // would publish it.
        if let Some(c) = file
            .strata
            .iter()
            .find(|c| **c == file.register.id || file.register.address.contains(c))
        {
            return Err(bad(
                format!("the stratum column \"{c}\" is the address id or an address column"),
                "stratify by areas (region, deprivation, local authority…), never by the address itself: the strata table is published",
            ));
        }
        Ok(Plan {
            letters: file.letters as u64,
            response_rate,
            strata: file.strata,
            id_column: file.register.id,
            address_columns: file.register.address,
            area_column: file.register.area,
            area_code_column: file.areas.map(|a| a.code),
            minimum,
            cap,
            split,
            weights,
        })
    }
}

/// A TOML number as the decimal it was written as (the shortest decimal
/// that reads back as the same binary number, as Python's `repr` gives).
pub fn decimal(x: f64) -> Option<BigRational> {
    if !x.is_finite() {
        return None;
    }
    exact(&format!("{x}"))
}

/// Whether a stratum (its values, in the strata's column order) matches.
pub fn matches(m: &Matcher, columns: &[String], values: &[String]) -> bool {
    m.iter().all(|(column, allowed)| {
        columns
            .iter()
            .position(|c| c == column)
            .is_some_and(|i| allowed.contains(&values[i]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: &str = r#"
letters = 300
response_rate = 0.05
strata = ["region", "decile"]
[register]
id = "uprn"
address = ["line_1", "postcode"]
area = "lsoa"
[areas]
code = "lsoa"
[allocation]
minimum = 2
cap = 0.1
uniform = 0.8
target = { decile = [1, 2] }
[[allocation.weight]]
where = { region = ["Wales"] }
weight = 1.5
"#;

    #[test]
    fn a_full_plan_reads_exactly() {
        let p = Plan::parse(Path::new("plan.toml"), PLAN).unwrap();
        assert_eq!(p.letters, 300);
        assert_eq!(p.response_rate, Some(BigRational::new(1.into(), 20.into())));
        let (u, t) = p.split.unwrap();
        assert_eq!(u, BigRational::new(4.into(), 5.into()));
        assert_eq!(
            t,
            vec![("decile".to_string(), vec!["1".to_string(), "2".to_string()])]
        );
        assert_eq!(p.weights[0].1, BigRational::new(3.into(), 2.into()));
        assert_eq!(p.cap, Some(BigRational::new(1.into(), 10.into())));
    }

    #[test]
    fn mistakes_name_the_field() {
        let cases = [
            (PLAN.replace("letters = 300", "letters = 0"), "letters is 0"),
            (
                PLAN.replace("cap = 0.1", "cap = 1.5"),
                "allocation.cap is 1.5",
            ),
            (
                PLAN.replace("decile = [1, 2]", "county = [1]"),
                "\"county\"",
            ),
            (
                PLAN.replace("uniform = 0.8\n", ""),
                "without allocation.uniform",
            ),
            (
                PLAN.replace("letters = 300", "letters = 300\nletter = 2"),
                "unknown field",
            ),
            (
                PLAN.replace("[areas]\ncode = \"lsoa\"", ""),
                "register.area",
            ),
            (
                PLAN.replace(
                    "strata = [\"region\", \"decile\"]",
                    "strata = [\"region\", \"postcode\"]",
                )
                .replace("decile = [1, 2]", "region = [\"Wales\"]"),
                "is the address id or an address column",
            ),
        ];
        for (text, expected) in cases {
            let e = Plan::parse(Path::new("plan.toml"), &text)
                .unwrap_err()
                .to_string();
            assert!(e.contains("plan.toml") && e.contains(expected), "{e}");
        }
    }
}
