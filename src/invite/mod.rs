//! Stage one: the invitation lottery. Letters go to addresses drawn at
//! random from a register, stratified (region × deprivation, say), in a
//! way anyone can check: the plan, the strata and the frame's pseudonyms
//! are committed before a public seed exists, and each stratum then takes
//! the addresses with the smallest tickets (docs/draw-spec.md, "The
//! invitation draw"). Later rounds top up without changing earlier
//! letters. Codes printed on the letters link the volunteers who answer
//! to their letter (stage two's pool check).
//!
//! Domain only: plan, allocation, frame, draw, codes, bundle files and
//! their verification. The steps in [`crate::steps::invite`] put them
//! together; reading the register has two engines (see [`frame`]).

pub mod allocate;
pub mod bundle;
pub mod code;
pub mod draw;
pub mod frame;
pub mod plan;
pub mod replies;
pub mod verify;

pub use draw::Drawn;

/// An address's pseudonym (16 bytes; 32 hex digits in files).
pub type Pseudonym = [u8; 16];

/// Label of the pseudonym key (also the auditor's key for stage one).
pub const PSEUDONYM_LABEL: &str = "kleroterion/invite-pseudonym/v1";
/// Label of the invitation codes' key (never given to anyone).
pub const CODE_LABEL: &str = "kleroterion/invite-code/v1";
