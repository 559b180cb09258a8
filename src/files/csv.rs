//! CSV documents built in memory, in the one dialect every output uses.

/// A CSV document built in memory with the csv crate (comma-delimited,
/// `\n` line ends, quoting only where needed).
pub struct CsvDoc {
    writer: csv::Writer<Vec<u8>>,
}

impl Default for CsvDoc {
    fn default() -> Self {
        CsvDoc {
            writer: csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(Vec::new()),
        }
    }
}

impl CsvDoc {
    pub fn record<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        self.writer
            .write_record(cells)
            .expect("writing CSV to memory cannot fail");
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.writer
            .into_inner()
            .expect("flushing CSV to memory cannot fail")
    }
}
