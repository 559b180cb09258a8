//! The spreadsheets organisers really have: workbooks (.xlsx, .ods) as
//! inputs, Google-Forms-style headers mapped to categories, quota headers
//! in words, and the same panel as from the hand-made CSV files.

use std::io::Write;
use std::path::Path;

use rust_xlsxwriter::{Format, Workbook};

use crate::common::{read_csv, scratch, select_small, small_pool, write};

/// The ids in a selection's selected.csv.
fn selected_ids(out: &Path) -> Vec<String> {
    let (header, rows) = read_csv(&out.join("selected.csv"));
    let id = header.iter().position(|h| h == "id").expect("an id column");
    rows.into_iter().map(|r| r[id].clone()).collect()
}

/// A pool and quotas written as a Google Forms export would have them:
/// a timestamp first, questions as headers, "Climate-style" spacing, and
/// quotas in words with bounds like 3.0 and a column naming the question.
fn forms_style(pool: &str, quotas: &str, dir: &Path) -> (String, String) {
    let (header, rows) = read_csv(Path::new(pool));
    let question = |h: &str| match h {
        "gender" => "What is your gender?".to_string(),
        "age" => "What is your age group?".to_string(),
        "education" => "Highest Education".to_string(),
        other => other.to_string(),
    };
    let mut w = csv_writer();
    let mut head = vec!["Timestamp".to_string()];
    head.extend(header.iter().map(|h| question(h)));
    w.write_record(&head).unwrap();
    for (i, r) in rows.iter().enumerate() {
        let mut row = vec![format!("2026/11/{:02} 10:00:00", 1 + i % 28)];
        row.extend(r.iter().cloned());
        w.write_record(&row).unwrap();
    }
    let pool = write(dir, "responses.csv", &w.into_inner().unwrap());
    let (_, qrows) = read_csv(Path::new(quotas));
    let mut w = csv_writer();
    w.write_record(["Category", "Value", "Minimum", "Maximum", "Column"])
        .unwrap();
    for r in &qrows {
        // age is mapped on the command line, gender by the quotas file,
        // education by header matching alone ("Highest Education").
        let column = if r[0] == "gender" {
            question("gender")
        } else {
            String::new()
        };
        let category = if r[0] == "education" {
            "highest_education".to_string()
        } else {
            r[0].clone()
        };
        w.write_record([
            category,
            r[1].clone(),
            format!("{}.0", r[2]),
            r[3].clone(),
            column,
        ])
        .unwrap();
    }
    let quotas = write(dir, "targets.csv", &w.into_inner().unwrap());
    (pool, quotas)
}

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::Writer::from_writer(Vec::new())
}

#[test]
fn a_forms_style_export_selects_the_same_panel_as_the_hand_renamed_files() {
    let dir = scratch("forms");
    let (pool, quotas) = small_pool(&dir);
    let plain = dir.join("plain");
    let r = select_small(&pool, &quotas, &plain, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (fpool, fquotas) = forms_style(&pool, &quotas, &dir);
    let mapped = dir.join("mapped");
    let r = select_small(
        &fpool,
        &fquotas,
        &mapped,
        &["--map", "What is your age group?=age"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(selected_ids(&plain), selected_ids(&mapped));
    let a = std::fs::read_to_string(plain.join("probabilities.csv")).unwrap();
    let b = std::fs::read_to_string(mapped.join("probabilities.csv")).unwrap();
    assert_eq!(a, b, "the same chances, person by person");

    // Without the mapping, the message names the category and the columns
    // there are, and says how to map it.
    let r = select_small(&fpool, &fquotas, &dir.join("unmapped"), &[]);
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(r.stderr.contains("\"age\""), "{}", r.stderr);
    assert!(r.stderr.contains("What is your age group?"), "{}", r.stderr);
    assert!(r.stderr.contains("--map"), "{}", r.stderr);
    // A mapping to a category the quotas do not have is refused.
    let r = select_small(&fpool, &fquotas, &dir.join("wrong"), &["--map", "Q=agee"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("no such category"), "{}", r.stderr);
}

/// Writes `rows` (header first) to a sheet, numbers as numbers except the
/// columns in `as_text`; a merged title row above the header.
fn sheet(book: &mut Workbook, name: &str, rows: &[Vec<String>], as_text: &[&str], title: bool) {
    let s = book.add_worksheet();
    s.set_name(name).unwrap();
    let top = if title {
        s.merge_range(
            0,
            0,
            0,
            4,
            "Exported from the registration form",
            &Format::new(),
        )
        .unwrap();
        2
    } else {
        0
    };
    let text_cols: Vec<usize> = rows[0]
        .iter()
        .enumerate()
        .filter(|(_, h)| as_text.contains(&h.as_str()))
        .map(|(i, _)| i)
        .collect();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (rr, cc) = (top + r as u32, c as u16);
            match cell.parse::<f64>() {
                Ok(x) if r > 0 && !text_cols.contains(&c) => {
                    s.write_number(rr, cc, x).unwrap();
                }
                _ => {
                    s.write_string(rr, cc, cell).unwrap();
                }
            }
        }
    }
}

fn with_header(path: &str) -> Vec<Vec<String>> {
    let (h, rows) = read_csv(Path::new(path));
    std::iter::once(h).chain(rows).collect()
}

#[test]
fn an_xlsx_workbook_with_two_sheets_selects_the_same_panel_as_its_csv_files() {
    let dir = scratch("xlsx");
    let (pool, quotas) = small_pool(&dir);
    let plain = dir.join("plain");
    assert_eq!(select_small(&pool, &quotas, &plain, &[]).code, 0);

    let mut book = Workbook::new();
    // Bounds as numbers except max, stored as text; a title row above the
    // respondents' header; a date column.
    sheet(
        &mut book,
        "Categories",
        &with_header(&quotas),
        &["max"],
        false,
    );
    sheet(&mut book, "Respondents", &with_header(&pool), &[], true);
    let s = book.add_worksheet();
    s.set_name("Notes").unwrap();
    s.write_string(0, 0, "Drawn in public on 8 December")
        .unwrap();
    let book_path = dir.join("assembly.xlsx");
    book.save(&book_path).unwrap();
    let b = book_path.to_string_lossy().into_owned();

    // Each input finds its sheet by name.
    let out = dir.join("from-book");
    let r = select_small(&b, &b, &out, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(selected_ids(&plain), selected_ids(&out));
    let a = std::fs::read_to_string(plain.join("probabilities.csv")).unwrap();
    let c = std::fs::read_to_string(out.join("probabilities.csv")).unwrap();
    assert_eq!(a, c);

    // Named explicitly, after a # or with --sheet.
    let out2 = dir.join("named");
    let r = select_small(
        &b,
        &format!("{b}#Categories"),
        &out2,
        &["--sheet", "Respondents"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(selected_ids(&plain), selected_ids(&out2));

    // A sheet that is not there: the message lists the sheets.
    let r = select_small(&b, &b, &dir.join("nosheet"), &["--sheet", "Volunteers"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("\"Categories\", \"Respondents\", \"Notes\""),
        "{}",
        r.stderr
    );

    // The same workbook renamed .csv is still read as a workbook.
    let renamed = dir.join("assembly.csv");
    std::fs::copy(&book_path, &renamed).unwrap();
    let out3 = dir.join("renamed");
    let r = select_small(
        &format!("{}#Respondents", renamed.display()),
        &b,
        &out3,
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(selected_ids(&plain), selected_ids(&out3));
}

#[test]
fn workbook_cells_read_as_people_see_them() {
    use kleroterion::files::table::Table;
    let dir = scratch("cells");
    let mut book = Workbook::new();
    let s = book.add_worksheet();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    s.write_string(0, 0, "id").unwrap();
    s.write_string(0, 1, "count").unwrap();
    s.write_string(0, 2, "born").unwrap();
    s.write_string(0, 3, "code").unwrap();
    s.write_string(1, 0, "p1").unwrap();
    s.write_number(1, 1, 54.0).unwrap();
    s.write_datetime_with_format(
        1,
        2,
        rust_xlsxwriter::ExcelDateTime::from_ymd(1990, 3, 7).unwrap(),
        &date,
    )
    .unwrap();
    s.write_string(1, 3, "007").unwrap();
    s.write_string(3, 0, "p2").unwrap();
    s.write_number(3, 1, 0.1 + 0.2).unwrap();
    s.write_datetime_with_format(
        3,
        2,
        rust_xlsxwriter::ExcelDateTime::from_hms(9, 30, 0).unwrap(),
        &Format::new().set_num_format("hh:mm"),
    )
    .unwrap();
    // The sheet's name has a # in it: still named after the file and a #.
    s.set_name("Responses #2").unwrap();
    let path = dir.join("cells.xlsx");
    book.save(&path).unwrap();
    let t = Table::read(&path).unwrap();
    assert_eq!(t.header, ["id", "count", "born", "code"]);
    assert_eq!(t.rows.len(), 2, "the blank row is skipped");
    assert_eq!(t.rows[0].cells, ["p1", "54", "1990-03-07", "007"]);
    assert_eq!(t.rows[1].cells, ["p2", "0.3", "09:30:00", ""]);
    let named = Table::read(Path::new(&format!("{}#Responses #2", path.display()))).unwrap();
    assert_eq!(named.rows, t.rows);
    assert_eq!(t.rows[1].line, 4, "rows are numbered as in the sheet");

    // A value right of the last named column is an error naming the row.
    let mut book = Workbook::new();
    let s = book.add_worksheet();
    s.write_string(0, 0, "id").unwrap();
    s.write_string(0, 1, "age").unwrap();
    s.write_string(1, 0, "p1").unwrap();
    s.write_string(1, 1, "16-29").unwrap();
    s.write_string(2, 0, "p2").unwrap();
    s.write_string(2, 2, "stray").unwrap();
    let path = dir.join("stray.xlsx");
    book.save(&path).unwrap();
    let e = Table::read(&path).unwrap_err();
    assert_eq!(e.line, Some(3));
    assert!(e.problem.contains("stray"), "{e}");
}

/// A minimal OpenDocument spreadsheet with one sheet of these rows.
fn ods(rows: &[Vec<String>]) -> Vec<u8> {
    let mut table = String::new();
    for row in rows {
        table.push_str("<table:table-row>");
        for cell in row {
            match cell.parse::<f64>() {
                Ok(x) => table.push_str(&format!(
                    "<table:table-cell office:value-type=\"float\" office:value=\"{x}\"><text:p>{x}</text:p></table:table-cell>"
                )),
                Err(_) => table.push_str(&format!(
                    "<table:table-cell office:value-type=\"string\"><text:p>{}</text:p></table:table-cell>",
                    cell.replace('&', "&amp;").replace('<', "&lt;")
                )),
            }
        }
        table.push_str("</table:table-row>");
    }
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Respondents">{table}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    zip.start_file("META-INF/manifest.xml", stored).unwrap();
    zip.write_all(manifest.as_bytes()).unwrap();
    zip.start_file("content.xml", stored).unwrap();
    zip.write_all(content.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

#[test]
fn an_ods_pool_selects_the_same_panel_as_its_csv() {
    let dir = scratch("ods");
    let (pool, quotas) = small_pool(&dir);
    let plain = dir.join("plain");
    assert_eq!(select_small(&pool, &quotas, &plain, &[]).code, 0);
    let p = write(&dir, "pool.ods", &ods(&with_header(&pool)));
    let out = dir.join("from-ods");
    let r = select_small(&p, &quotas, &out, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(selected_ids(&plain), selected_ids(&out));
}

#[test]
fn a_windows_1252_pool_is_refused_with_its_line_column_value_and_fix() {
    let dir = scratch("cp1252");
    let (pool, quotas) = small_pool(&dir);
    let mut bytes = std::fs::read(&pool).unwrap();
    // "Zoë" in Windows-1252, as Excel's plain "CSV (Comma delimited)" writes it.
    let at = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    let comma = at + bytes[at..].iter().position(|&b| b == b',').unwrap() + 1;
    let end = comma + bytes[comma..].iter().position(|&b| b == b',').unwrap();
    bytes.splice(comma..end, b"Zo\xEB".iter().copied());
    let p = write(&dir, "latin.csv", &bytes);
    let r = select_small(&p, &quotas, &dir.join("out"), &[]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("line 2, column \"first_name\", value \"Zoë\""),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("CSV UTF-8"), "{}", r.stderr);
}

#[test]
fn outputs_for_excel_a_workbook_and_the_european_dialect() {
    use calamine::{Data, Reader};
    let dir = scratch("xlsx-out");
    let (pool, quotas) = small_pool(&dir);
    let plain = dir.join("plain");
    assert_eq!(select_small(&pool, &quotas, &plain, &[]).code, 0);
    let eu = dir.join("eu");
    let r = select_small(
        &pool,
        &quotas,
        &eu,
        &["--xlsx", "--csv-dialect", "excel-semicolon"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);

    // The CSV files: a byte-order mark, semicolons, CRLF, decimal commas;
    // read back, the same table as the standard file.
    let bytes = std::fs::read(eu.join("probabilities.csv")).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBFid;probability\r\n"));
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.lines().nth(1).unwrap().contains(";0,"), "{text}");
    let (h1, r1) = read_csv(&plain.join("selected.csv"));
    let t = kleroterion::files::table::Table::read(&eu.join("selected.csv")).unwrap();
    assert_eq!(t.header, h1);
    assert_eq!(
        t.rows.iter().map(|r| r.cells.clone()).collect::<Vec<_>>(),
        r1
    );

    // The workbook: one sheet per table people open, numbers as numbers.
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(eu.join("selection.xlsx")).unwrap();
    assert_eq!(
        book.sheet_names(),
        ["selected", "remaining", "probabilities", "explanations"]
    );
    let p = book.worksheet_range("probabilities").unwrap();
    let (_, rows) = read_csv(&plain.join("probabilities.csv"));
    assert_eq!(p.height(), rows.len() + 1);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(p.get((i + 1, 0)), Some(&Data::String(row[0].clone())));
        let Some(Data::Float(x)) = p.get((i + 1, 1)) else {
            panic!("probability {} is not a number", i + 1)
        };
        assert!((x - row[1].parse::<f64>().unwrap()).abs() < 1e-12);
    }
    let s = book.worksheet_range("selected").unwrap();
    assert_eq!(s.height(), 9, "a header and 8 members");

    // The same inputs give the same workbook.
    let again = dir.join("again");
    assert_eq!(select_small(&pool, &quotas, &again, &["--xlsx"]).code, 0);
    let again2 = dir.join("again2");
    assert_eq!(select_small(&pool, &quotas, &again2, &["--xlsx"]).code, 0);
    assert_eq!(
        std::fs::read(again.join("selection.xlsx")).unwrap(),
        std::fs::read(again2.join("selection.xlsx")).unwrap()
    );

    // An output in the European dialect is a valid input: seat the panel.
    let seated = dir.join("seated");
    let r = crate::common::kleroterion(&[
        "seat",
        "--members",
        eu.join("selected.csv").to_str().unwrap(),
        "--table-size",
        "4",
        "--rounds",
        "2",
        "--balance",
        "gender",
        "--out",
        seated.to_str().unwrap(),
        "--xlsx",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let book: calamine::Xlsx<_> = calamine::open_workbook(seated.join("seating.xlsx")).unwrap();
    assert!(book.sheet_names().contains(&"seating".to_string()));
}

#[test]
fn a_merged_header_cell_is_named_in_the_error_with_the_fix() {
    use kleroterion::files::table::Table;
    let dir = scratch("merged-header");
    let mut book = Workbook::new();
    let s = book.add_worksheet();
    s.write_string(0, 0, "id").unwrap();
    // "Address" merged over two columns: the second has no name.
    s.merge_range(0, 1, 0, 2, "Address", &Format::new())
        .unwrap();
    s.write_string(0, 3, "age").unwrap();
    for r in 1..4u32 {
        s.write_string(r, 0, format!("p{r}")).unwrap();
        s.write_string(r, 1, "1 Mill Road").unwrap();
        s.write_string(r, 2, "Leeds").unwrap();
        s.write_string(r, 3, "16-29").unwrap();
    }
    let path = dir.join("merged.xlsx");
    book.save(&path).unwrap();
    let e = Table::read(&path).unwrap_err();
    assert_eq!(e.line, Some(1));
    assert!(e.problem.contains("header column 3 has no name"), "{e}");
    assert!(e.hint.contains("merged header cell"), "{e}");
}

#[test]
fn draw_writes_the_private_panel_for_excel_on_request() {
    use calamine::Reader;
    let dir = scratch("draw-xlsx");
    let (pool, quotas) = small_pool(&dir);
    let bundle = dir.join("bundle");
    let b = bundle.to_str().unwrap();
    let r = crate::common::kleroterion(&crate::common::lottery_args(&pool, &quotas, "8", b));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = crate::common::kleroterion(&[
        "draw",
        b,
        "--seed",
        "a public seed",
        "--xlsx",
        "--csv-dialect",
        "excel",
        "-q",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let private = dir.join("bundle-private");
    let book: calamine::Xlsx<_> = calamine::open_workbook(private.join("panel.xlsx")).unwrap();
    assert_eq!(book.sheet_names(), ["selected", "remaining"]);
    assert!(
        std::fs::read(private.join("selected.csv"))
            .unwrap()
            .starts_with(b"\xEF\xBB\xBF")
    );
    // The bundle's own files are never rewritten: verify still passes them.
    let r = crate::common::kleroterion(&["verify", b, "--seed", "a public seed"]);
    assert!(!r.stdout.contains("FAIL"), "{}", r.stdout);
}
