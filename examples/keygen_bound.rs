//! Benchmark helper (not part of kmgen): the key-generation bound of a profile, and the PKI
//! work list the keytool script replays.
//!
//! `keygen_bound PROFILE [ROUNDS]` generates exactly the RSA keys a cold build of PROFILE
//! generates, one after another (after seeding the random generator once, as a build does),
//! ROUNDS times (default 3), and prints the mean of their sum and of the longest key, the
//! cores, and the bound `max(sum / cores, longest)`: no build on this machine can generate
//! its keys faster, if every core searches as fast as one alone. A second line checks that
//! premise: the mean time of a key with every core searching, against alone.
//!
//! `keygen_bound PROFILE --round` prints one round, `sum_ms S longest_ms L`, so that the
//! bench can alternate rounds with cold builds (the host's speed drifts).
//!
//! `keygen_bound PROFILE --kmgen-keys` times kmgen's own key step for the profile (every key
//! generated into an empty folder, on every core, and every certificate issued) and prints
//! `kmgen_keys_ms T`: what a cold build's keys take with nothing else running.
//!
//! `keygen_bound PROFILE --work` prints, one line each, what the keytool script does:
//! `key ID BITS`, `cert ID KEY_ID CN DAYS SAN,SAN...` and `trust NODE CERT_ID` (every
//! certificate of the deployment goes into every node's truststore).
use rcgen::{KeyPair, RsaKeySize, PKCS_ECDSA_P256_SHA256, PKCS_RSA_SHA256};
use std::path::Path;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(profile) = args.first() else {
        eprintln!("usage: keygen_bound PROFILE [ROUNDS | --work]");
        std::process::exit(2);
    };
    let loaded = kmgen::load::load(Path::new(profile)).unwrap_or_else(|e| {
        eprintln!("{profile}: {e}");
        std::process::exit(1)
    });
    let plan = kmgen::plan::plan(&loaded.deployment);
    match args.get(1).map(String::as_str) {
        Some("--work") => return work(&plan),
        Some("--kmgen-keys") => return kmgen_keys(&plan),
        Some("--round") => {
            seed();
            let (sum, longest) = round(&plan);
            println!("sum_ms {sum:.1} longest_ms {longest:.1}");
            return;
        }
        _ => {}
    }
    let rounds: u32 = args
        .get(1)
        .map_or(3, |r| r.parse().expect("ROUNDS is a number"));
    seed();
    let (mut sum, mut longest) = (0.0, 0.0);
    for _ in 0..rounds {
        let (s, l) = round(&plan);
        sum += s;
        longest += l;
    }
    let (sum, longest) = (sum / f64::from(rounds), longest / f64::from(rounds));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let bound = (sum / cores as f64).max(longest);
    let bits: Vec<String> = plan.keys.iter().map(|k| k.bits.to_string()).collect();
    println!(
        "keys {} ({} bits) sum_ms {sum:.1} longest_ms {longest:.1} cores {cores} bound_ms {bound:.1} rounds {rounds}",
        plan.keys.len(),
        bits.join("+")
    );
    // The bound takes every core to search as fast as one alone. The same keys searched on
    // every core at once show whether they do (cores sharing a physical core, or a busy host,
    // do not): the mean time of a key then, against alone.
    let loaded: Vec<f64> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..cores)
            .map(|_| {
                s.spawn(|| {
                    let mut times = Vec::new();
                    for _ in 0..rounds {
                        times.extend(plan.keys.iter().map(|k| key_ms(k.bits)));
                    }
                    times
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a key search"))
            .collect()
    });
    let alone = sum / plan.keys.len() as f64;
    let busy = loaded.iter().sum::<f64>() / loaded.len() as f64;
    println!(
        "per key alone_ms {alone:.1}, with every core searching busy_ms {busy:.1} ({:.2}x)",
        busy / alone
    );
}

/// Seeds the random generator (from the kernel: .cargo/config.toml) before anything is timed.
fn seed() {
    KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("seeding key");
}

/// One round: the profile's keys one after another; the sum of their times and the longest.
fn round(plan: &kmgen::plan::Plan) -> (f64, f64) {
    let times: Vec<f64> = plan.keys.iter().map(|k| key_ms(k.bits)).collect();
    let longest = times.iter().copied().fold(0.0, f64::max);
    (times.iter().sum(), longest)
}

/// How long one RSA key of `bits` takes to generate, in ms.
fn key_ms(bits: u32) -> f64 {
    let size = match bits {
        2048 => RsaKeySize::_2048,
        3072 => RsaKeySize::_3072,
        _ => RsaKeySize::_4096,
    };
    let started = Instant::now();
    KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, size).expect("RSA key");
    started.elapsed().as_secs_f64() * 1000.0
}

/// Times kmgen's key step alone: `pki::load_or_create` from a folder that does not exist.
fn kmgen_keys(plan: &kmgen::plan::Plan) {
    seed();
    let empty = std::env::temp_dir().join(format!("kmgen-bound-{}", std::process::id()));
    let now = time::OffsetDateTime::now_utc();
    let started = Instant::now();
    kmgen::pki::load_or_create(&empty, &plan.keys, &plan.certs, now, false).expect("keys");
    println!(
        "kmgen_keys_ms {:.1}",
        started.elapsed().as_secs_f64() * 1000.0
    );
}

fn work(plan: &kmgen::plan::Plan) {
    for key in &plan.keys {
        println!("key {} {}", key.id, key.bits);
    }
    for c in &plan.certs {
        let sans = c.sans.join(",");
        println!(
            "cert {} {} {} {} {sans}",
            c.id, c.key_id, c.common_name, c.validity_days
        );
    }
    for n in &plan.nodes {
        for c in &plan.certs {
            println!("trust {} {}", n.name, c.id);
        }
    }
}
