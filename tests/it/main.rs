//! The integration tests: one module per feature, and `support` for what they share.
mod atomic;
mod bundle_tls;
mod databases;
mod errors;
mod fidelity;
mod fuzz;
mod golden;
mod nginx;
mod pack_files;
mod pki;
mod plan_output;
mod recovery;
mod secrets;
mod stores;
mod support;
mod wiring;
