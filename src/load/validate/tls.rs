//! `[tls]`: key alias, key size, validity, store passwords and extra trusted certificates.
use super::env::Env;
use super::secrets::secret;
use super::values::quoted;
use crate::diagnostic::Problems;
use crate::load::{net, profile, read};
use crate::model::{self, ExtraTrusted};

/// The longest `key_alias`. A JKS store keeps an alias as a Java modified-UTF-8 string of at
/// most 65535 bytes, and the product's config files repeat it; 255 is plenty for a name.
const MAX_KEY_ALIAS: usize = 255;

/// kmgen's own limits on what it generates (alias characters, RSA sizes, validity): input checks,
/// not product wiring rules.
pub(super) fn check_tls(t: &profile::Tls, env: &Env, pr: &mut Problems) -> model::Tls {
    let alias_ok = !t.key_alias.is_empty()
        && t.key_alias
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if !alias_ok {
        pr.push(
            "tls.key_alias",
            format!("{} is not a usable key alias", quoted(&t.key_alias)),
            "use letters, digits, `.`, `_` or `-`, e.g. \"wso2carbon\"",
        );
    } else if t.key_alias.len() > MAX_KEY_ALIAS {
        pr.push(
            "tls.key_alias",
            format!("is {} characters long", t.key_alias.len()),
            format!("use at most {MAX_KEY_ALIAS} characters, e.g. \"wso2carbon\""),
        );
    }
    if ![2048, 3072, 4096].contains(&t.key_bits) {
        pr.push(
            "tls.key_bits",
            format!("{} is not a supported RSA key size", t.key_bits),
            "use 2048, 3072 or 4096",
        );
    }
    if !(1..=36500).contains(&t.validity_days) {
        pr.push(
            "tls.validity_days",
            format!("{} days is out of range", t.validity_days),
            "use 1 to 36500 days (the default is 3650)",
        );
    }
    let extra_trusted = t
        .extra_trusted
        .iter()
        .enumerate()
        .filter_map(|(i, file)| extra_trusted(&format!("tls.extra_trusted[{i}]"), file, env, pr))
        .collect();
    model::Tls {
        mode: t.mode,
        format: t.format,
        keystore_password: secret(&t.keystore_password, "tls.keystore_password", 6, env, pr),
        truststore_password: secret(
            &t.truststore_password,
            "tls.truststore_password",
            6,
            env,
            pr,
        ),
        key_alias: t.key_alias.clone(),
        key_bits: t.key_bits,
        validity_days: t.validity_days,
        key_sharing: t.key_sharing,
        public_roots: t.public_roots,
        extra_trusted,
        // Filled by `provided::check_provided`, which needs the nodes and load balancers.
        provided: Default::default(),
    }
}

/// The certificates of one `extra_trusted` PEM file (relative to the profile).
fn extra_trusted(key: &str, file: &str, env: &Env, pr: &mut Problems) -> Option<ExtraTrusted> {
    let path = env.base_dir.join(file);
    let bytes = match read::read_regular(&path, read::MAX_INPUT_BYTES) {
        Ok(bytes) => bytes,
        Err(e) => {
            pr.push(
                key,
                format!("cannot read `{}`: {e}", path.display()),
                if e.kind() == std::io::ErrorKind::InvalidInput {
                    "give a regular PEM certificate file of at most 1 MiB, relative to the profile"
                } else {
                    "give the path of a PEM certificate file, relative to the profile"
                },
            );
            return None;
        }
    };
    let problem = match net::pem_certificates(&bytes) {
        Ok(certificates) if !certificates.is_empty() => {
            return Some(ExtraTrusted { path, certificates })
        }
        Ok(_) => format!("`{}` holds no `BEGIN CERTIFICATE` block", path.display()),
        Err(e) => format!(
            "`{}` is not a readable PEM certificate file: {e}",
            path.display()
        ),
    };
    pr.push(
        key,
        problem,
        "give a PEM file with one or more certificates",
    );
    None
}
