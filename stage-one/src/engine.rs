//! The polars engine: reads the register (CSV or Parquet) lazily, removes
//! the excluded addresses with an anti-join, joins the area table, numbers
//! the strata with a group-by, and hands the rows to the core's
//! [`FrameBuilder`], so the frame is the one the csv engine makes.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use kleroterion::error::{Error, InputError, quoted_list};
use kleroterion::invite::Pseudonym;
use kleroterion::invite::frame::{
    self, Entry, FrameBuilder, Pseudonymiser, Read, Reader, Source, is_parquet,
};
use kleroterion::invite::plan::Plan;
use polars::prelude::*;
use sha2::{Digest, Sha256};

/// Reads registers with polars.
pub struct PolarsRegister;

const ROW: &str = "__kleroterion_row";

fn failed(path: &Path, what: &str, e: PolarsError) -> Error {
    InputError::unreadable(path, format!("cannot read the {what}: {e}"))
        .hint("check that it is a CSV file (UTF-8, comma-separated, with a header line) or a Parquet file")
        .into()
}

/// A lazy scan with every column as text (ids keep their leading zeros).
fn scan(path: &Path, what: &str) -> Result<LazyFrame, Error> {
    let name = path.to_string_lossy().into_owned();
    if std::fs::metadata(path).is_err() {
        return Err(
            InputError::unreadable(path, format!("cannot read the {what}: no such file"))
                .hint("check the path")
                .into(),
        );
    }
    let lf = if is_parquet(path) {
        LazyFrame::scan_parquet(PlRefPath::from(name.as_str()), ScanArgsParquet::default())
            .map_err(|e| failed(path, what, e))?
    } else {
        LazyCsvReader::new(PlRefPath::from(name.as_str()))
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .finish()
            .map_err(|e| failed(path, what, e))?
    };
    Ok(lf)
}

fn names(lf: &mut LazyFrame, path: &Path, what: &str) -> Result<Vec<String>, Error> {
    let schema = lf.collect_schema().map_err(|e| failed(path, what, e))?;
    Ok(schema.iter_names().map(|n| n.to_string()).collect())
}

/// SHA-256 of a file's bytes.
fn file_sha256(path: &Path) -> Result<String, Error> {
    let mut f = std::fs::File::open(path)
        .map_err(|e| Error::from(InputError::unreadable(path, format!("cannot read it: {e}"))))?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h)
        .map_err(|e| Error::from(InputError::unreadable(path, format!("cannot read it: {e}"))))?;
    Ok(frame::hex(&h.finalize()))
}

fn text_column<'a>(df: &'a DataFrame, name: &str, path: &Path) -> Result<&'a StringChunked, Error> {
    df.column(name)
        .and_then(|c| c.str())
        .map_err(|e| failed(path, "register", e))
}

impl Reader for PolarsRegister {
    fn name(&self) -> &'static str {
        "polars"
    }

    fn read(
        &self,
        source: &Source,
        plan: &Plan,
        key: &[u8; 32],
        wanted: &HashSet<Pseudonym>,
    ) -> Result<Read, Error> {
        let path = &source.register;
        let mut register = scan(path, "register")?;
        let header = names(&mut register, path, "register")?;
        // Areas: the core reads the small table (same checks, same
        // messages); polars joins it.
        let areas = frame::source_areas(source, plan)?;
        let strata_from =
            frame::locate(plan, source, &header, areas.as_ref().map(|a| &a.header[..]))?.strata;
        // Parquet columns may be numbers: read every used column as text.
        let mut used: Vec<Expr> = vec![col(plan.id_column.as_str()).cast(DataType::String)];
        if let Some(a) = &plan.area_column {
            used.push(col(a.as_str()).cast(DataType::String));
        }
        for (s, from) in plan.strata.iter().zip(&strata_from) {
            if matches!(from, frame::From::Register(_)) {
                used.push(col(s.as_str()).cast(DataType::String));
            }
        }
        // A CSV's header is line 1; a Parquet file's rows are numbered the
        // same way, so that messages and the letters' order agree.
        let mut lf = register.with_row_index(ROW, Some(2)).select({
            let mut v = vec![col(ROW)];
            v.extend(used);
            v
        });
        let rows_total;
        let mut excluded = 0u64;
        if source.exclusions.is_empty() {
            rows_total = None;
        } else {
            let ids = frame::read_exclusions(&source.exclusions, &plan.id_column)?;
            let list: Vec<String> = ids
                .into_iter()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .collect();
            let excluded_df = DataFrame::new_infer_height(vec![Column::new(
                plan.id_column.as_str().into(),
                list,
            )])
            .map_err(|e| failed(path, "exclusion lists", e))?;
            let before = lf
                .clone()
                .select([len()])
                .collect()
                .map_err(|e| failed(path, "register", e))?;
            let n_before = before
                .column("len")
                .and_then(|c| c.get(0).map(|v| v.extract::<u64>().unwrap_or(0)))
                .unwrap_or(0);
            lf = lf.join(
                excluded_df.lazy(),
                [col(plan.id_column.as_str())],
                [col(plan.id_column.as_str())],
                JoinArgs::new(JoinType::Anti),
            );
            rows_total = Some(n_before);
        }
        // One scan, with only what decides the stratum: the area code and
        // the register's own stratum columns.
        let keys: Vec<String> = plan
            .area_column
            .iter()
            .cloned()
            .chain(
                plan.strata
                    .iter()
                    .zip(&strata_from)
                    .filter(|(_, f)| matches!(f, frame::From::Register(_)))
                    .map(|(s, _)| s.clone()),
            )
            .collect();
        let main = lf
            .collect_with_engine(Engine::Streaming)
            .map_err(|e| failed(path, "register", e))?
            .unwrap_single();
        let n = main.height();
        let rows = rows_total.unwrap_or(n as u64);
        if rows_total.is_some() {
            excluded = rows - n as u64;
        }
        // The distinct keys (areas × register values: thousands, not
        // millions), each with its first line, by a group-by; then their
        // stratum values, joining the area table.
        let mut groups = main
            .clone()
            .lazy()
            .group_by(keys.iter().map(|k| col(k.as_str())).collect::<Vec<_>>())
            .agg([col(ROW).min().alias("__first")]);
        if let (Some(table), Some(code), Some(area_col)) =
            (&areas, &plan.area_code_column, &plan.area_column)
        {
            let mut codes = Vec::new();
            let mut columns: Vec<Vec<String>> = vec![Vec::new(); plan.strata.len()];
            for (c, row) in &table.rows {
                codes.push(c.clone());
                for (k, from) in strata_from.iter().enumerate() {
                    if let frame::From::Areas(i) = from {
                        columns[k].push(row[*i].clone());
                    }
                }
            }
            let mut cols = vec![Column::new(format!("{code}__area").into(), codes)];
            for (k, from) in strata_from.iter().enumerate() {
                if matches!(from, frame::From::Areas(_)) {
                    cols.push(Column::new(
                        plan.strata[k].as_str().into(),
                        std::mem::take(&mut columns[k]),
                    ));
                }
            }
            let area_df =
                DataFrame::new_infer_height(cols).map_err(|e| failed(path, "area table", e))?;
            groups = groups.join(
                area_df.lazy(),
                [col(area_col.as_str())],
                [col(format!("{code}__area").as_str())],
                JoinArgs::new(JoinType::Left),
            );
        }
        let groups = groups.collect().map_err(|e| failed(path, "register", e))?;
        let first = groups
            .column("__first")
            .and_then(|c| c.idx())
            .map_err(|e| failed(path, "register", e))?;
        let key_columns: Vec<StringChunked> = keys
            .iter()
            .map(|k| text_column(&groups, k, path).cloned())
            .collect::<Result<_, _>>()?;
        let value_columns: Vec<StringChunked> = plan
            .strata
            .iter()
            .map(|s| text_column(&groups, s, path).cloned())
            .collect::<Result<_, _>>()?;
        let mut builder = FrameBuilder::new(plan.strata.clone());
        let mut provisional: HashMap<String, u32> = HashMap::new();
        // Groups in the order of their first line, so that a problem is
        // reported at its first line, as the csv engine does.
        let mut order: Vec<usize> = (0..groups.height()).collect();
        order.sort_by_key(|&g| first.get(g).unwrap_or(0));
        for g in order {
            let line = u64::from(first.get(g).unwrap_or(0));
            let mut values = Vec::with_capacity(plan.strata.len());
            for (k, v) in value_columns.iter().enumerate() {
                match v.get(g) {
                    Some(v) if !v.trim().is_empty() => values.push(v.to_string()),
                    None if matches!(strata_from[k], frame::From::Areas(_)) => {
                        let area_col = plan.area_column.as_deref().unwrap_or("");
                        let code = key_columns[0].get(g).unwrap_or("").to_string();
                        // polars reads a missing or empty cell as null.
                        let problem = if code.is_empty() {
                            "the area code is empty (or the line has fewer cells than the header)"
                        } else {
                            "this area code is not in the area table"
                        };
                        return Err(InputError::invalid(path, problem)
                            .line(line)
                            .column(area_col)
                            .value(code)
                            .hint("add the area to the area table, or correct the code")
                            .into());
                    }
                    _ => {
                        return Err(InputError::invalid(path, format!("the stratum column \"{}\" is empty for this address", plan.strata[k]))
                            .line(line)
                            .column(&plan.strata[k])
                            .hint("give every address a value (in the register or the area table), or add a value such as \"unknown\"")
                            .into());
                    }
                }
            }
            let key: Vec<&str> = key_columns.iter().map(|c| c.get(g).unwrap_or("")).collect();
            provisional.insert(key.join("\u{1f}"), builder.stratum(&values));
        }
        drop(groups);
        let row_ca = main
            .column(ROW)
            .and_then(|c| c.idx())
            .map_err(|e| failed(path, "register", e))?
            .clone();
        let ids = text_column(&main, &plan.id_column, path)?.clone();
        let row_keys: Vec<StringChunked> = keys
            .iter()
            .map(|k| text_column(&main, k, path).cloned())
            .collect::<Result<_, _>>()?;
        drop(main);
        if let Some(i) = ids.iter().position(|id| id.is_none_or(str::is_empty)) {
            let line = u64::from(row_ca.get(i).unwrap_or(0));
            return Err(InputError::invalid(path, "the address id is empty")
                .line(line)
                .column(&plan.id_column)
                .hint("give every address an id")
                .into());
        }
        // Pseudonyms on every core.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        let chunk = n.div_ceil(threads).max(1);
        let pseudonymiser = Pseudonymiser::new(key);
        let parts: Vec<Vec<Entry>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let (ids, row_ca, row_keys, provisional, pseudonymiser) =
                        (&ids, &row_ca, &row_keys, &provisional, &pseudonymiser);
                    s.spawn(move || {
                        let start = (t * chunk).min(n);
                        let end = ((t + 1) * chunk).min(n);
                        let ids = ids.slice(start as i64, end - start);
                        let rows = row_ca.slice(start as i64, end - start);
                        let sliced: Vec<StringChunked> = row_keys
                            .iter()
                            .map(|k| k.slice(start as i64, end - start))
                            .collect();
                        let mut columns: Vec<_> = sliced.iter().map(|c| c.iter()).collect();
                        let mut key = String::new();
                        ids.iter()
                            .zip(rows.iter())
                            .map(|(id, row)| {
                                key.clear();
                                for (k, column) in columns.iter_mut().enumerate() {
                                    if k > 0 {
                                        key.push('\u{1f}');
                                    }
                                    key.push_str(column.next().flatten().unwrap_or(""));
                                }
                                Entry {
                                    pseudonym: pseudonymiser.pseudonym(id.unwrap_or("").as_bytes()),
                                    stratum: provisional.get(key.as_str()).copied().unwrap_or(0),
                                    line: row.unwrap_or(0),
                                }
                            })
                            .collect()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        });
        // The columns are no longer needed: free them before the frame is
        // sorted and the wanted addresses are fetched.
        drop((ids, row_ca, row_keys));
        builder.reserve(n);
        let mut lines_wanted: HashMap<u32, Pseudonym> = HashMap::new();
        for part in parts {
            for e in part {
                if !wanted.is_empty() && wanted.contains(&e.pseudonym) {
                    lines_wanted.insert(e.line, e.pseudonym);
                }
                builder.push(e);
            }
        }
        let frame = builder.finish(path)?;
        // The wanted addresses' columns: a second scan, of those rows only.
        let mut found = HashMap::new();
        if !lines_wanted.is_empty() {
            let mut header_check = scan(path, "register")?;
            let _ = names(&mut header_check, path, "register")?;
            let mut lines: Vec<u32> = lines_wanted.keys().copied().collect();
            lines.sort_unstable();
            let wanted_rows = Series::new("__wanted".into(), lines);
            let mut select = vec![col(ROW)];
            select.extend(
                plan.address_columns
                    .iter()
                    .map(|c| col(c.as_str()).cast(DataType::String)),
            );
            let picked = header_check
                .with_row_index(ROW, Some(2))
                .filter(col(ROW).is_in(lit(wanted_rows).implode(false), false))
                .select(select)
                // Streamed: only the wanted rows are ever held.
                .collect_with_engine(Engine::Streaming)
                .map_err(|e| failed(path, "register", e))?
                .unwrap_single();
            let rows = picked
                .column(ROW)
                .and_then(|c| c.idx())
                .map_err(|e| failed(path, "register", e))?;
            let cells: Vec<StringChunked> = plan
                .address_columns
                .iter()
                .map(|c| text_column(&picked, c, path).cloned())
                .collect::<Result<_, _>>()?;
            for (i, row) in rows.iter().enumerate() {
                let row = row.unwrap_or(0);
                let values: Vec<String> = cells
                    .iter()
                    .map(|c| c.get(i).unwrap_or("").to_string())
                    .collect();
                if let Some(p) = lines_wanted.get(&row) {
                    found.insert(*p, (row, values));
                }
            }
        }
        let _ = quoted_list::<String>;
        Ok(Read {
            frame,
            wanted: found,
            rows,
            excluded,
            register_sha256: file_sha256(path)?,
            areas_sha256: areas.map(|a| a.sha256),
        })
    }
}

/// Writes a CSV register as Parquet (every column as text).
pub fn to_parquet(csv: &Path, out: &Path) -> Result<u64, Error> {
    let lf = scan(csv, "register")?;
    let mut df = lf.collect().map_err(|e| failed(csv, "register", e))?;
    let rows = df.height() as u64;
    kleroterion::files::dir::write_streamed(out, |w| {
        ParquetWriter::new(w)
            .finish(&mut df)
            .map(|_| ())
            .map_err(std::io::Error::other)
    })?;
    Ok(rows)
}
