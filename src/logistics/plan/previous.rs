//! An earlier plan read back from its files (seating.csv, rota.csv,
//! programme.csv, schedule.csv), by ids.

use super::*;

impl Previous {
    /// Reads an earlier plan's `seating.csv`, `rota.csv`, `programme.csv`
    /// and `schedule.csv` (`dir` only names them in errors).
    pub fn from_files(
        dir: &std::path::Path,
        files: &BTreeMap<String, Vec<u8>>,
    ) -> Result<Previous, Error> {
        let table = |name: &str| -> Result<Option<Table>, Error> {
            match files.get(name) {
                Some(bytes) => Ok(Some(Table::parse(&dir.join(name), bytes)?)),
                None => Ok(None),
            }
        };
        let mut out = Previous::default();
        let Some(seating) = table("seating.csv")? else {
            return Err(InputError::unreadable(
                &dir.join("seating.csv"),
                "the earlier plan has no seating.csv",
            )
            .hint("give the directory `kleroterion plan` wrote")
            .into());
        };
        let hint = "give the directory `kleroterion plan` wrote";
        seating.require(["session"], "a plan's seating.csv", hint)?;
        let mut errors = Vec::new();
        for row in seating::csv::parse_plan(&seating)? {
            let session = row.session.unwrap_or_default();
            let seats = out.seating.entry(session).or_default();
            if seats.insert(row.id.clone(), row.table).is_some() {
                errors.push(
                    InputError::invalid(
                        &seating.path,
                        format!("{} is seated twice in this session", row.id),
                    )
                    .line(row.line)
                    .hint(hint),
                );
            }
        }
        if !errors.is_empty() {
            return Err(Error::Input(errors));
        }
        if let Some(rota) = table("rota.csv")? {
            let c = need(&rota, ["table", "role", "facilitator", "session"])?;
            for row in &rota.rows {
                let t = row.cells[c[0]]
                    .trim()
                    .parse::<usize>()
                    .ok()
                    .map(|t| t.max(1) - 1);
                let role = match key(&row.cells[c[1]]).as_str() {
                    "lead" => Role::Lead,
                    "note-taker" => Role::NoteTaker,
                    _ => Role::Table,
                };
                let f = row.cells[c[2]].trim();
                if !f.is_empty() {
                    out.rota
                        .insert((row.cells[c[3]].trim().to_string(), t, role), f.to_string());
                }
            }
        }
        if let Some(prog) = table("programme.csv")? {
            let c = need(&prog, ["session", "speaker", "topic"])?;
            let mut seen: HashMap<(String, String), usize> = HashMap::new();
            for row in &prog.rows {
                let k = (row.cells[c[1]].trim().to_string(), key(&row.cells[c[2]]));
                let n = seen.entry(k.clone()).or_insert(0);
                *n += 1;
                out.programme
                    .insert((k.0, k.1, *n), row.cells[c[0]].trim().to_string());
            }
        }
        if let Some(s) = table("schedule.csv")? {
            let c = need(
                &s,
                [
                    "kind", "id", "session", "date", "start", "end", "what", "room",
                ],
            )?;
            let (name_col, table_col) = (s.column("name"), s.column("table"));
            let mut errors = Vec::new();
            for row in &s.rows {
                let who = match key(&row.cells[c[0]]).as_str() {
                    "facilitator" => Who::Facilitator,
                    "speaker" => Who::Speaker,
                    _ => Who::Member,
                };
                let cell = |i: usize| row.cells[c[i]].trim();
                let line = timetable_line(&[cell(2), cell(3), cell(4), cell(5), cell(6)], cell(7));
                out.timetable
                    .entry((who, cell(1).to_string()))
                    .or_default()
                    .push(line);
                let time = |i: usize| NaiveTime::parse_from_str(cell(i), "%H:%M");
                let table = table_col.map(|t| row.cells[t].trim()).unwrap_or("");
                let table = if table.is_empty() {
                    Ok(None)
                } else {
                    table.parse::<usize>().map(|t| Some(t.max(1) - 1))
                };
                match (time(4), time(5), table) {
                    (Ok(start), Ok(end), Ok(table)) => out.schedule.push(HeldRow {
                        who,
                        id: cell(1).to_string(),
                        name: name_col.map_or(String::new(), |n| row.cells[n].trim().to_string()),
                        session: cell(2).to_string(),
                        start,
                        end,
                        room: cell(7).to_string(),
                        table,
                        what: cell(6).to_string(),
                        cells: row.cells.clone(),
                    }),
                    _ => errors.push(
                        InputError::invalid(
                            &s.path,
                            "a start or end that is not a time such as 09:30, or a table that is not a number",
                        )
                        .line(row.line)
                        .hint(hint),
                    ),
                }
            }
            if !errors.is_empty() {
                return Err(Error::Input(errors));
            }
        }
        for name in ["seating.csv", "rota.csv", "programme.csv"] {
            if let Some(t) = table(name)? {
                out.tables.insert(name.to_string(), t);
            }
        }
        Ok(out)
    }
}

/// The columns a file of an earlier plan must have.
fn need<const N: usize>(t: &Table, cols: [&str; N]) -> Result<[usize; N], Error> {
    Ok(t.require(
        cols,
        "a file of an earlier plan",
        "give the directory `kleroterion plan` wrote",
    )?)
}
