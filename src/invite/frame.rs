//! The sampling frame: every address of the register that may get a
//! letter, as its pseudonym and its stratum. Reading the register is the
//! one part with two engines: [`CsvRegister`] here (the csv crate,
//! streaming, a few MB of memory beyond the frame itself) and the polars
//! engine of the stage-one member (stage-one/), which also reads Parquet.
//! Both hand their rows to [`FrameBuilder`], so the frame, and every file
//! made from it, is the same whichever engine read the register.

use std::collections::{HashMap, HashSet};
use std::io::{BufReader, Read as _};
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::Pseudonym;
use super::plan::Plan;
use crate::error::{Error, InputError, quoted_list};

/// The files a frame is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub register: PathBuf,
    pub areas: Option<PathBuf>,
    /// Lists of addresses never to invite (invited before, opted out).
    pub exclusions: Vec<PathBuf>,
}

/// One address of the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub pseudonym: Pseudonym,
    pub stratum: u32,
    /// The register line it came from (for messages and the mail-merge).
    pub line: u32,
}

/// The frame: strata sorted by their values, entries by pseudonym.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub columns: Vec<String>,
    pub strata: Vec<Vec<String>>,
    pub counts: Vec<u64>,
    pub entries: Vec<Entry>,
}

/// What reading a register gives.
#[derive(Debug)]
pub struct Read {
    pub frame: Frame,
    /// For each wanted pseudonym found: its register line and address
    /// columns (the plan's, in order).
    pub wanted: HashMap<Pseudonym, (u32, Vec<String>)>,
    /// Data rows read, and how many of them the exclusion lists removed.
    pub rows: u64,
    pub excluded: u64,
    /// SHA-256 of the register's and the area table's bytes.
    pub register_sha256: String,
    pub areas_sha256: Option<String>,
}

/// A way of reading a register into a frame.
pub trait Reader: Sync {
    /// Its name, as the report gives it.
    fn name(&self) -> &'static str;
    /// Reads the frame; `key` is the pseudonym key, `wanted` the
    /// pseudonyms whose address columns to return.
    fn read(
        &self,
        source: &Source,
        plan: &Plan,
        key: &[u8; 32],
        wanted: &HashSet<Pseudonym>,
    ) -> Result<Read, Error>;
}

/// The pseudonym of an address id: the first 16 bytes of
/// HMAC-SHA256(pseudonym key, id).
#[derive(Clone)]
pub struct Pseudonymiser(Hmac<Sha256>);

impl Pseudonymiser {
    pub fn new(key: &[u8; 32]) -> Pseudonymiser {
        Pseudonymiser(<Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key"))
    }
    pub fn pseudonym(&self, id: &[u8]) -> Pseudonym {
        let mut mac = self.0.clone();
        mac.update(id);
        let d = mac.finalize().into_bytes();
        let mut p = [0u8; 16];
        p.copy_from_slice(&d[..16]);
        p
    }
}

/// Where each stratum column is read: the register or the area table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum From {
    Register(usize),
    Areas(usize),
}

/// Where the plan's columns are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub id: usize,
    pub area: Option<usize>,
    pub address: Vec<usize>,
    pub strata: Vec<From>,
}

/// Finds the plan's columns in the register's and the area table's
/// headers.
pub fn locate(
    plan: &Plan,
    source: &Source,
    register: &[String],
    areas: Option<&[String]>,
) -> Result<Located, Error> {
    let find = |name: &str, what: &str| -> Result<usize, Error> {
        register.iter().position(|h| h == name).ok_or_else(|| {
            InputError::invalid(
                &source.register,
                format!("the register has no column \"{name}\" ({what})"),
            )
            .line(1)
            .hint(format!(
                "its columns are {}; correct the plan or the register's first line",
                quoted_list(register)
            ))
            .into()
        })
    };
    let id = find(&plan.id_column, "the address id named by register.id")?;
    let area = plan
        .area_column
        .as_deref()
        .map(|a| find(a, "the area code named by register.area"))
        .transpose()?;
    let address = plan
        .address_columns
        .iter()
        .map(|c| find(c, "an address column named by register.address"))
        .collect::<Result<Vec<_>, _>>()?;
    let mut strata = Vec::new();
    for s in &plan.strata {
        let in_register = register.iter().position(|h| h == s);
        let in_areas = areas.and_then(|a| a.iter().position(|h| h == s));
        strata.push(match (in_register, in_areas) {
            (Some(_), Some(_)) => {
                return Err(InputError::invalid(
                    source.areas.as_deref().unwrap_or(&source.register),
                    format!("both the register and the area table have a column \"{s}\""),
                )
                .line(1)
                .hint("rename one of them, so that the stratum is not ambiguous")
                .into());
            }
            (Some(i), None) => From::Register(i),
            (None, Some(i)) => From::Areas(i),
            (None, None) => {
                let mut all: Vec<String> = register.to_vec();
                all.extend(areas.unwrap_or(&[]).iter().cloned());
                return Err(InputError::invalid(
                    &source.register,
                    format!(
                        "no column \"{s}\" for the stratum \"{s}\" in the register{}",
                        if areas.is_some() {
                            " or the area table"
                        } else {
                            ""
                        }
                    ),
                )
                .line(1)
                .hint(format!(
                    "the columns are {}; correct the plan's strata",
                    quoted_list(&all)
                ))
                .into());
            }
        });
    }
    Ok(Located {
        id,
        area,
        address,
        strata,
    })
}

/// Collects a register's rows, in any order, into a [`Frame`].
pub struct FrameBuilder {
    columns: Vec<String>,
    index: HashMap<Vec<String>, u32>,
    strata: Vec<Vec<String>>,
    entries: Vec<Entry>,
}

impl FrameBuilder {
    pub fn new(columns: Vec<String>) -> FrameBuilder {
        FrameBuilder {
            columns,
            index: HashMap::new(),
            strata: Vec::new(),
            entries: Vec::new(),
        }
    }

    /// A stratum's provisional number (first-seen order).
    pub fn stratum(&mut self, values: &[String]) -> u32 {
        if let Some(&s) = self.index.get(values) {
            return s;
        }
        let s = self.strata.len() as u32;
        self.strata.push(values.to_vec());
        self.index.insert(values.to_vec(), s);
        s
    }

    pub fn push(&mut self, entry: Entry) {
        self.entries.push(entry);
    }

    pub fn reserve(&mut self, n: usize) {
        self.entries.reserve(n);
    }

    /// Numbers the strata in the order of their values, sorts the entries
    /// by pseudonym, and refuses a register where one id appears twice.
    pub fn finish(mut self, register: &Path) -> Result<Frame, Error> {
        let mut order: Vec<u32> = (0..self.strata.len() as u32).collect();
        order.sort_by(|&a, &b| self.strata[a as usize].cmp(&self.strata[b as usize]));
        let mut renumber = vec![0u32; order.len()];
        for (new, &old) in order.iter().enumerate() {
            renumber[old as usize] = new as u32;
        }
        let strata: Vec<Vec<String>> = order
            .iter()
            .map(|&o| std::mem::take(&mut self.strata[o as usize]))
            .collect();
        let mut counts = vec![0u64; strata.len()];
        for e in &mut self.entries {
            e.stratum = renumber[e.stratum as usize];
            counts[e.stratum as usize] += 1;
        }
        self.entries.sort_unstable_by_key(|e| (e.pseudonym, e.line));
        if let Some(w) = self
            .entries
            .windows(2)
            .find(|w| w[0].pseudonym == w[1].pseudonym)
        {
            return Err(InputError::invalid(
                register,
                format!(
                    "lines {} and {} have the same address id",
                    w[0].line, w[1].line
                ),
            )
            .line(u64::from(w[1].line))
            .hint("each address must appear once in the register: remove the repeated line")
            .into());
        }
        Ok(Frame {
            columns: self.columns,
            strata,
            counts,
            entries: self.entries,
        })
    }
}

/// Reads `path` whole while hashing it.
struct Hashing<R> {
    inner: R,
    hash: Sha256,
}

impl<R: std::io::Read> std::io::Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
}

use crate::files::dir::open;

fn csv_error(path: &Path, e: &csv::Error) -> Error {
    let line = e.position().map(|p| p.line());
    let mut err = InputError::unreadable(path, format!("not a readable CSV table: {e}"))
        .hint("save it as CSV (UTF-8, comma-separated), with a header line");
    if let Some(line) = line {
        err = err.line(line);
    }
    err.into()
}

fn text(path: &Path, line: u64, column: &str, cell: &[u8]) -> Result<String, Error> {
    String::from_utf8(cell.to_vec()).map_err(|_| {
        InputError::unreadable(path, "this cell is not UTF-8 text")
            .line(line)
            .column(column)
            .hint("save the file as UTF-8")
            .into()
    })
}

/// The area table: its header and, per code, its row.
pub struct Areas {
    pub header: Vec<String>,
    pub rows: HashMap<String, Vec<String>>,
    pub sha256: String,
}

/// Reads the area table (a few thousand rows) with the csv crate; codes
/// must be unique.
pub fn read_areas(path: &Path, code: &str) -> Result<Areas, Error> {
    let bytes = crate::files::dir::read(path, "area table")?;
    let sha256 = hex(&Sha256::digest(&bytes));
    let mut reader = csv::ReaderBuilder::new().from_reader(&bytes[..]);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| csv_error(path, &e))?
        .iter()
        .map(str::to_string)
        .collect();
    let at = header.iter().position(|h| h == code).ok_or_else(|| {
        Error::from(
            InputError::invalid(
                path,
                format!("the area table has no column \"{code}\" (named by areas.code)"),
            )
            .line(1)
            .hint(format!("its columns are {}", quoted_list(&header))),
        )
    })?;
    let mut rows = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(path, &e))?;
        let line = record.position().map_or(0, |p| p.line());
        let row: Vec<String> = record.iter().map(str::to_string).collect();
        if let Some(previous) = rows.insert(row[at].clone(), row.clone()) {
            let _ = previous;
            return Err(InputError::invalid(path, "this area code appears twice")
                .line(line)
                .column(code)
                .value(&row[at])
                .hint("give each area one line")
                .into());
        }
    }
    Ok(Areas {
        header,
        rows,
        sha256,
    })
}

/// The area table the plan joins, read; refused when the plan and the
/// files disagree on whether there is one.
pub fn source_areas(source: &Source, plan: &Plan) -> Result<Option<Areas>, Error> {
    match (&source.areas, &plan.area_code_column) {
        (Some(p), Some(code)) => Ok(Some(read_areas(p, code)?)),
        (None, Some(_)) => Err(Error::Usage(
            "the plan names an area table (areas.code) but no area table was given".into(),
        )),
        (Some(_), None) => Err(Error::Usage(
            "an area table was given but the plan does not say how to join it (register.area and areas.code)".into(),
        )),
        (None, None) => Ok(None),
    }
}

/// Reads the exclusion lists: each a CSV table with the register's id
/// column (or a single column of ids).
pub fn read_exclusions(paths: &[PathBuf], id: &str) -> Result<HashSet<Vec<u8>>, Error> {
    let mut out = HashSet::new();
    for path in paths {
        let mut reader =
            csv::ReaderBuilder::new().from_reader(BufReader::new(open(path, "exclusion list")?));
        let header = reader
            .byte_headers()
            .map_err(|e| csv_error(path, &e))?
            .clone();
        let at = match header.iter().position(|h| h == id.as_bytes()) {
            Some(at) => at,
            None if header.len() == 1 => 0,
            None => {
                return Err(InputError::invalid(
                    path,
                    format!("the exclusion list has no column \"{id}\""),
                )
                .line(1)
                .hint("give the addresses' ids in a column named like the register's id column")
                .into());
            }
        };
        let mut record = csv::ByteRecord::new();
        while reader
            .read_byte_record(&mut record)
            .map_err(|e| csv_error(path, &e))?
        {
            out.insert(record[at].to_vec());
        }
    }
    Ok(out)
}

/// 32 bytes from 64 hex digits.
pub fn unhex32(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The csv-crate engine: one streaming pass, hashing the file as it goes.
pub struct CsvRegister;

impl Reader for CsvRegister {
    fn name(&self) -> &'static str {
        "csv"
    }

    fn read(
        &self,
        source: &Source,
        plan: &Plan,
        key: &[u8; 32],
        wanted: &HashSet<Pseudonym>,
    ) -> Result<Read, Error> {
        let path = &source.register;
        if is_parquet(path) {
            return Err(InputError::unreadable(path, "this register is a Parquet file, which this build does not read")
                .hint("read it with the stage-one build, which does (see the user guide, \"Stage one: inviting households\"): kleroterion-invite, or give the register as CSV")
                .into());
        }
        let areas = source_areas(source, plan)?;
        let excluded_ids = read_exclusions(&source.exclusions, &plan.id_column)?;
        let mut reader = csv::ReaderBuilder::new()
            .buffer_capacity(1 << 20)
            .from_reader(Hashing {
                inner: open(path, "register")?,
                hash: Sha256::new(),
            });
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| csv_error(path, &e))?
            .iter()
            .map(str::to_string)
            .collect();
        let Located {
            id,
            area,
            address,
            strata,
        } = locate(plan, source, &header, areas.as_ref().map(|a| &a.header[..]))?;
        let pseudonymiser = Pseudonymiser::new(key);
        let mut builder = FrameBuilder::new(plan.strata.clone());
        // Provisional stratum numbers by the raw cells (the area code and
        // the register's stratum cells), so that a row costs no allocation.
        let mut quick: HashMap<Vec<u8>, u32> = HashMap::new();
        let mut buffer: Vec<u8> = Vec::new();
        let mut record = csv::ByteRecord::new();
        let (mut rows, mut excluded) = (0u64, 0u64);
        let mut found = HashMap::new();
        while reader
            .read_byte_record(&mut record)
            .map_err(|e| csv_error(path, &e))?
        {
            rows += 1;
            let line = record.position().map_or(0, |p| p.line());
            let cell_id = &record[id];
            if cell_id.is_empty() {
                return Err(InputError::invalid(path, "the address id is empty")
                    .line(line)
                    .column(&plan.id_column)
                    .hint("give every address an id")
                    .into());
            }
            if !excluded_ids.is_empty() && excluded_ids.contains(cell_id) {
                excluded += 1;
                continue;
            }
            // Each part length-prefixed, so that no cell's content can make
            // two keys equal.
            buffer.clear();
            let cells = area
                .into_iter()
                .chain(strata.iter().filter_map(|s| match s {
                    From::Register(i) => Some(*i),
                    From::Areas(_) => None,
                }));
            for i in cells {
                buffer.extend_from_slice(&(record[i].len() as u32).to_le_bytes());
                buffer.extend_from_slice(&record[i]);
            }
            let stratum = match quick.get(&buffer[..]) {
                Some(&s) => s,
                None => {
                    let area_row = match (area, &areas) {
                        (Some(a), Some(table)) => {
                            let code = text(
                                path,
                                line,
                                plan.area_column.as_deref().unwrap_or(""),
                                &record[a],
                            )?;
                            Some(table.rows.get(&code).ok_or_else(|| {
                                Error::from(
                                    InputError::invalid(
                                        path,
                                        "this area code is not in the area table",
                                    )
                                    .line(line)
                                    .column(plan.area_column.as_deref().unwrap_or(""))
                                    .value(&code)
                                    .hint("add the area to the area table, or correct the code"),
                                )
                            })?)
                        }
                        _ => None,
                    };
                    let mut values = Vec::with_capacity(strata.len());
                    for (k, s) in strata.iter().enumerate() {
                        let v = match s {
                            From::Register(i) => text(path, line, &plan.strata[k], &record[*i])?,
                            From::Areas(i) => area_row.map(|r| r[*i].clone()).unwrap_or_default(),
                        };
                        if v.trim().is_empty() {
                            return Err(InputError::invalid(path, format!("the stratum column \"{}\" is empty for this address", plan.strata[k]))
                                .line(line)
                                .column(&plan.strata[k])
                                .hint("give every address a value (in the register or the area table), or add a value such as \"unknown\"")
                                .into());
                        }
                        values.push(v);
                    }
                    let s = builder.stratum(&values);
                    quick.insert(buffer.clone(), s);
                    s
                }
            };
            let line32 = u32::try_from(line).map_err(|_| {
                Error::Usage("registers of more than 4 billion lines are not supported".into())
            })?;
            let pseudonym = pseudonymiser.pseudonym(cell_id);
            if !wanted.is_empty() && wanted.contains(&pseudonym) {
                let cells = address
                    .iter()
                    .zip(&plan.address_columns)
                    .map(|(&i, name)| text(path, line, name, &record[i]))
                    .collect::<Result<Vec<_>, _>>()?;
                found.insert(pseudonym, (line32, cells));
            }
            builder.push(Entry {
                pseudonym,
                stratum,
                line: line32,
            });
        }
        let mut inner = reader.into_inner();
        // Whatever the CSV reader left unread (nothing, normally) still
        // counts towards the digest.
        std::io::copy(&mut inner, &mut std::io::sink()).map_err(|e| {
            Error::from(InputError::unreadable(
                path,
                format!("cannot read the register: {e}"),
            ))
        })?;
        let register_sha256 = hex(&inner.hash.finalize());
        let frame = builder.finish(path)?;
        Ok(Read {
            frame,
            wanted: found,
            rows,
            excluded,
            register_sha256,
            areas_sha256: areas.map(|a| a.sha256),
        })
    }
}

/// Whether a file is Parquet (by its first four bytes, `PAR1`).
pub fn is_parquet(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    open(path, "register").is_ok_and(|mut f| f.read_exact(&mut magic).is_ok()) && &magic == b"PAR1"
}
