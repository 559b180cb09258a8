//! The architecture invariants of docs/ARCHITECTURE.md that a text scan of
//! the sources can check: which folder imports which, and which parts
//! alone touch the solver, the file system, the specified random stream
//! and the command-line parser.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What each top-level part of the library may import (docs/ARCHITECTURE.md,
/// "Code map").
const MAY_IMPORT: &[(&str, &[&str])] = &[
    ("error", &[]),
    ("files", &["error"]),
    ("random", &[]),
    ("solver", &["error"]),
    ("model", &["error", "files"]),
    (
        "selection",
        &["error", "files", "model", "random", "solver"],
    ),
    (
        "audit",
        &[
            "error",
            "files",
            "model",
            "random",
            "report",
            "selection",
            "solver",
        ],
    ),
    (
        "logistics",
        &["error", "files", "model", "random", "solver"],
    ),
    (
        "report",
        &["logistics", "model", "random", "selection", "solver"],
    ),
    ("synth", &["files", "random"]),
    (
        "invite",
        &["audit", "error", "files", "model", "report", "selection"],
    ),
    (
        "steps",
        &[
            "audit",
            "error",
            "files",
            "invite",
            "logistics",
            "model",
            "random",
            "report",
            "selection",
            "solver",
            "synth",
        ],
    ),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every library source file (not the command line), as (path relative
/// to src/, text without `#[cfg(test)] mod tests` blocks and comments).
fn library() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut dirs = vec![src()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                if !p.ends_with("cli") && !p.ends_with("app") {
                    dirs.push(p);
                }
            } else if p.extension().is_some_and(|x| x == "rs")
                && !p.ends_with("main.rs")
                && !p.ends_with("testing.rs")
                && !p.ends_with("audit/tests.rs")
            {
                let text = std::fs::read_to_string(&p).unwrap();
                let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or("");
                let code: String = code
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("//"))
                    .collect::<Vec<_>>()
                    .join("\n");
                let rel = p
                    .strip_prefix(src())
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, code));
            }
        }
    }
    out.sort();
    out
}

/// The top-level part a source file belongs to (`error.rs` → "error",
/// `audit/verify.rs` → "audit").
fn part(rel: &str) -> &str {
    rel.split('/').next().unwrap().trim_end_matches(".rs")
}

#[test]
fn every_part_imports_only_what_the_architecture_allows() {
    let allowed: BTreeMap<&str, BTreeSet<&str>> = MAY_IMPORT
        .iter()
        .map(|(p, may)| (*p, may.iter().copied().collect()))
        .collect();
    let mut broken = Vec::new();
    for (rel, code) in library() {
        let from = part(&rel);
        if from == "lib" {
            continue;
        }
        let Some(may) = allowed.get(from) else {
            broken.push(format!("{rel}: part \"{from}\" is not in the table"));
            continue;
        };
        for (i, _) in code.match_indices("crate::") {
            let to: String = code[i + 7..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            // Root re-exports (crate::Error, crate::Instance, …) are items
            // of error and model.
            let to = match to.as_str() {
                "Error" | "InputError" | "Result" | "Warning" => "error".to_string(),
                "Instance" | "Inputs" | "Pool" | "Quotas" | "Households" | "Panel" => {
                    "model".to_string()
                }
                _ => to,
            };
            if to != from && !to.is_empty() && !may.contains(to.as_str()) {
                broken.push(format!("{rel} imports {to}"));
            }
        }
    }
    broken.sort();
    broken.dedup();
    assert!(
        broken.is_empty(),
        "imports the architecture does not allow (docs/ARCHITECTURE.md, Code map):\n{}",
        broken.join("\n")
    );
}

/// Files of the library whose code mentions any of `needles`.
fn mentioning(needles: &[&str]) -> BTreeSet<String> {
    library()
        .into_iter()
        .filter(|(_, code)| needles.iter().any(|n| code.contains(n)))
        .map(|(rel, _)| rel)
        .collect()
}

#[test]
fn only_the_solver_door_names_the_solver() {
    let found = mentioning(&["good_lp", "highs::", "highs_sys", "clarabel::"]);
    let outside: Vec<&String> = found.iter().filter(|f| !f.starts_with("solver/")).collect();
    assert!(
        outside.is_empty() && !found.is_empty(),
        "LP/MIP and conic work goes through src/solver/ only: {outside:?}"
    );
}

#[test]
fn only_the_draw_module_keys_the_specified_stream() {
    let found = mentioning(&["ChaCha20"]);
    assert_eq!(
        found,
        ["random/draw.rs".to_string()].into_iter().collect(),
        "the stream of docs/draw-spec.md lives in src/random/draw.rs only"
    );
}

#[test]
fn only_files_steps_and_the_private_directory_touch_the_file_system() {
    let found = mentioning(&["std::fs", "fs::read", "fs::write", "File::create"]);
    let allowed: BTreeSet<String> = [
        "audit/private.rs",
        "files/dir.rs",
        "files/table.rs",
        "steps/mod.rs",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let extra: Vec<&String> = found.difference(&allowed).collect();
    assert!(
        extra.is_empty(),
        "file system access outside its parts: {extra:?}"
    );
}

#[test]
fn the_library_knows_no_command_line_parser_and_never_prints() {
    let found = mentioning(&["clap", "println!", "eprintln!", "print!(", "indicatif"]);
    assert!(found.is_empty(), "{found:?}");
}

/// The command line prints only through `cli::output` (`out!`, `outln!`,
/// `errln!`), which never panics on a closed pipe or a full disk.
#[test]
fn the_command_line_prints_only_through_its_output_module() {
    let mut found = Vec::new();
    for e in std::fs::read_dir(src().join("cli")).unwrap() {
        let p = e.unwrap().path();
        if p.ends_with("output.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        for needle in ["println!", "print!(", "eprint", "io::stdout", "io::stderr"] {
            for l in text.lines().filter(|l| {
                !l.trim_start().starts_with("//")
                    && l.contains(needle)
                    && !l.contains("is_terminal")
            }) {
                found.push(format!("{}: {}", p.display(), l.trim()));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

/// Library messages speak in the user's words ("the panel size", "the id
/// column"), never in one front-end's option names: the browser app has
/// none of them. Only the command line names its options.
#[test]
fn the_library_names_no_command_line_option() {
    let mut found = Vec::new();
    for (rel, code) in library() {
        for (i, line) in code.lines().enumerate() {
            let mut quoted = line.split('"').skip(1).step_by(2);
            if quoted.any(|s| {
                s.match_indices("--")
                    .any(|(k, _)| s[k + 2..].starts_with(|c: char| c.is_ascii_lowercase()))
            }) {
                found.push(format!("{rel}:{}: {}", i + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}
