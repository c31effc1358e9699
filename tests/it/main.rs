mod pki;
mod stores;
mod golden;
