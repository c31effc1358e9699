mod pki;
mod stores;
mod golden;
mod fidelity;
