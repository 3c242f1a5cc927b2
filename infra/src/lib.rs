//! What the local server, the table tools and the benchmarks share.

pub mod args;
pub mod load;
pub mod meter;
