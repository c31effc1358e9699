mod bundle_tls;
mod fidelity;
mod golden;
mod pki;
mod stores;
mod wiring;
