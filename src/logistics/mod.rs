//! Assembly logistics: the assembly file, the members, the seating rules,
//! table seatings, the facilitator rota, the speaker programme, the plan
//! that joins them, and the exports people open (CSV, calendars, printable
//! pages).

pub mod assembly;
pub mod export;
pub mod members;
pub mod plan;
pub mod programme;
pub mod rota;
pub mod rules;
pub mod seating;
