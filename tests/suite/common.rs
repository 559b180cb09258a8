//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A pool where p1 fits on no feasible panel of 2 under
/// [`UNSELECTABLE_QUOTAS`]: one woman and one man, one young and one old, so
/// p1 (a young woman) would need an old man, and there is none.
pub const UNSELECTABLE_POOL: &[u8] = b"id,gender,age\np1,f,young\np2,f,old\np3,m,young\n";
pub const UNSELECTABLE_QUOTAS: &[u8] =
    b"feature,value,min,max\ngender,f,1,1\ngender,m,1,1\nage,young,1,1\nage,old,1,1\n";

/// Output of one CLI run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the kleroterion binary with these arguments.
pub fn kleroterion(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_kleroterion"))
        .args(args)
        .output()
        .expect("the binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A fresh empty directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `bytes` to `dir/name` and returns the path as a string.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_string_lossy().into_owned()
}

/// The shared benchmark instances, or None (with a message) when absent.
pub fn shared_instances() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/instances");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!(
            "SKIPPED: {} is absent; tests on the shared benchmark instances did not run",
            p.display()
        );
        None
    }
}

/// The bundled example data directory.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// Reads a CSV written by the tool: header and rows.
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// Reads a quotas file in any of the three dialects into
/// (category, value, min, max), lower-cased, independently of the library.
pub fn read_quotas(path: &Path) -> Vec<(String, String, u32, u32)> {
    let (header, rows) = read_csv(path);
    let h: Vec<String> = header.iter().map(|s| s.trim().to_lowercase()).collect();
    let col = |n: &str| h.iter().position(|x| x == n);
    let (c, v) = match (col("category"), col("feature"), col("value"), col("name")) {
        (Some(c), Some(f), _, _) => (c, f),
        (None, Some(f), Some(v), _) => (f, v),
        (Some(c), None, _, Some(n)) => (c, n),
        _ => panic!("unknown quota header"),
    };
    let (lo, hi) = (col("min").unwrap(), col("max").unwrap());
    rows.iter()
        .map(|r| {
            (
                r[c].trim().to_lowercase(),
                r[v].trim().to_lowercase(),
                r[lo].trim().parse().unwrap(),
                r[hi].trim().parse().unwrap(),
            )
        })
        .collect()
}

/// Recounts a selected.csv against the quotas file and checks the size;
/// panics naming the broken quota.
pub fn assert_meets_quotas(selected: &Path, quotas: &Path, k: usize) {
    let (header, rows) = read_csv(selected);
    assert_eq!(rows.len(), k, "panel size");
    let h: Vec<String> = header.iter().map(|s| s.trim().to_lowercase()).collect();
    for (cat, val, min, max) in read_quotas(quotas) {
        let c = h.iter().position(|x| *x == cat).expect("category column");
        let count = rows
            .iter()
            .filter(|r| r[c].trim().to_lowercase() == val)
            .count() as u32;
        assert!(
            (min..=max).contains(&count),
            "{cat}={val}: {count} outside {min}..{max}"
        );
    }
}

/// Asserts that no two selected people share the normalised address.
pub fn assert_one_per_household(selected: &Path, address_columns: &[&str]) {
    let (header, rows) = read_csv(selected);
    let idx: Vec<usize> = address_columns
        .iter()
        .map(|a| header.iter().position(|h| h == a).unwrap())
        .collect();
    let mut seen = std::collections::HashSet::new();
    for r in &rows {
        let key: Vec<String> = idx
            .iter()
            .map(|&i| {
                r[i].to_lowercase()
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        if key.iter().all(String::is_empty) {
            continue;
        }
        assert!(
            seen.insert(key.clone()),
            "two panel members live at {key:?}"
        );
    }
}

/// A small synthetic pool (60 volunteers, 3 categories, quotas for a panel
/// of 8) written into `dir`; returns the pool and quotas paths.
pub fn small_pool(dir: &Path) -> (String, String) {
    let d = dir.to_str().unwrap();
    let r = kleroterion(&[
        "synth",
        "--n",
        "60",
        "-k",
        "8",
        "--categories",
        "3",
        "--out",
        d,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    (format!("{d}/pool.csv"), format!("{d}/quotas.csv"))
}

/// `select` on [`small_pool`]'s files (panel of 8, seed "s", households
/// by address) writing `out`, with `extra` arguments (the algorithm…).
pub fn select_small(pool: &str, quotas: &str, out: &Path, extra: &[&str]) -> Run {
    let out = out.to_string_lossy();
    let mut args = vec![
        "select",
        "--pool",
        pool,
        "--quotas",
        quotas,
        "-k",
        "8",
        "--address-columns",
        "address_line_1,postcode",
        "--seed",
        "s",
        "-q",
        "--out",
        &out,
    ];
    args.extend_from_slice(extra);
    kleroterion(&args)
}

/// `lottery` arguments for a lottery of 100 panels of `k` with a text seed
/// rule, writing `bundle`.
pub fn lottery_args<'a>(
    pool: &'a str,
    quotas: &'a str,
    k: &'a str,
    bundle: &'a str,
) -> Vec<&'a str> {
    vec![
        "lottery",
        "--pool",
        pool,
        "--quotas",
        quotas,
        "-k",
        k,
        "--panels",
        "100",
        "-q",
        "--seed-format",
        "text",
        "--seed-source",
        "event",
        "--bundle",
        bundle,
    ]
}
