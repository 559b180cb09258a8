//! The model of a selection: the volunteer pool, the quotas, households,
//! the instance they make together (the one input of every algorithm), the
//! profiles of interchangeable people, and a panel with its independent
//! quota check.

pub mod households;
pub mod instance;
pub mod panel;
pub mod pool;
pub mod profiles;
pub mod quotas;

#[cfg(test)]
pub(crate) mod testing;
