//! Small in-memory instances for the library's unit tests.

use std::path::Path;

use crate::files::table::Table;
use crate::model::instance::{Inputs, Instance};
use crate::model::quotas::Quotas;

/// An instance from CSV text: a pool, quotas, a panel size and the
/// household columns (files are named pool.csv and quotas.csv in errors).
pub fn instance(pool: &str, quotas: &str, k: usize, address: &[&str]) -> Instance {
    let quotas = Quotas::from_table(
        &Table::parse(Path::new("quotas.csv"), quotas.as_bytes()).expect("quotas table"),
    )
    .expect("quotas");
    let table = Table::parse(Path::new("pool.csv"), pool.as_bytes()).expect("pool table");
    let inputs = Inputs {
        pool: "pool.csv".into(),
        quotas: "quotas.csv".into(),
        k,
        id_column: None,
        address_columns: address.iter().map(|s| s.to_string()).collect(),
        columns: Vec::new(),
    };
    Instance::from_parts(table, quotas, &inputs)
        .expect("instance")
        .0
}

/// Twelve people over gender and age, two of them (p1, p2) sharing an
/// address; panels of 4 with two of each gender and at least one of each
/// age group.
pub fn twelve() -> Instance {
    let mut pool = String::from("id,gender,age,street\n");
    let rows = [
        ("p1", "f", "young", "a"),
        ("p2", "m", "young", "a"),
        ("p3", "f", "old", "b"),
        ("p4", "m", "old", "c"),
        ("p5", "f", "young", "d"),
        ("p6", "m", "old", "e"),
        ("p7", "f", "old", "f"),
        ("p8", "m", "young", "g"),
        ("p9", "f", "young", "h"),
        ("p10", "m", "old", "i"),
        ("p11", "f", "old", "j"),
        ("p12", "m", "young", "k"),
    ];
    for (id, g, a, s) in rows {
        pool.push_str(&format!("{id},{g},{a},{s}\n"));
    }
    instance(
        &pool,
        "feature,value,min,max\ngender,f,2,2\ngender,m,2,2\nage,young,1,3\nage,old,1,3\n",
        4,
        &["street"],
    )
}
