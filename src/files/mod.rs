//! Files: reading CSV tables, building CSV documents, and reading and
//! writing files and directories on disk. The only part of the library that
//! touches the file system, apart from `steps`, which names the files of
//! each organiser action.

pub mod csv;
pub mod dir;
pub mod sheets;
pub mod table;
pub mod workbook;
