//! The reports people look at: report.html for select (every algorithm,
//! LEGACY included), checked for content (one bar per value with the right
//! counts, one curve point per person, labels and text alternatives, no
//! personal data, the same bytes twice) and rendered in headless Chromium
//! at A4 width (not blank, nothing cut off).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{data_dir, kleroterion, read_csv, read_quotas, scratch};

/// `select` on data/ with `extra` arguments, into `out`.
pub fn select_data(out: &Path, extra: &[&str]) {
    let d = data_dir();
    let pool = d.join("pool.csv");
    let quotas = d.join("quotas.csv");
    let mut args = vec![
        "select",
        "--pool",
        pool.to_str().unwrap(),
        "--quotas",
        quotas.to_str().unwrap(),
        "-k",
        "110",
        "--address-columns",
        "address_line_1,postcode",
        "--seed",
        "example seed",
        "-q",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let r = kleroterion(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// The `data-NAME` attributes of the elements of `class` in `html`, in
/// order: one map per element.
fn marks(html: &str, tag: &str, class: &str) -> Vec<HashMap<String, String>> {
    let open = format!("<{tag} class=\"{class}\"");
    html.match_indices(&open)
        .map(|(at, _)| {
            let end = at + html[at..].find('>').unwrap();
            let element = &html[at..end];
            let mut out = HashMap::new();
            for part in element.split(" data-").skip(1) {
                let (name, rest) = part.split_once("=\"").unwrap();
                let value = &rest[..rest.find('"').unwrap()];
                out.insert(name.to_string(), value.replace("&amp;", "&"));
            }
            out
        })
        .collect()
}

/// Panel counts per (category, value), lower-cased, from selected.csv.
fn panel_counts(out: &Path, quotas: &Path) -> Vec<u32> {
    let (header, rows) = read_csv(&out.join("selected.csv"));
    let h: Vec<String> = header.iter().map(|s| s.to_lowercase()).collect();
    read_quotas(quotas)
        .iter()
        .map(|(cat, val, _, _)| {
            let c = h.iter().position(|x| x == cat).unwrap();
            rows.iter()
                .filter(|r| r[c].trim().to_lowercase() == *val)
                .count() as u32
        })
        .collect()
}

#[test]
fn the_selection_report_shows_composition_chances_and_reasons() {
    let dir = scratch("report-html");
    let out = dir.join("a");
    select_data(&out, &["--compare-legacy", "200"]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let quotas = data_dir().join("quotas.csv");
    let q = read_quotas(&quotas);

    // One panel bar, one pool bar and one quota band per value, in quota
    // order, with the counts of selected.csv, the pool and the quotas.
    let panel = marks(&html, "rect", "panel");
    let pool = marks(&html, "rect", "pool");
    let band = marks(&html, "rect", "band");
    assert_eq!(panel.len(), q.len());
    assert_eq!(pool.len(), q.len());
    let counts = panel_counts(&out, &quotas);
    let (header, people) = read_csv(&data_dir().join("pool.csv"));
    for (i, (cat, val, min, max)) in q.iter().enumerate() {
        assert_eq!(panel[i]["value"].to_lowercase(), *val);
        assert_eq!(panel[i]["count"], counts[i].to_string(), "{cat}={val}");
        assert_eq!(band[i]["min"], min.to_string());
        assert_eq!(band[i]["max"], max.to_string());
        let c = header.iter().position(|h| h == cat).unwrap();
        let in_pool = people
            .iter()
            .filter(|r| r[c].to_lowercase() == *val)
            .count();
        assert_eq!(pool[i]["count"], in_pool.to_string(), "{cat}={val}");
    }
    // The curve has one point per volunteer, for LEXIMIN and for LEGACY.
    for class in ["chance", "legacy"] {
        let curve = marks(&html, "polyline", class);
        assert_eq!(curve.len(), 1, "{class}");
        assert_eq!(curve[0]["points"], "500");
        let at = html.find(&format!("<polyline class=\"{class}\"")).unwrap();
        let points = &html[at..];
        let points = &points[points.find(" points=\"").unwrap() + 9..];
        let points = &points[..points.find('"').unwrap()];
        assert_eq!(points.split(' ').count(), 500, "{class}");
    }
    assert!(html.contains("k/n = 22.00%"));
    // Every chart has a text alternative; categories are labelled.
    let charts = html.matches("<svg ").count();
    assert_eq!(charts, 7, "six categories and the curve");
    assert_eq!(html.matches("role=\"img\"").count(), charts);
    assert_eq!(html.matches("<desc id=").count(), charts);
    for cat in [
        "gender",
        "age",
        "education",
        "region",
        "climate_concern",
        "ethnicity",
    ] {
        assert!(html.contains(&format!("<h3>{cat}</h3>")), "{cat}");
    }
    // The summary and the explanations, with numbers that agree with the
    // private lookup table.
    assert!(html.contains("the lowest is 11.81% (shared by 425 people)"));
    assert!(html.contains("The lowest chance: 425 of 500 people at 11.81%"));
    assert!(html.contains("Near-certain: 35 people"));
    assert!(html.contains("but the quota allows at most 40 of the 110 seats"));
    assert!(html.contains("in 200 seeded draws of the Sortition Foundation"));
    let (eh, rows) = read_csv(&out.join("explanations.csv"));
    assert_eq!(eh, ["id", "probability", "group", "reason"]);
    assert_eq!(rows.len(), 500);
    assert_eq!(rows.iter().filter(|r| r[2] == "lowest chance").count(), 425);
    assert_eq!(rows.iter().filter(|r| r[2] == "near-certain").count(), 35);
    // No personal data: no id, name, e-mail or address of anyone.
    let cols = ["id", "first_name", "last_name", "email", "address_line_1"];
    for r in &people {
        for c in cols {
            let v = &r[header.iter().position(|h| h == c).unwrap()];
            assert!(
                !html.contains(&format!(">{v}<")) && !html.contains(&format!("\"{v}\"")),
                "{c} {v} in report.html"
            );
        }
    }
    assert!(!html.contains("@example.org"));
    // Input files by name only: no folder of the organiser's.
    assert!(html.contains("Pool:   pool.csv (500 people"));
    assert!(!html.contains(data_dir().to_str().unwrap()));
    // Self-contained: no script, nothing fetched.
    assert!(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"));
    assert!(!html.contains("src="));

    // The same inputs give the same bytes.
    let again = dir.join("b");
    select_data(&again, &["--compare-legacy", "200"]);
    assert_eq!(
        html,
        std::fs::read_to_string(again.join("report.html")).unwrap()
    );
}

#[test]
fn every_algorithm_writes_both_reports() {
    let dir = scratch("report-algorithms");
    for algorithm in ["maximin", "nash", "goldilocks", "legacy"] {
        let out = dir.join(algorithm);
        select_data(&out, &["--algorithm", algorithm]);
        let text = std::fs::read_to_string(out.join("report.txt")).unwrap();
        let html = std::fs::read_to_string(out.join("report.html")).unwrap();
        assert!(text.contains("sha256"), "{algorithm}");
        assert!(text.contains("example seed"), "{algorithm}");
        assert!(
            html.contains("SHA-256 of the volunteers file"),
            "{algorithm}"
        );
        assert_eq!(marks(&html, "rect", "panel").len(), 24, "{algorithm}");
    }
    let legacy = std::fs::read_to_string(dir.join("legacy/report.html")).unwrap();
    assert!(legacy.contains("nobody can be told theirs"));
    assert!(
        !legacy.contains("<polyline"),
        "no chances without a comparison"
    );
}

pub fn chromium() -> Option<String> {
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .find(|b| {
        Command::new(b)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
    .map(|b| b.to_string())
}

/// Renders `page` in headless Chromium at A4 width (210 mm at 96 dpi: 794
/// px) and returns what a probe script found: the page's width against
/// the window's, elements sticking out on the right, and how many charts
/// have a drawn size. The probe is added to a copy, never to the report.
pub fn render_at_a4(browser: &str, page: &Path, work: &Path) -> String {
    let html = std::fs::read_to_string(page).unwrap();
    let probe = r#"<script>
window.addEventListener('load', () => {
  const w = document.documentElement.clientWidth;
  const out = [];
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect();
    if (r.right > w + 1 && getComputedStyle(e).display !== 'none') out.push(e.tagName + '.' + e.className.baseVal + e.className);
  }
  const drawn = [...document.querySelectorAll('svg')].filter(s => s.getBoundingClientRect().width > 100 && s.getBoundingClientRect().height > 20).length;
  const text = document.body.innerText.trim().length;
  const p = document.createElement('pre');
  p.id = 'probe';
  p.textContent = 'PROBE scroll=' + document.documentElement.scrollWidth + ' client=' + w + ' drawn=' + drawn + ' text=' + text + ' over=' + out.slice(0, 5).join(',') + ' END';
  document.body.appendChild(p);
});
</script>"#;
    let copy = work.join(format!(
        "probe-{}",
        page.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&copy, html.replace("</body>", &format!("{probe}</body>"))).unwrap();
    let profile: PathBuf = work.join("chromium-profile");
    let dom = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--window-size=794,1123",
            &format!("--user-data-dir={}", profile.display()),
            "--dump-dom",
            &format!("file://{}", copy.display()),
        ])
        .output()
        .expect("chromium runs");
    let text = String::from_utf8_lossy(&dom.stdout);
    let at = text
        .find("<pre id=\"probe\">PROBE")
        .map(|a| a + 16)
        .unwrap_or_else(|| {
            panic!(
                "the probe did not run: {}",
                String::from_utf8_lossy(&dom.stderr)
            )
        });
    text[at..at + text[at..].find("END").unwrap()].to_string()
}

/// Asserts a probe result: nothing wider than the page, `charts` charts
/// drawn, and text on the page.
pub fn assert_fits(probe: &str, charts: usize, what: &str) {
    let field = |name: &str| -> String {
        let at = probe.find(&format!("{name}=")).unwrap() + name.len() + 1;
        probe[at..].split(' ').next().unwrap().to_string()
    };
    assert_eq!(
        field("scroll"),
        field("client"),
        "{what} is wider than A4: {probe}"
    );
    assert_eq!(field("over"), "", "{what}: elements cut off: {probe}");
    assert_eq!(field("drawn"), charts.to_string(), "{what}: {probe}");
    assert!(
        field("text").parse::<usize>().unwrap() > 200,
        "{what} is blank: {probe}"
    );
}

#[test]
fn the_selection_reports_render_at_a4_width_in_chromium() {
    let Some(browser) = chromium() else {
        eprintln!(
            "SKIPPED: no chromium on this machine (install the chromium package to run this test)"
        );
        return;
    };
    let dir = scratch("report-chromium");
    let out = dir.join("leximin");
    select_data(&out, &["--compare-legacy", "50"]);
    let probe = render_at_a4(&browser, &out.join("report.html"), &dir);
    assert_fits(&probe, 7, "the LEXIMIN report");
    let out = dir.join("legacy");
    select_data(&out, &["--algorithm", "legacy"]);
    let probe = render_at_a4(&browser, &out.join("report.html"), &dir);
    assert_fits(&probe, 6, "the LEGACY report");
}

#[test]
fn the_lottery_page_is_checked_by_verify_and_reveals_no_pseudonym() {
    let dir = scratch("lottery-page");
    let (pool, quotas) = crate::common::small_pool(&dir);
    let bundle = dir.join("bundle");
    let b = bundle.to_str().unwrap();
    let r = kleroterion(&crate::common::lottery_args(&pool, &quotas, "8", b));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let page = std::fs::read_to_string(bundle.join("report.html")).unwrap();
    let commitment = std::fs::read_to_string(bundle.join("commitment.txt")).unwrap();
    let commitment = commitment.trim().rsplit(' ').next().unwrap();
    assert_eq!(commitment.len(), 64);
    assert!(page.contains(commitment));
    assert!(page.contains("The panel will be one of 100 panels"));
    // One curve point per person; one pool bar per quota value.
    let curve = marks(&page, "polyline", "chance");
    assert_eq!(curve[0]["points"], "60");
    assert_eq!(
        marks(&page, "rect", "pool").len(),
        read_quotas(Path::new(&quotas)).len()
    );
    // No pseudonym of pool.csv appears.
    let (_, rows) = read_csv(&bundle.join("pool.csv"));
    for r in &rows {
        assert!(!page.contains(&r[0]), "{} in report.html", r[0]);
    }
    let verify = |b: &Path| kleroterion(&["verify", b.to_str().unwrap()]);
    let r = verify(&bundle);
    assert!(
        r.stdout
            .contains("report.html are exactly as the tool writes them"),
        "{}",
        r.stdout
    );
    // A page that says something else fails verify.
    let tampered = page.replacen(
        "The panel will be one of 100 panels",
        "The panel will be one of 10 panels",
        1,
    );
    std::fs::write(bundle.join("report.html"), tampered).unwrap();
    let page_of_checks = dir.join("verify.html");
    let r = kleroterion(&[
        "verify",
        bundle.to_str().unwrap(),
        "--html",
        page_of_checks.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 9, "{}", r.stdout);
    // The verification page: the verdict, one row per check printed, each
    // with what it means.
    let checks_page = std::fs::read_to_string(&page_of_checks).unwrap();
    assert!(checks_page.contains("<p class=\"summary fail\">FAILED: 1 of"));
    let printed = r
        .stdout
        .lines()
        .filter(|l| {
            l.starts_with("PASS ") || l.starts_with("FAIL stage") || l.starts_with("NOT CHECKED ")
        })
        .count();
    assert_eq!(checks_page.matches("<tr><td class=").count(), printed);
    assert!(checks_page.contains("nobody chose it"));
    assert!(checks_page.contains("<td class=\"fail\">FAIL</td>"));
    assert!(
        r.stdout.contains("FAIL stage 0 form (") && r.stdout.contains("report.html"),
        "{}",
        r.stdout
    );
    // A page written by another version is not compared: NOT CHECKED, not
    // PASS (its words may differ while every file is the same). The
    // manifest names another version; commitment.txt is recomputed.
    let other = dir.join("other-version");
    std::fs::create_dir_all(&other).unwrap();
    let mut files = std::collections::BTreeMap::new();
    for name in kleroterion::audit::bundle::COMMITTED_FILES {
        let mut bytes = std::fs::read(bundle.join(name)).unwrap();
        if name == "manifest.json" {
            let text = String::from_utf8(bytes).unwrap();
            let tool = format!("kleroterion {}", env!("CARGO_PKG_VERSION"));
            assert!(text.contains(&tool));
            bytes = text.replace(&tool, "kleroterion 0.0.9").into_bytes();
        }
        std::fs::write(other.join(name), &bytes).unwrap();
        files.insert(name.to_string(), bytes);
    }
    std::fs::write(
        other.join("commitment.txt"),
        kleroterion::audit::bundle::commitment_txt(&files),
    )
    .unwrap();
    std::fs::write(other.join("report.html"), "<p>anything at all</p>").unwrap();
    let r = verify(&other);
    assert!(
        r.stdout.contains("NOT CHECKED stage 0 form (") && r.stdout.contains("not compared"),
        "{}",
        r.stdout
    );
    assert_ne!(r.code, 0, "{}", r.stdout);
    // It is optional: a bundle published without it verifies as before.
    std::fs::remove_file(bundle.join("report.html")).unwrap();
    let r = verify(&bundle);
    assert!(!r.stdout.contains("FAIL"), "{}", r.stdout);
    std::fs::write(bundle.join("report.html"), page).unwrap();

    if let Some(browser) = chromium() {
        let probe = render_at_a4(&browser, &bundle.join("report.html"), &dir);
        // The curve and the three categories of the small pool.
        assert_fits(&probe, 4, "the lottery page");
        let probe = render_at_a4(&browser, &page_of_checks, &dir);
        assert_fits(&probe, 0, "the verification page");
    } else {
        eprintln!("SKIPPED (the Chromium part): no chromium on this machine");
    }
}

#[test]
fn the_plan_report_draws_tables_rota_and_programme_and_member_pages_link_their_calendar() {
    let dir = scratch("plan-report");
    let out = dir.join("plan");
    let assembly = data_dir().join("assembly/assembly.toml");
    let r = kleroterion(&[
        "plan",
        assembly.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let page = std::fs::read_to_string(out.join("plan-report.html")).unwrap();
    // One circle per table per round, one dot per seat, as in seating.csv.
    let (h, seats) = read_csv(&out.join("seating.csv"));
    let (rc, tc) = (
        h.iter().position(|x| x == "round").unwrap(),
        h.iter().position(|x| x == "table").unwrap(),
    );
    let mut tables: Vec<(String, String)> = seats
        .iter()
        .map(|s| (s[rc].clone(), s[tc].clone()))
        .collect();
    tables.sort();
    tables.dedup();
    assert_eq!(
        page.matches("<circle class=\"table\"").count(),
        tables.len()
    );
    assert_eq!(
        page.matches("<circle class=\"member\"").count(),
        seats.len()
    );
    // One bar per session of the assembly file; the rota grid.
    let sessions = std::fs::read_to_string(&assembly)
        .unwrap()
        .matches("[[sessions]]")
        .count();
    assert_eq!(marks(&page, "rect", "session").len(), sessions);
    assert!(page.contains("<caption>Who facilitates each table in each round"));
    assert!(!page.contains("<script"));
    // A member's page: the venue, their table's facilitator, and a link to
    // their calendar file, which exists.
    let member = std::fs::read_to_string(out.join("html/member-M007.html")).unwrap();
    assert!(
        member.contains("Venue: Riverside Community Centre"),
        "{member}"
    );
    assert!(member.contains("(facilitator: "), "{member}");
    let link = member
        .split("href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert!(out.join("html").join(link).is_file(), "{link}");
    if let Some(browser) = chromium() {
        let probe = render_at_a4(&browser, &out.join("plan-report.html"), &dir);
        let rounds = tables
            .iter()
            .map(|t| &t.0)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        let days = std::fs::read_to_string(&assembly)
            .unwrap()
            .matches("[[days]]")
            .count();
        assert_fits(&probe, rounds + days, "the plan report");
    } else {
        eprintln!("SKIPPED (the Chromium part): no chromium on this machine");
    }
}

/// The lived-experience recipe of the user guide (section 8), run as
/// written: eligibility as a quota, 259 of 300 on no panel, the eligible
/// between 16.67% and 50%, and the reasons the guide gives.
#[test]
fn the_lived_experience_recipe_holds() {
    let dir = scratch("recipe");
    let d = dir.to_str().unwrap();
    let r = kleroterion(&[
        "synth",
        "--n",
        "300",
        "-k",
        "10",
        "--categories",
        "7",
        "--seed",
        "renters panel",
        "--out",
        d,
        "-q",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let quotas = crate::common::write(
        &dir,
        "quotas-panel.csv",
        b"category,value,min,max\nhousing,Private renter,10,10\nhousing,Owner,0,0\nhousing,Social renter,0,0\n\
gender,Female,4,6\ngender,Male,4,6\ngender,Non-binary or other,0,1\n\
age,16-29,1,3\nage,30-44,2,4\nage,45-59,1,3\nage,60+,2,4\n",
    );
    let pool = format!("{d}/pool.csv");
    let out = dir.join("out");
    let inputs = [
        "--pool",
        &pool,
        "--quotas",
        &quotas,
        "-k",
        "10",
        "--address-columns",
        "address_line_1,postcode",
        "-q",
    ];
    let seed = [
        "--seed",
        "renters 2027-02-03",
        "--out",
        out.to_str().unwrap(),
    ];
    let r = kleroterion(&[&["select"][..], &inputs, &seed].concat());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("lowest chance 16.67% (24 people)"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("highest 50.00%"), "{}", r.stdout);
    let (_, rows) = read_csv(&out.join("explanations.csv"));
    assert_eq!(
        rows.iter()
            .filter(|r| r[2] == "no chance (fits no panel)")
            .count(),
        259
    );
    let young = rows.iter().find(|r| r[1].starts_with("0.5")).unwrap();
    assert!(young[3].contains("at least 1 of the 10 seats"), "{young:?}");
    let old = rows.iter().find(|r| r[2] == "lowest chance").unwrap();
    assert!(
        old[3].contains("\"60+\"") && old[3].contains("at most 4 of the 10 seats"),
        "{old:?}"
    );
    let r = kleroterion(&[&["check"][..], &inputs].concat());
    assert!(
        r.stdout
            .contains("259 people cannot sit on any feasible panel"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("… and 239 more"), "{}", r.stdout);
}

#[test]
fn the_plan_pictures_are_coloured_by_the_chosen_column() {
    let dir = scratch("colour-by");
    let src = data_dir().join("assembly");
    for e in std::fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    let toml = std::fs::read_to_string(dir.join("assembly.toml")).unwrap();
    let with = |colour: &str| {
        let t = toml.replacen(
            "[seating]\n",
            &format!("[seating]\ncolour_by = \"{colour}\"\n"),
            1,
        );
        std::fs::write(dir.join("assembly.toml"), t).unwrap();
        let out = dir.join(format!("plan-{colour}"));
        let r = kleroterion(&[
            "plan",
            dir.join("assembly.toml").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ]);
        (r, out)
    };
    let (r, out) = with("age");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let page = std::fs::read_to_string(out.join("plan-report.html")).unwrap();
    assert!(page.contains("Members coloured by age:"), "the legend");
    assert!(
        page.contains(" 16-29</title></circle>"),
        "a member's tooltip names their value"
    );
    let (r, _) = with("shoe size");
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(
        r.stderr.contains("seating.colour_by") && r.stderr.contains("shoe size"),
        "{}",
        r.stderr
    );
}
