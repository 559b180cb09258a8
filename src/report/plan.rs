//! The assembly plan's reports: the speaker programme section and
//! plan-report.txt.

use std::fmt::Write as _;

use crate::logistics::plan::Plan;
use crate::logistics::programme::{self, Problem, Programme};
use crate::logistics::rota;
use crate::logistics::rules::Constraint;
use crate::logistics::seating;

use super::list;

/// The programme's report section.
pub fn programme(p: &Problem, prog: &Programme) -> String {
    let a = programme::assess(p, prog);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Programme: {} of {} contributions placed in {} plenaries{}",
        a.placed,
        p.contributions.len(),
        p.assembly.plenaries().len(),
        if prog.optimal {
            ""
        } else {
            " (time limit reached: best placement found, not proven best)"
        }
    );
    for (w, label, mins) in &a.minutes {
        let _ = writeln!(out, "  weekend {w}: {label} {mins} min");
    }
    list(&mut out, "Not placed", &a.unplaced);
    list(&mut out, "Broken rules", &a.broken);
    list(&mut out, "Unmet goals", &a.unmet);
    if !a.warnings.is_empty() {
        list(&mut out, "Warnings", &a.warnings);
    }
    out
}

/// plan-report.txt up to the change list: the plan's size, the seating's,
/// the rota's and the programme's assessments, and unmet room needs.
/// `file` is the assembly file's name, `from` the session re-planned from.
pub fn plan(built: &Plan, file: &str, from: Option<&str>) -> String {
    let assembly = built.assembly;
    let mut report = String::new();
    let _ = writeln!(
        report,
        "Plan: {} ({}), {} members, {} days, {} sessions held, {} seating rounds{}",
        assembly.name,
        file,
        built.members.len(),
        assembly.days.iter().filter(|d| !d.cancelled).count(),
        assembly.held().len(),
        built.rounds.len(),
        match from {
            Some(f) => format!(", re-planned from session {f}"),
            None => String::new(),
        }
    );
    let describe = |c: &Constraint| c.describe(&built.members);
    let sa = seating::assess(&built.seating_problem, &built.seating, &describe);
    let _ = writeln!(
        report,
        "\nSeating: distinct pairs met {} of {} ({:.1}%); most meetings of one pair {}; cells in band {} of {} ({:.1}%), largest deviation {}",
        sa.distinct_pairs,
        sa.pair_bound,
        100.0 * sa.distinct_pairs as f64 / sa.pair_bound.max(1) as f64,
        sa.max_meetings(),
        sa.cells_in_band,
        sa.cells,
        100.0 * sa.cells_in_band as f64 / sa.cells.max(1) as f64,
        sa.largest_deviation
    );
    list(&mut report, "Unmet seating rules", &sa.unmet);
    match (&built.rota_problem, &built.rota) {
        (Some(p), Some(r)) => {
            let ra = rota::assess(p, r);
            let _ = writeln!(
                report,
                "\nRota: {} facilitators; repeated member–facilitator meetings {}",
                p.facilitators.len(),
                ra.repeats
            );
            let _ = writeln!(report, "{}", ra.sizes_line());
            list(&mut report, "Unmet rota goals", &ra.unmet);
            for w in &ra.warnings {
                let _ = writeln!(report, "warning: {w}");
            }
        }
        _ => {
            let _ = writeln!(report, "\nRota: no facilitators file");
        }
    }
    report.push('\n');
    match &built.programme {
        Some(prog) => report.push_str(&programme(&built.programme_problem(), prog)),
        None => report.push_str("Programme: no speakers file\n"),
    }
    report.push('\n');
    list(
        &mut report,
        "Support needs a room does not meet",
        &built.unmet_needs,
    );
    report
}

/// `plan-report.html`: each round's seating as a picture (tables as
/// circles, members as dots coloured by the first balanced category, each
/// table's counts against its band in its tooltip and below the picture),
/// the rota as a grid, the programme as a timeline per day, and the text
/// report as an appendix. Members appear by id only (no names).
pub fn plan_html(built: &Plan, text_report: &str) -> String {
    use super::html::{self, esc};
    use super::svg;
    let a = built.assembly;
    let mut b = String::new();
    let _ = writeln!(b, "<h1>{}: the plan</h1>", esc(&a.name));
    let _ = writeln!(
        b,
        "<p class=\"summary\">{} members at tables over {} seating rounds; {} facilitators; {} speakers' contributions; {} days. The pictures show every round's tables; the full figures are in the appendix (plan-report.txt). For the organisers: members appear by id and the appendix lists needs, so do not publish this page.</p>",
        built.members.len(),
        built.rounds.len(),
        built.facilitators.len(),
        built.contributions.len(),
        a.days.iter().filter(|d| !d.cancelled).count()
    );

    // Seating.
    let p = &built.seating_problem;
    let _ = writeln!(b, "<h2>Seating</h2>");
    let colour_by = built.colour_by.as_ref();
    if let Some(cat) = colour_by {
        let _ = write!(
            b,
            "<p class=\"legend\">Members coloured by {}: ",
            esc(&cat.name)
        );
        for (v, value) in cat.values.iter().enumerate() {
            let _ = write!(
                b,
                "<span><svg width=\"12\" height=\"12\" aria-hidden=\"true\"><circle cx=\"6\" cy=\"6\" r=\"5\" fill=\"{}\"/></svg> {}</span> ",
                svg::PALETTE[v % svg::PALETTE.len()],
                esc(value)
            );
        }
        b.push_str("</p>\n");
    }
    let sizes: Vec<Vec<usize>> = (0..p.rounds).map(|r| p.sizes(r)).collect();
    let bands = p.bands(&sizes);
    let off = p.offsets();
    for (r, &s) in built.rounds.iter().enumerate() {
        let tables = built.seating.tables(r);
        const COLS: usize = 4;
        const CELL: f64 = 150.0;
        let rows = tables.len().div_ceil(COLS).max(1);
        let mut out_of_band = 0usize;
        let title = format!("Round {}: {}", r + 1, a.sessions[s].title);
        let mut picture = svg::Svg::new(
            &format!("round-{}", r + 1),
            CELL * COLS as f64,
            CELL * rows as f64,
            &title,
            &format!(
                "{} tables of {} members in all, {}",
                tables.len(),
                tables.iter().map(Vec::len).sum::<usize>(),
                a.when(s)
            ),
        );
        for (t, members) in tables.iter().enumerate() {
            let cx = CELL * (t % COLS) as f64 + CELL / 2.0;
            let cy = CELL * (t / COLS) as f64 + CELL / 2.0 - 8.0;
            let mut counts: Vec<String> = Vec::new();
            for (c, cat) in p.categories.iter().enumerate() {
                for (v, value) in cat.values.iter().enumerate() {
                    let n = members.iter().filter(|&&m| cat.of_member[m] == v).count() as u32;
                    let (lo, hi) = bands
                        .get(r)
                        .and_then(|x| x.get(t))
                        .and_then(|x| x.get(off[c] + v))
                        .copied()
                        .unwrap_or((0, u32::MAX));
                    if n < lo || n > hi {
                        out_of_band += 1;
                    }
                    counts.push(format!("{} {value}: {n} (band {lo}–{hi})", cat.name));
                }
            }
            picture.circle(
                "table",
                cx,
                cy,
                40.0,
                "fill=\"#f4f4f4\" stroke=\"#555\"",
                &format!("Table {}: {}", t + 1, counts.join("; ")),
            );
            picture.text(cx, cy + 4.0, "middle", &format!("Table {}", t + 1));
            picture.text(cx, cy + 76.0, "middle", &built.table_room(s, t));
            let k = members.len().max(1) as f64;
            for (j, &m) in members.iter().enumerate() {
                let angle = std::f64::consts::TAU * j as f64 / k - std::f64::consts::FRAC_PI_2;
                let (x, y) = (cx + 52.0 * angle.cos(), cy + 52.0 * angle.sin());
                let (fill, value) = match colour_by {
                    Some(cat) => (
                        svg::PALETTE[cat.of_member[m] % svg::PALETTE.len()],
                        cat.values[cat.of_member[m]].as_str(),
                    ),
                    None => (svg::PANEL, ""),
                };
                picture.circle(
                    "member",
                    x,
                    y,
                    8.0,
                    &format!("fill=\"{fill}\" stroke=\"#fff\""),
                    &format!("{} {value}", built.members.ids[m]),
                );
            }
        }
        let _ = writeln!(b, "<h3>{}</h3>", esc(&title));
        b.push_str(&html::figure(
            &picture.finish(),
            &format!(
                "{}: {} tables; {} table counts outside their band (each table's counts and bands are in its tooltip).",
                title,
                tables.len(),
                out_of_band
            ),
        ));
    }

    // Rota: a grid of rounds (columns) by posts (rows), facilitators by id.
    let _ = writeln!(b, "<h2>Facilitator rota</h2>");
    if let Some(rota) = &built.rota {
        let most = rota.table.iter().map(Vec::len).max().unwrap_or(0);
        let id =
            |f: Option<usize>| f.map_or("—".to_string(), |f| built.facilitators[f].id.clone());
        let mut header: Vec<(String, bool)> = vec![("post".to_string(), false)];
        header.extend((0..built.rounds.len()).map(|r| (format!("round {}", r + 1), false)));
        let mut rows = vec![
            std::iter::once("lead".to_string())
                .chain(rota.lead.iter().map(|&f| id(f)))
                .collect::<Vec<_>>(),
        ];
        for t in 0..most {
            rows.push(
                std::iter::once(format!("table {}", t + 1))
                    .chain((0..built.rounds.len()).map(|r| {
                        let table = rota.table[r].get(t).copied().flatten();
                        match rota.note[r].get(t).copied().flatten() {
                            Some(n) => format!("{} (notes {})", id(table), id(Some(n))),
                            None => id(table),
                        }
                    }))
                    .collect(),
            );
        }
        let header: Vec<(&str, bool)> = header.iter().map(|(h, n)| (h.as_str(), *n)).collect();
        b.push_str(&html::table(
            Some("Who facilitates each table in each round (facilitators by id; html/rota.html has their names)"),
            &header,
            &rows,
        ));
    } else {
        b.push_str(&html::p("No facilitators file was given."));
    }

    // Programme.
    let _ = writeln!(b, "<h2>Programme</h2>");
    for (d, day) in a.days.iter().enumerate() {
        let sessions: Vec<usize> = (0..a.sessions.len())
            .filter(|&s| a.sessions[s].day == d)
            .collect();
        if sessions.is_empty() {
            continue;
        }
        let minutes = |t: chrono::NaiveTime| {
            use chrono::Timelike;
            f64::from(t.hour() * 60 + t.minute())
        };
        let first = sessions
            .iter()
            .map(|&s| minutes(a.sessions[s].start))
            .fold(f64::MAX, f64::min);
        let last = sessions
            .iter()
            .map(|&s| minutes(a.sessions[s].end))
            .fold(0.0, f64::max);
        let span = (last - first).max(30.0);
        const W: f64 = 600.0;
        let x = |m: f64| 10.0 + W * (m - first) / span;
        let title = format!(
            "{}{}",
            day.date.format("%A %-d %B %Y"),
            if day.cancelled { " (cancelled)" } else { "" }
        );
        let mut line = svg::Svg::new(
            &format!("day-{}", d + 1),
            W + 20.0,
            30.0 + 34.0 * sessions.len() as f64,
            &title,
            &sessions
                .iter()
                .map(|&s| {
                    let x = &a.sessions[s];
                    format!(
                        "{}–{} {}",
                        x.start.format("%H:%M"),
                        x.end.format("%H:%M"),
                        x.title
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        );
        for (i, &s) in sessions.iter().enumerate() {
            let x0 = x(minutes(a.sessions[s].start));
            let x1 = x(minutes(a.sessions[s].end));
            let y = 6.0 + 34.0 * i as f64;
            let colour = match a.sessions[s].kind {
                crate::logistics::assembly::Kind::Plenary => svg::PANEL,
                crate::logistics::assembly::Kind::Tables => svg::PALETTE[2],
                _ => svg::POOL,
            };
            let label = format!(
                "{}–{} {}",
                a.sessions[s].start.format("%H:%M"),
                a.sessions[s].end.format("%H:%M"),
                a.sessions[s].title
            );
            line.rect(
                "session",
                x0,
                y,
                x1 - x0,
                14.0,
                &format!("fill=\"{colour}\""),
                &label,
                &[("session", a.sessions[s].id.clone())],
            );
            line.text(x0.clamp(10.0, W - 200.0), y + 27.0, "start", &label);
        }
        let _ = writeln!(b, "<h3>{}</h3>", esc(&title));
        b.push_str(&html::figure(
            &line.finish(),
            "Blue: plenaries; green: tables; grey: other sessions.",
        ));
    }
    b.push_str(
        &crate::logistics::export::run_sheet(built)
            .replace("<h1>", "<h3>")
            .replace("</h1>", "</h3>"),
    );
    let _ = writeln!(
        b,
        "<section class=\"appendix\">\n<h2>Appendix: plan-report.txt</h2>\n<pre>{}</pre>\n</section>",
        esc(text_report)
    );
    html::page(&format!("{}: the plan", a.name), &b)
}
