//! Printable HTML pages: escaped, with print CSS, a page per person, the
//! table plans (each round on its own page), the rota and the speakers'
//! run-sheet.

use super::*;

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub(super) const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#111}\
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #999;padding:.25em .5em;text-align:left;vertical-align:top}\
th{background:#eee}.tables{display:flex;flex-wrap:wrap;gap:1em}.card{border:1px solid #999;padding:.5em;min-width:14em}\
.note{color:#555;font-size:.9em}section{page-break-after:always;break-after:page}\
@media print{body{margin:0}a{color:inherit;text-decoration:none}nav{display:none}}";

pub(super) fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        esc(title)
    )
}

pub(super) fn flags(p: &crate::logistics::plan::Person) -> String {
    let mut f = Vec::new();
    if p.withdrawn {
        f.push("withdrawn: only the sessions already held".to_string());
    }
    if !p.needs.is_empty() {
        f.push(format!("needs: {}", p.needs.join(", ")));
    }
    if !p.language.is_empty() {
        f.push(format!("language: {}", p.language));
    }
    if !p.consent.is_empty() {
        f.push(format!("consent: {}", p.consent));
    }
    f.join("; ")
}

/// Every printable page: file name (under html/) → text.
pub fn html(plan: &Plan) -> BTreeMap<String, String> {
    let a = plan.assembly;
    let stems = stems(plan);
    let mut out = BTreeMap::new();
    // Per person.
    let mut index = format!(
        "<h1>{}</h1>\n<nav><p><a href=\"tables.html\">Table plans</a> · <a href=\"rota.html\">Facilitator rota</a> · <a href=\"run-sheet.html\">Speaker run-sheet</a></p></nav>\n",
        esc(&a.name)
    );
    for who in [Who::Member, Who::Facilitator, Who::Speaker] {
        let of: Vec<usize> = (0..plan.people.len())
            .filter(|&i| plan.people[i].who == who)
            .collect();
        if of.is_empty() {
            continue;
        }
        let _ = writeln!(index, "<h2>{}s</h2>\n<ul>", capitalise(who.name()));
        for &i in &of {
            let p = &plan.people[i];
            let file = format!("{}.html", stems[i]);
            let _ = writeln!(
                index,
                "<li><a href=\"{}\">{}</a></li>",
                esc(&file),
                person_name(plan, i)
            );
            let mut body = format!(
                "<h1>{}</h1>\n<p>{} of {}</p>\n",
                person_name(plan, i),
                capitalise(who.name()),
                esc(&a.name)
            );
            let f = flags(p);
            if !f.is_empty() {
                let _ = writeln!(body, "<p class=\"note\">{}</p>", esc(&f));
            }
            if let Some(venue) = &a.venue {
                let _ = writeln!(body, "<p>Venue: {}</p>", esc(venue));
            }
            let _ = writeln!(
                body,
                "<p><a href=\"../calendars/{}.ics\">Your calendar file</a>: open it to add every session below to your calendar; it is updated if the plan changes.</p>",
                esc(&stems[i])
            );
            body.push_str("<table>\n<tr><th>Date</th><th>Time</th><th>Session</th><th>What</th><th>Where</th></tr>\n");
            let mut any = false;
            for e in plan.entries.iter().filter(|e| e.person == i) {
                any = true;
                let s = &a.sessions[e.session];
                // A member at a table is told who facilitates it.
                let facilitator = match (who, e.table, &plan.rota) {
                    (Who::Member, Some(t), Some(rota)) => plan
                        .rounds
                        .iter()
                        .position(|&x| x == e.session)
                        .and_then(|r| rota.table.get(r)?.get(t).copied().flatten())
                        .map(|f| format!(" (facilitator: {})", staff(plan, f))),
                    _ => None,
                };
                let _ = writeln!(
                    body,
                    "<tr><td>{}</td><td>{}–{}</td><td>{}</td><td>{}{}</td><td>{}</td></tr>",
                    a.days[s.day].date.format("%a %-d %b %Y"),
                    e.start.format("%H:%M"),
                    e.end.format("%H:%M"),
                    esc(&s.title),
                    esc(&e.what),
                    facilitator.unwrap_or_default(),
                    esc(&e.room)
                );
            }
            body.push_str("</table>\n");
            if !any {
                body.push_str("<p>No sessions in this plan.</p>\n");
            }
            let _ = writeln!(
                body,
                "<p class=\"note\">Times are local ({}).</p>",
                esc(a.time_zone.name())
            );
            out.insert(file, page(&format!("{} – {}", a.name, p.id), &body));
        }
        index.push_str("</ul>\n");
    }
    out.insert("index.html".into(), page(&a.name, &index));

    for (file, title, body) in [
        ("tables.html", "table plans", table_plans(plan)),
        ("rota.html", "facilitator rota", rota_page(plan)),
        ("run-sheet.html", "speaker run-sheet", run_sheet(plan)),
    ] {
        out.insert(file.into(), page(&format!("{}: {title}", a.name), &body));
    }
    out
}

/// A member's name and id, escaped.
fn person_name(plan: &Plan, i: usize) -> String {
    let p = &plan.people[i];
    if p.name.is_empty() {
        esc(&p.id)
    } else {
        format!("{} ({})", esc(&p.name), esc(&p.id))
    }
}

/// The table plans, one section (and printed page) per round.
fn table_plans(plan: &Plan) -> String {
    let a = plan.assembly;
    let mut body = format!("<h1>{}: table plans</h1>\n", esc(&a.name));
    body.push_str(&held_note(plan));
    for (r, &s) in plan.rounds.iter().enumerate() {
        if plan.held(s).is_some() {
            continue;
        }
        let x = &a.sessions[s];
        let _ = writeln!(
            body,
            "<section>\n<h2>Round {}: {} – {}</h2>\n<div class=\"tables\">",
            r + 1,
            esc(&x.title),
            esc(&a.when(s))
        );
        for (t, members) in plan.seating.tables(r).iter().enumerate() {
            let _ = writeln!(
                body,
                "<div class=\"card\"><h3>Table {} <span class=\"note\">{}</span></h3>",
                t + 1,
                esc(&plan.table_room(s, t))
            );
            if let Some(rota) = &plan.rota {
                for (label, post) in [
                    ("Facilitator", rota.table[r].get(t)),
                    ("Note-taker", rota.note[r].get(t)),
                ] {
                    if let Some(Some(f)) = post {
                        let _ = writeln!(body, "<p>{label}: {}</p>", staff(plan, *f));
                    }
                }
            }
            body.push_str("<ol>\n");
            for &m in members {
                let p = &plan.people[m];
                let f = flags(p);
                let _ = writeln!(
                    body,
                    "<li>{}{}</li>",
                    person_name(plan, m),
                    if f.is_empty() {
                        String::new()
                    } else {
                        format!(" <span class=\"note\">{}</span>", esc(&f))
                    }
                );
            }
            body.push_str("</ol></div>\n");
        }
        body.push_str("</div>\n</section>\n");
    }
    body
}

/// The facilitator rota: per round the lead and each table's facilitator
/// and note-taker.
fn rota_page(plan: &Plan) -> String {
    let a = plan.assembly;
    let mut body = format!("<h1>{}: facilitator rota</h1>\n", esc(&a.name));
    body.push_str(&held_note(plan));
    if let Some(rota) = &plan.rota {
        let most = rota.table.iter().map(Vec::len).max().unwrap_or(0);
        body.push_str("<table>\n<tr><th>Round</th><th>Session</th><th>Lead</th>");
        for t in 0..most {
            let _ = write!(body, "<th>Table {}</th>", t + 1);
        }
        body.push_str("</tr>\n");
        let name = |f: Option<usize>| f.map_or("—".to_string(), |f| staff(plan, f));
        for (r, &s) in plan.rounds.iter().enumerate() {
            if plan.held(s).is_some() {
                continue;
            }
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td>",
                r + 1,
                esc(&a.when(s)),
                name(rota.lead[r])
            );
            for t in 0..most {
                let cell = match (rota.table[r].get(t), rota.note[r].get(t)) {
                    (Some(f), Some(Some(n))) => format!(
                        "{}<br><span class=\"note\">notes: {}</span>",
                        name(*f),
                        staff(plan, *n)
                    ),
                    (Some(f), _) => name(*f),
                    _ => String::new(),
                };
                let _ = write!(body, "<td>{cell}</td>");
            }
            body.push_str("</tr>\n");
        }
        body.push_str("</table>\n");
    } else {
        body.push_str("<p>No facilitators file was given.</p>\n");
    }
    body
}

/// The speakers' running order per plenary.
pub fn run_sheet(plan: &Plan) -> String {
    let a = plan.assembly;
    let mut body = format!("<h1>{}: speaker run-sheet</h1>\n", esc(&a.name));
    body.push_str(&held_note(plan));
    if let Some(prog) = &plan.programme {
        let slots = programme::slots(&plan.programme_problem(), prog);
        for s in a
            .plenaries()
            .into_iter()
            .filter(|&s| plan.held(s).is_none())
        {
            let here: Vec<&programme::Slot> = slots.iter().filter(|x| x.session == s).collect();
            let _ = writeln!(
                body,
                "<h2>{} – {} <span class=\"note\">{}</span></h2>",
                esc(&a.sessions[s].title),
                esc(&a.when(s)),
                esc(&a.place(s))
            );
            if here.is_empty() {
                body.push_str("<p>No speakers.</p>\n");
                continue;
            }
            body.push_str("<table>\n<tr><th>Time</th><th>Speaker</th><th>Topic</th><th>Perspective</th><th>Minutes</th></tr>\n");
            for x in here {
                let c = &plan.contributions[x.contribution];
                let who = if c.name.is_empty() {
                    esc(&c.speaker)
                } else {
                    format!("{} ({})", esc(&c.name), esc(&c.speaker))
                };
                let _ = writeln!(
                    body,
                    "<tr><td>{}–{}</td><td>{who}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    x.start.format("%H:%M"),
                    x.end.format("%H:%M"),
                    esc(&c.topic),
                    esc(&c.perspective.describe()),
                    c.minutes
                );
            }
            body.push_str("</table>\n");
        }
    } else {
        body.push_str("<p>No speakers file was given.</p>\n");
    }
    body
}

/// On a re-plan's pages: the sessions already held are not repeated
/// (their pages are in the earlier plan, which is kept).
fn held_note(plan: &Plan) -> String {
    match (&plan.previous, plan.assembly.sessions.get(plan.from)) {
        (Some(_), Some(first)) if plan.from > 0 => format!(
            "<p class=\"note\">Re-planned from {} ({}): the sessions before it were held as the earlier plan's pages show.</p>\n",
            esc(&first.title),
            esc(&plan.assembly.when(plan.from))
        ),
        _ => String::new(),
    }
}

/// A facilitator for a page: "Name (id)", or the id.
pub(super) fn staff(plan: &Plan, f: usize) -> String {
    let x = &plan.facilitators[f];
    if x.name.is_empty() {
        esc(&x.id)
    } else {
        format!("{} ({})", esc(&x.name), esc(&x.id))
    }
}

pub(super) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}
