//! One file per command: its clap arguments and its `run`, which converts
//! the arguments once into library values, calls the library and prints.

pub mod check;
pub mod commit;
pub mod disclose;
pub mod draw;
pub mod explain;
pub mod journal;
pub mod substitute;
pub mod synth;
pub mod verify;
