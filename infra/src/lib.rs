//! What the local server, the table tool and the benchmarks share.

pub mod load;
pub mod meter;
