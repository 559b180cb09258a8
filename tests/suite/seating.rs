//! `kleroterion seat`: table sizes, balance, mixing, hard rules,
//! determinism, re-planning and bad input, checked from the written files.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use crate::common::*;

/// (round, table, id) rows of a seating.csv.
fn seating(dir: &Path) -> Vec<(usize, usize, String)> {
    read_csv(&dir.join("seating.csv"))
        .1
        .into_iter()
        .map(|r| (r[0].parse().unwrap(), r[1].parse().unwrap(), r[2].clone()))
        .collect()
}

/// Per round, per table: members.
fn tables(rows: &[(usize, usize, String)]) -> BTreeMap<usize, BTreeMap<usize, Vec<String>>> {
    let mut out: BTreeMap<usize, BTreeMap<usize, Vec<String>>> = BTreeMap::new();
    for (r, t, id) in rows {
        out.entry(*r)
            .or_default()
            .entry(*t)
            .or_default()
            .push(id.clone());
    }
    out
}

/// Pairs by number of meetings.
fn meetings(rows: &[(usize, usize, String)]) -> HashMap<(String, String), usize> {
    let mut m = HashMap::new();
    for round in tables(rows).values() {
        for table in round.values() {
            for (x, a) in table.iter().enumerate() {
                for b in &table[x + 1..] {
                    let key = if a < b {
                        (a.clone(), b.clone())
                    } else {
                        (b.clone(), a.clone())
                    };
                    *m.entry(key).or_default() += 1;
                }
            }
        }
    }
    m
}

/// Every (round, table, value) count within ⌊q⌋..⌈q⌉ (everyone present).
fn assert_balanced(rows: &[(usize, usize, String)], members: &Path, id: &str, columns: &[&str]) {
    let (header, data) = read_csv(members);
    let idc = header.iter().position(|h| h == id).unwrap();
    let n = data.len() as f64;
    for col in columns {
        let c = header.iter().position(|h| h == col).unwrap();
        let value: HashMap<&str, &str> = data
            .iter()
            .map(|r| (r[idc].as_str(), r[c].as_str()))
            .collect();
        let mut share: HashMap<&str, f64> = HashMap::new();
        for r in &data {
            *share.entry(r[c].as_str()).or_default() += 1.0 / n;
        }
        for (round, ts) in tables(rows) {
            for (t, members) in ts {
                for (v, s) in &share {
                    let q = members.len() as f64 * s;
                    let k = members.iter().filter(|m| value[m.as_str()] == *v).count() as f64;
                    assert!(
                        k >= (q + 1e-9).floor() && k <= (q - 1e-9).ceil(),
                        "round {round} table {t}: {col}={v} count {k}, q {q}"
                    );
                }
            }
        }
    }
}

/// `seat` on a GroupSelect example at the given effort.
fn seat_at(
    effort: &str,
    members: &Path,
    id: &str,
    size: &str,
    rounds: &str,
    cols: &[&str],
    out: &Path,
) {
    let r = kleroterion(&[
        "seat",
        "--members",
        members.to_str().unwrap(),
        "--id-column",
        id,
        "--table-size",
        size,
        "--rounds",
        rounds,
        "--balance",
        &cols.join(","),
        "--effort",
        effort,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn groupselect_example_r1_balanced_and_well_mixed() {
    let Some(shared) = shared_instances() else {
        return;
    };
    let members = shared.join("../groupselect-examples/philipps_example_data.csv");
    let out = scratch("seat-r1");
    let cols = ["gender", "age", "education", "ethnicity", "region"];
    // The default effort, as `seat` runs without --effort.
    let effort = kleroterion::logistics::seating::DEFAULT_EFFORT.to_string();
    seat_at(&effort, &members, "name", "8", "6", &cols, &out);
    let rows = seating(&out);
    assert_eq!(rows.len(), 110 * 6);
    for (round, ts) in tables(&rows) {
        let mut sizes: Vec<usize> = ts.values().map(Vec::len).collect();
        sizes.sort_unstable();
        assert_eq!(sizes, [vec![7; 2], vec![8; 12]].concat(), "round {round}");
        let ids: BTreeSet<&String> = ts.values().flatten().collect();
        assert_eq!(ids.len(), 110, "everyone once in round {round}");
    }
    assert_balanced(&rows, &members, "name", &cols);
    let m = meetings(&rows);
    assert!(m.values().all(|&c| c <= 2), "a pair met more than twice");
    // GroupSelect reaches 57% of the 2,268 possible pairs; issue 5 asks
    // for at least 2,240 (98.8%).
    assert!(m.len() >= 2240, "only {} distinct pairs", m.len());
    let report = std::fs::read_to_string(out.join("seating-report.txt")).unwrap();
    assert!(
        report.contains(&format!("Distinct pairs met: {} of 2268", m.len())),
        "{report}"
    );
    assert!(report.contains("(100.0%); largest deviation 0"), "{report}");
}

#[test]
fn groupselect_example_r2_keeps_the_mixing_skeleton_and_every_band() {
    // Ten tables of ten: the search starts from a repeat-free grid of two
    // orthogonal Latin squares, keeps that mixing skeleton and mends bands
    // by schedule exchanges.
    let Some(shared) = shared_instances() else {
        return;
    };
    let members = shared.join("../groupselect-examples/100i_4j_3k_3d_data.csv");
    let out = scratch("seat-r2");
    let cols = ["gender", "age", "region", "nation"];
    seat_at("5000", &members, "ID", "10", "4", &cols, &out);
    let rows = seating(&out);
    assert_eq!(rows.len(), 100 * 4);
    assert_balanced(&rows, &members, "ID", &cols);
    let m = meetings(&rows);
    assert!(m.values().all(|&c| c <= 2), "a pair met more than twice");
    assert!(m.len() >= 1775, "only {} distinct pairs", m.len());
}

fn members_file(dir: &Path) -> String {
    let mut text = String::from("id,gender,age\n");
    for i in 1..=40 {
        let g = if i % 2 == 0 { "f" } else { "m" };
        let a = ["young", "mid", "old"][i % 3];
        text.push_str(&format!("M{i:02},{g},{a}\n"));
    }
    write(dir, "members.csv", text.as_bytes())
}

fn seat(dir: &Path, members: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "seat",
        "--members",
        members,
        "--table-size",
        "6",
        "--rounds",
        "4",
        "--balance",
        "gender,age",
        "--effort",
        "3000",
        "--out",
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    kleroterion(&args)
}

#[test]
fn hard_rules_hold_and_runs_are_deterministic() {
    let dir = scratch("seat-rules");
    let members = members_file(&dir);
    let constraints = write(
        &dir,
        "constraints.csv",
        b"kind,members,table,rounds\napart,M01 M02 M03,,\ntogether,M04 M05,,\npin,M06,2,\nabsent,M07,,2 3\n",
    );
    let out = dir.join("out");
    let r = seat(&out, &members, &["--constraints", &constraints]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("Unmet rules: none"), "{}", r.stdout);
    let rows = seating(&out);
    let at = |round: usize, id: &str| {
        rows.iter()
            .find(|(r, _, i)| *r == round && i == id)
            .map(|(_, t, _)| *t)
    };
    for round in 1..=4 {
        let apart: BTreeSet<usize> = ["M01", "M02", "M03"]
            .iter()
            .map(|i| at(round, i).unwrap())
            .collect();
        assert_eq!(apart.len(), 3, "apart broken in round {round}");
        assert_eq!(at(round, "M04"), at(round, "M05"), "together broken");
        assert_eq!(at(round, "M06"), Some(2), "pin broken");
    }
    assert!(at(2, "M07").is_none() && at(3, "M07").is_none() && at(1, "M07").is_some());
    // Rounds 2 and 3 seat 39 people: 7 tables of 6/5.
    let t = tables(&rows);
    let sizes: Vec<usize> = t[&2].values().map(Vec::len).collect();
    assert_eq!(sizes.iter().sum::<usize>(), 39);
    assert!(sizes.iter().all(|&s| s == 5 || s == 6), "{sizes:?}");

    let again = dir.join("again");
    assert_eq!(
        seat(&again, &members, &["--constraints", &constraints]).code,
        0
    );
    assert_eq!(
        std::fs::read(out.join("seating.csv")).unwrap(),
        std::fs::read(again.join("seating.csv")).unwrap()
    );
}

#[test]
fn replanning_keeps_fixed_rounds_as_they_were_and_seats_the_withdrawn_no_more() {
    let dir = scratch("seat-replan");
    let members = members_file(&dir);
    let first = dir.join("first");
    assert_eq!(seat(&first, &members, &[]).code, 0);
    // Five members withdraw after round 2.
    let text = std::fs::read_to_string(&members).unwrap();
    let kept: String = text
        .lines()
        .filter(|l| {
            !["M10", "M11", "M12", "M13", "M14"]
                .iter()
                .any(|w| l.starts_with(w))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let fewer = write(&dir, "fewer.csv", kept.as_bytes());
    let second = dir.join("second");
    let previous = first.join("seating.csv");
    let r = seat(
        &second,
        &fewer,
        &[
            "--previous",
            previous.to_str().unwrap(),
            "--fixed-rounds",
            "2",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("Changes from the previous plan"),
        "{}",
        r.stdout
    );
    let after = seating(&second);
    // The withdrawn sit nowhere after the kept rounds ...
    assert!(
        after
            .iter()
            .filter(|(r, _, _)| *r > 2)
            .all(|(_, _, id)| !["M10", "M11", "M12", "M13", "M14"].contains(&id.as_str()))
    );
    // ... and the kept rounds are written again byte for byte, the
    // withdrawn included.
    let kept = |dir: &std::path::Path| -> Vec<String> {
        std::fs::read_to_string(dir.join("seating.csv"))
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("1,") || l.starts_with("2,"))
            .map(String::from)
            .collect()
    };
    assert_eq!(kept(&first), kept(&second), "a kept round was rewritten");
    assert!(kept(&second).iter().any(|l| l.ends_with(",M10")));
    assert_eq!(after.iter().filter(|(r, _, _)| *r == 3).count(), 35);
}

#[test]
fn bad_seating_input_names_file_line_column_and_value() {
    let dir = scratch("seat-bad");
    let members = members_file(&dir);
    let constraints = write(
        &dir,
        "c.csv",
        b"kind,members,table,rounds\napart,M01 X99,,\n",
    );
    let r = seat(&dir.join("o1"), &members, &["--constraints", &constraints]);
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("c.csv, line 2, column \"members\", value \"M01 X99\"")
            && r.stderr.contains("\"X99\" is not a member"),
        "{}",
        r.stderr
    );
    let constraints = write(
        &dir,
        "c2.csv",
        b"kind,members,table,rounds\nnear,M01 M02,,\n",
    );
    let r = seat(&dir.join("o2"), &members, &["--constraints", &constraints]);
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(r.stderr.contains("unknown kind \"near\""), "{}", r.stderr);
    let r = kleroterion(&[
        "seat",
        "--members",
        &members,
        "--table-size",
        "6",
        "--rounds",
        "2",
        "--balance",
        "shoe_size",
        "--out",
        dir.join("o3").to_str().unwrap(),
    ]);
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("the columns to balance include \"shoe_size\""),
        "{}",
        r.stderr
    );
    // A huge table number in a previous plan is an input error, not an
    // allocation.
    let previous = write(&dir, "prev.csv", b"round,table,id\n1,1000000000000,M01\n");
    let r = seat(
        &dir.join("o5"),
        &members,
        &["--previous", &previous, "--fixed-rounds", "1"],
    );
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(
        r.stderr.contains("not a number from 1 to 1"),
        "{}",
        r.stderr
    );
    let constraints = write(&dir, "c3.csv", b"kind,members,table,rounds\npin,M01,99,\n");
    let r = seat(&dir.join("o4"), &members, &["--constraints", &constraints]);
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("rounds 1, 2, 3, 4: line 2 pins to table 99, but the round has"),
        "{}",
        r.stderr
    );
}

/// Rules that cannot hold together are named before any search, with
/// their lines, and the run stops with exit 5 writing nothing.
#[test]
fn contradictory_seating_rules_are_named_before_searching() {
    let dir = scratch("contradictions");
    let members = members_file(&dir);
    let cases: [(&[u8], &str); 5] = [
        (
            b"kind,members,table,rounds\ntogether,M01 M02,,\napart,M02 M01,,\n",
            "line 3 keeps apart members that the rules on lines 2 keep together",
        ),
        (
            b"kind,members,table,rounds\ntogether,M01 M02 M03,,\ntogether,M03 M04 M05 M06 M07 M08 M09,,\n",
            "the rules on lines 2, 3 keep 9 members together, but the largest table seats 6",
        ),
        (
            b"kind,members,table,rounds\ntogether,M01 M02,,\npin,M01,1,\npin,M02,2,\n",
            "lines 3 and 4 pin members kept together (lines 2) to tables 1 and 2",
        ),
        (
            b"kind,members,table,rounds\nabsent,M05,,1\npin,M05,1,\n",
            "round 1: line 3 pins a member who is absent that round",
        ),
        (
            b"kind,members,table,rounds\npin,M01 M02 M03 M04 M05 M06 M07 M08 M09,1,\n",
            "the pins put 9 members at table 1, which seats 6",
        ),
    ];
    let mut cases = cases.to_vec();
    cases.push((
        b"kind,members,table,rounds\napart,M01 M02 M03 M04 M05 M06 M07 M08,,2\n",
        "round 2: line 2 keeps 8 members apart, but the round has 7 tables",
    ));
    for (i, (rules, says)) in cases.iter().enumerate() {
        let constraints = write(&dir, &format!("c{i}.csv"), rules);
        let out = dir.join(format!("o{i}"));
        let r = seat(&out, &members, &["--constraints", &constraints]);
        assert_eq!(r.code, 5, "{}", r.stderr);
        assert!(r.stderr.contains(says), "{says}:\n{}", r.stderr);
        assert!(!out.exists(), "nothing is written");
    }
    // Rules that pass those checks but cannot all hold (three members
    // pairwise apart at two tables): the seating is written, the unmet rule
    // named, and the exit code is 11.
    let rules = write(
        &dir,
        "triangle.csv",
        b"kind,members,table,rounds\napart,M01 M02,,\napart,M02 M03,,\napart,M01 M03,,\n",
    );
    let out = dir.join("triangle");
    let r = kleroterion(&[
        "seat",
        "--members",
        &members,
        "--table-size",
        "20",
        "--rounds",
        "2",
        "--effort",
        "300",
        "--constraints",
        &rules,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 11, "{}{}", r.stdout, r.stderr);
    assert!(out.join("seating.csv").is_file());
    let report = std::fs::read_to_string(out.join("seating-report.txt")).unwrap();
    assert!(report.contains("Unmet rules"), "{report}");
}

#[test]
fn rota_staffs_every_table_honours_availability_and_reports_goals() {
    let dir = scratch("rota");
    let members = members_file(&dir);
    let plan = dir.join("plan");
    assert_eq!(seat(&plan, &members, &[]).code, 0);
    // 7 tables per round; 8 table facilitators (F8 only in rounds 1 and 2),
    // two leads, no note-takers.
    let mut fac = String::from("id,role,rounds\n");
    for i in 1..=7 {
        fac.push_str(&format!("F{i},table,\n"));
    }
    fac.push_str("F8,table,1 2\nL1,lead,1 3\nL2,lead,2 4\n");
    let fac = write(&dir, "facilitators.csv", fac.as_bytes());
    let out = dir.join("rota");
    let r = kleroterion(&[
        "rota",
        "--seating",
        plan.join("seating.csv").to_str().unwrap(),
        "--facilitators",
        &fac,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (_, rows) = read_csv(&out.join("rota.csv"));
    for round in 1..=4 {
        let r = round.to_string();
        let leads: Vec<&Vec<String>> = rows
            .iter()
            .filter(|x| x[0] == r && x[2] == "lead")
            .collect();
        assert_eq!(leads.len(), 1);
        let expected = if round % 2 == 1 { "L1" } else { "L2" };
        assert_eq!(leads[0][3], expected, "lead availability");
        let staff: Vec<&str> = rows
            .iter()
            .filter(|x| x[0] == r && x[2] == "table")
            .map(|x| x[3].as_str())
            .collect();
        assert_eq!(staff.len(), 7, "one facilitator per table");
        let distinct: BTreeSet<&str> = staff.iter().copied().collect();
        assert_eq!(distinct.len(), 7, "nobody at two tables");
        if round > 2 {
            assert!(!staff.contains(&"F8"), "F8 is unavailable in round {round}");
        }
    }
    // The repeats reported are those of the files.
    let seats = seating(&plan);
    let at: HashMap<(usize, usize), String> = rows
        .iter()
        .filter(|x| x[2] == "table")
        .map(|x| ((x[0].parse().unwrap(), x[1].parse().unwrap()), x[3].clone()))
        .collect();
    let mut met: HashMap<(String, String), usize> = HashMap::new();
    for (round, table, id) in &seats {
        *met.entry((id.clone(), at[&(*round, *table)].clone()))
            .or_default() += 1;
    }
    let repeats: usize = met.values().map(|c| c - 1).sum();
    assert!(
        r.stdout.contains(&format!(
            "Repeated member–facilitator meetings: {repeats}\n"
        )),
        "{repeats}: {}",
        r.stdout
    );
    assert!(repeats <= 40, "{repeats} repeats for 40 members");

    let bad = write(&dir, "bad.csv", b"id,role,rounds\nF1,chair,\n");
    let r = kleroterion(&[
        "rota",
        "--seating",
        plan.join("seating.csv").to_str().unwrap(),
        "--facilitators",
        &bad,
        "--out",
        dir.join("r2").to_str().unwrap(),
    ]);
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("bad.csv, line 2, column \"role\", value \"chair\""),
        "{}",
        r.stderr
    );
}
