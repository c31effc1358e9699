//! kmgen: one TOML profile in, a complete WSO2 API-M 2.6.0 + IS-KM 5.7.0 bundle out.
//!
//! The pipeline, one module per phase:
//! `profile` (read TOML) → `validate` (profile → `model`, every problem at once) →
//! `plan` (model → nodes, wiring, files, certificates; pure) → `render` (Tera, `view`) →
//! `pki` + `keystore` (keys, certificates, JKS / PKCS12 stores) → `bundle` (staging dir,
//! manifest, atomic rename). `databases` writes the database creation script, `readme` the
//! bundle README and the `plan` output.
pub mod bundle;
pub mod cli;
pub mod databases;
pub mod error;
pub mod keystore;
pub mod model;
pub mod net;
pub mod pki;
pub mod plan;
pub mod ports;
pub mod profile;
pub mod readme;
pub mod render;
pub mod run;
pub mod validate;
pub mod view;
pub mod wiring;
