//! kmgen: one TOML profile in, a complete WSO2 API-M 2.6.0 + IS-KM 5.7.0 bundle out.
//!
//! The pipeline, one module per phase, each importing only the ones above it:
//! `model` (the validated deployment: types, secrets) → `diagnostic` (problems and how they
//! are shown) → `topology` (shared facts: products, ports, load balancers, gateway manager) →
//! `load` (read TOML, `profile` → `validate` → `model`) → `plan` (model → every output file
//! of the bundle, typed; pure) → `render` (Tera templates, README, database scripts) →
//! `pki` + `keystore` (keys, certificates, JKS / PKCS12 stores) → `error` (a command's
//! errors) → `bundle` (bytes for each planned output, manifest, atomic write) → `cli` →
//! `tools` (schema, init, completions, man) → `run` (the commands). `cargo test --test it
//! architecture` checks the order.
pub mod model;
pub mod diagnostic;
pub mod topology;
pub mod load;
pub mod plan;
pub mod render;
pub mod pki;
pub mod keystore;
pub mod error;
pub mod bundle;
pub mod cli;
pub mod tools;
pub mod run;
