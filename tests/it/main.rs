mod pki;
mod stores;
