//! Keys phase: generating the missing RSA key pairs on every core.
//!
//! A key's time is a random prime search. Workers take the keys largest first; a worker
//! that finds none left joins the search for a key still being generated, and the first
//! pair found is kept. Each search tries fresh random candidates (aws-lc's
//! `generate_prime` draws a new `BN_rand` on every try:
//! `aws-lc-sys@0.47.0:aws-lc/crypto/fipsmodule/rsa/rsa_impl.c`), so how long a search
//! took says nothing of the pair it found: the kept pair is as random as any other. The
//! search that lost is left to end on its own (its thread is detached and its pair
//! dropped), so no build waits for the slowest search of its last key. A worker joining a
//! search runs at the lowest priority: it takes only a core that neither the other searches
//! nor the rest of the build (rendering, writing, and the stores once the keys are found)
//! want.
use super::error::PkiError;
use super::material::KeyMaterial;
use super::specs::rsa_size;
use crate::plan::KeySpec;
use rcgen::{KeyPair, PKCS_RSA_SHA256};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

/// Which keys are waiting, being searched (and by how many workers), and found.
struct Board {
    /// Key sizes, by index.
    bits: Vec<u32>,
    /// Not started yet, largest first.
    waiting: Vec<usize>,
    searchers: Vec<usize>,
    found: Vec<bool>,
}

impl Board {
    /// The next key for a free worker: a waiting one, else the unfound key with the fewest
    /// searchers (the largest among them), and whether it joins a search under way; `None`
    /// when every key is found.
    fn next(&mut self) -> Option<(usize, u32, bool)> {
        let i = if self.waiting.is_empty() {
            (0..self.bits.len())
                .filter(|&i| !self.found[i])
                .min_by_key(|&i| (self.searchers[i], std::cmp::Reverse(self.bits[i])))?
        } else {
            self.waiting.remove(0)
        };
        self.searchers[i] += 1;
        Some((i, self.bits[i], self.searchers[i] > 1))
    }
}

/// Generates the keys of `specs` on one worker per core; the pairs in the order of `specs`.
pub(super) fn generate_keys(specs: &[&KeySpec]) -> Result<Vec<(String, KeyMaterial)>, PkiError> {
    let bits: Vec<u32> = specs.iter().map(|s| s.bits).collect();
    let mut waiting: Vec<usize> = (0..specs.len()).collect();
    waiting.sort_by_key(|&i| std::cmp::Reverse(bits[i]));
    let board = Arc::new(Mutex::new(Board {
        searchers: vec![0; specs.len()],
        found: vec![false; specs.len()],
        bits,
        waiting,
    }));
    let (tx, rx) = mpsc::channel();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    for _ in 0..cores.min(specs.len()) {
        let (board, tx) = (Arc::clone(&board), tx.clone());
        std::thread::spawn(move || work(&board, &tx));
    }
    drop(tx);
    let mut keys: Vec<Option<Result<KeyMaterial, String>>> = specs.iter().map(|_| None).collect();
    for _ in 0..specs.len() {
        let (i, key) = rx
            .recv()
            .expect("a worker sends every key it is the first to find");
        keys[i] = Some(key);
    }
    specs
        .iter()
        .zip(keys)
        .map(|(spec, key)| {
            let id = spec.id.clone();
            match key.expect("every key received") {
                Ok(k) => Ok((id, k)),
                Err(reason) => Err(PkiError::KeyGeneration { id, reason }),
            }
        })
        .collect()
}

/// One worker: searches keys until every key is found; sends each key it finds first.
fn work(board: &Mutex<Board>, tx: &mpsc::Sender<(usize, Result<KeyMaterial, String>)>) {
    loop {
        let next = board.lock().expect("no worker panics holding it").next();
        let Some((i, bits, joins)) = next else { return };
        if joins {
            // A second search only speeds up a key when a core is idle: it yields to the
            // build's other work (rendering, writing), and to the key's first search.
            yield_to_others();
        }
        let key = generate_key(bits);
        let first = {
            let mut b = board.lock().expect("no worker panics holding it");
            b.searchers[i] -= 1;
            !std::mem::replace(&mut b.found[i], true)
        };
        // The build may have ended already (a later search of a found key): then nobody
        // listens, and the pair is dropped.
        if first && tx.send((i, key)).is_err() {
            return;
        }
    }
}

/// Lowers this thread's scheduling priority to the lowest (Linux schedules threads one by
/// one: `setpriority(2)` on the thread id). Elsewhere, nothing.
fn yield_to_others() {
    #[cfg(target_os = "linux")]
    // SAFETY: gettid and setpriority take no pointers; a failure leaves the priority as it was.
    unsafe {
        let tid = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 19);
    }
}

fn generate_key(bits: u32) -> Result<KeyMaterial, String> {
    let size = rsa_size(bits).ok_or("unsupported key size")?;
    let key_pair = KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, size).map_err(|e| e.to_string())?;
    KeyMaterial::from_key_pair(key_pair)
}
