//! Load phase: certificates the operator brings (`cert` and `key` of a node or load
//! balancer), each checked before use with one problem per fault, naming the key and the fix.
use super::chain::{check_chain, describe, rsa_bits};
use super::coverage::{check_names, check_shared_keys};
use super::env::Env;
use crate::diagnostic::Problems;
use crate::load::{net, profile, read};
use crate::model::{Deployment, ProvidedCert, Secret};
use crate::topology::LoadBalancerId;
use rcgen::{KeyPair, PublicKeyData, PKCS_RSA_SHA256};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

/// Every `cert` / `key` pair of the profile: (key path of the table, id, cert, key).
fn pairs(p: &profile::Profile) -> Vec<(String, String, Option<&str>, Option<&str>)> {
    let mut out = Vec::new();
    let lbs = [
        (
            "key_manager.load_balancer",
            LoadBalancerId::KeyManager,
            p.key_manager
                .load_balancer
                .as_ref()
                .map(|l| (&l.cert, &l.key)),
        ),
        (
            "gateway.load_balancer",
            LoadBalancerId::Gateway,
            p.gateway.load_balancer.as_ref().map(|l| (&l.cert, &l.key)),
        ),
        (
            "apim.load_balancer",
            LoadBalancerId::Apim,
            p.apim.load_balancer.as_ref().map(|l| (&l.cert, &l.key)),
        ),
        (
            "traffic_manager.load_balancer",
            LoadBalancerId::TrafficManager,
            p.traffic_manager
                .load_balancer
                .as_ref()
                .map(|l| (&l.cert, &l.key)),
        ),
    ];
    for (table, id, files) in lbs {
        if let Some((cert, key)) = files {
            out.push((
                table.to_string(),
                id.as_str().to_string(),
                cert.as_deref(),
                key.as_deref(),
            ));
        }
    }
    for (i, n) in p.nodes.iter().enumerate() {
        out.push((
            format!("node[{i}]"),
            n.name.clone(),
            n.cert.as_deref(),
            n.key.as_deref(),
        ));
    }
    out
}

/// Reads and checks every pair, then the names each certificate must cover and the keys
/// nodes must share; fills `d.tls.provided`.
pub(super) fn check_provided(
    p: &profile::Profile,
    d: &mut Deployment,
    env: &Env,
    now: OffsetDateTime,
    pr: &mut Problems,
) {
    let mut provided = BTreeMap::new();
    let mut leaves = BTreeMap::new();
    let mut tables = BTreeMap::new();
    for (table, id, cert, key) in pairs(p) {
        let (cert, key) = match (cert, key) {
            (None, None) => continue,
            (Some(_), None) => {
                pr.push(format!("{table}.cert"), "is given without `key`", "add `key = \"<file>.key.pem\"`, the certificate's private key (PKCS#8 PEM), or remove `cert`");
                continue;
            }
            (None, Some(_)) => {
                pr.push(format!("{table}.key"), "is given without `cert`", "add `cert = \"<file>.crt.pem\"`, the certificate with its chain, or remove `key`");
                continue;
            }
            (Some(c), Some(k)) => (c, k),
        };
        let (chain, pc) = read_pair(&table, cert, key, d, env, now, pr);
        if let Some(chain) = chain {
            leaves.insert(id.clone(), chain);
        }
        if let Some(pc) = pc {
            provided.insert(id.clone(), pc);
        }
        tables.insert(id, table);
    }
    check_names(d, &leaves, &tables, pr);
    check_shared_keys(d, &provided, &tables, pr);
    d.tls.provided = provided;
}

fn read_file(
    key: &str,
    file: &str,
    what: &str,
    env: &Env,
    pr: &mut Problems,
) -> Option<(std::path::PathBuf, Vec<u8>)> {
    let path = env.base_dir.join(file);
    match read::read_regular(&path, read::MAX_INPUT_BYTES) {
        Ok(bytes) => Some((path, bytes)),
        Err(e) => {
            pr.push(key, format!("cannot read `{}`: {e}", path.display()), format!("give the path of {what} (a regular file of at most 1 MiB), relative to the profile"));
            None
        }
    }
}

/// The certificate's leaf DER when it parses (its names are checked whatever else is
/// wrong), and the whole pair when nothing is.
fn read_pair(
    table: &str,
    cert: &str,
    key: &str,
    d: &Deployment,
    env: &Env,
    now: OffsetDateTime,
    pr: &mut Problems,
) -> (Option<Vec<u8>>, Option<ProvidedCert>) {
    let (ck, kk) = (format!("{table}.cert"), format!("{table}.key"));
    let Some((cert_path, cert_bytes)) = read_file(&ck, cert, "a PEM certificate file", env, pr)
    else {
        return (None, None);
    };
    let fix = "give a PEM file: the certificate, then each issuer in order";
    let chain = match net::pem_certificates(&cert_bytes) {
        Ok(c) if !c.is_empty() => c,
        Ok(_) => {
            let what = format!(
                "`{}` holds no `BEGIN CERTIFICATE` block",
                cert_path.display()
            );
            pr.push(&ck, what, fix);
            return (None, None);
        }
        Err(e) => {
            let path = cert_path.display();
            pr.push(
                &ck,
                format!("`{path}` is not a readable PEM certificate file: {e}"),
                fix,
            );
            return (None, None);
        }
    };
    let leaf = chain[0].clone();
    let ok = check_cert(&ck, &chain, d, now, pr);
    let Some((key_path, key_pem, spki)) = read_key(&kk, key, env, ok, pr) else {
        return (Some(leaf), None);
    };
    let (_, parsed) = X509Certificate::from_der(&leaf).expect("parsed above");
    if parsed.public_key().raw != spki.as_slice() {
        let what = format!(
            "is not the key of the certificate in `{}` ({})",
            cert_path.display(),
            describe(&parsed)
        );
        let fix =
            "give the private key the certificate was issued on, or the certificate of this key";
        pr.push(&kk, what, fix);
        return (Some(leaf), None);
    }
    let pc = ProvidedCert {
        cert_path,
        key_path,
        chain,
        key_pem,
        spki,
    };
    (Some(leaf), ok.then_some(pc))
}

/// The certificate's own checks: key size, in force at `now`, chain. Whether all pass.
fn check_cert(
    ck: &str,
    chain: &[Vec<u8>],
    d: &Deployment,
    now: OffsetDateTime,
    pr: &mut Problems,
) -> bool {
    let Ok((_, leaf)) = X509Certificate::from_der(&chain[0]) else {
        return false;
    };
    let mut ok = true;
    let (bits, min) = (rsa_bits(&leaf), d.tls.key_bits);
    if bits < min {
        let what = match bits {
            0 => format!("{} is not on an RSA key", describe(&leaf)),
            _ => format!(
                "{} is on an RSA key of {bits} bits, below tls.key_bits ({min})",
                describe(&leaf)
            ),
        };
        pr.push(
            ck,
            what,
            format!(
                "bring a certificate on an RSA key of at least {min} bits (or lower tls.key_bits)"
            ),
        );
        ok = false;
    }
    let validity = leaf.validity();
    if validity.not_after.timestamp() <= now.unix_timestamp() {
        let what = format!("{} expired on {}", describe(&leaf), validity.not_after);
        pr.push(
            ck,
            what,
            "renew the certificate and point `cert` at the new file",
        );
        ok = false;
    } else if validity.not_before.timestamp() > now.unix_timestamp() {
        let what = format!(
            "{} is not valid before {}",
            describe(&leaf),
            validity.not_before
        );
        pr.push(
            ck,
            what,
            "use a certificate already in force, or build later",
        );
        ok = false;
    }
    if let Err(problem) = check_chain(chain, &d.tls, now) {
        pr.push(ck, problem.what, problem.fix);
        ok = false;
    }
    ok
}

/// The key file: its path, PEM (a `Secret`) and public key. Its content never appears in a
/// problem, only its path. A key of a certificate refused already (`cert_ok` false, say
/// for its size) is not reported again when it does not parse.
fn read_key(
    kk: &str,
    key: &str,
    env: &Env,
    cert_ok: bool,
    pr: &mut Problems,
) -> Option<(std::path::PathBuf, Secret, Vec<u8>)> {
    let (key_path, key_bytes) = read_file(kk, key, "a PKCS#8 PEM private key file", env, pr)?;
    let key_pem = String::from_utf8(key_bytes).ok();
    let key_pair = key_pem
        .as_deref()
        .and_then(|pem| KeyPair::from_pkcs8_pem_and_sign_algo(pem, &PKCS_RSA_SHA256).ok());
    let (Some(key_pem), Some(key_pair)) = (key_pem, key_pair) else {
        if cert_ok {
            let what = format!(
                "`{}` is not an unencrypted PKCS#8 RSA private key",
                key_path.display()
            );
            pr.push(kk, what, "convert it with `openssl pkcs8 -topk8 -nocrypt -in <key> -out <key>.pk8.pem` (a `BEGIN PRIVATE KEY` block)");
        }
        return None;
    };
    let spki = key_pair.subject_public_key_info();
    Some((key_path, Secret::new(key_pem), spki))
}
