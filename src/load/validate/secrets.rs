//! Secrets: resolved from the profile, the environment or a file, and checked to be usable.
use super::env::Env;
use crate::diagnostic::Problems;
use crate::load::{profile, read};
use crate::model::Secret;

/// Resolves a secret and checks it is usable: printable ASCII (the JKS format and the
/// product's config parsers mangle anything else) and at least `min_len` characters.
pub(super) fn secret(
    s: &profile::Secret,
    key: &str,
    min_len: usize,
    env: &Env,
    pr: &mut Problems,
) -> Secret {
    let Some(value) = resolve(s, key, env, pr) else {
        return Secret::new(String::new());
    };
    if !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        pr.push(key, "contains characters other than printable ASCII", "use printable ASCII characters only (Java keystores and Carbon's config readers mangle the rest)");
    } else if value.len() < min_len {
        // The 6 of keystore passwords is Java keytool's minimum (docs/unsourced-rules.md).
        let why = if min_len >= 6 {
            " (Java refuses shorter keystore passwords)"
        } else {
            ""
        };
        pr.push(
            key,
            format!("is shorter than {min_len} characters{why}"),
            format!("use at least {min_len} printable ASCII characters"),
        );
    }
    Secret::new(value)
}

/// The value of a secret, or `None` (with its problem) when its source cannot be read.
fn resolve(s: &profile::Secret, key: &str, env: &Env, pr: &mut Problems) -> Option<String> {
    match s {
        profile::Secret::Literal(v) => Some(v.clone()),
        profile::Secret::Env(var) => {
            let v = (env.var)(var);
            if v.is_none() {
                pr.push(
                    key,
                    format!("environment variable `{var}` is not set"),
                    format!("export {var} before running kmgen, or give the secret another way"),
                );
            }
            v
        }
        profile::Secret::File(file) => {
            let path = env.base_dir.join(file);
            match read::read_regular_text(&path, read::MAX_INPUT_BYTES) {
                Ok(v) => Some(v.trim_end_matches(['\n', '\r']).to_string()),
                Err(e) => {
                    pr.push(
                        key,
                        format!("cannot read secret file `{}`: {e}", path.display()),
                        if e.kind() == std::io::ErrorKind::InvalidInput {
                            "give a regular file of at most 1 MiB (relative to the profile) that holds only the secret"
                        } else {
                            "give a readable file (relative to the profile) that holds only the secret"
                        },
                    );
                    None
                }
            }
        }
    }
}
