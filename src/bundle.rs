//! Write phase: keys, stores, rendered files, README and manifest into a staging folder,
//! then one rename into `OUT/<name>/`. A failed build leaves the previous bundle as it was.
use crate::error::Error;
use crate::keystore::{self, StoreFormat};
use crate::model::StoreFormat as ProfileFormat;
use crate::pki::{self, Pki, PkiReport};
use crate::plan::Plan;
use crate::render::Renderer;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fs;
use std::path::{Path, PathBuf};

/// Present in every bundle kmgen writes; only such a folder is replaced without `--force`.
pub const MARKER: &str = ".kmgen-bundle";

pub struct Options<'a> {
    pub out_dir: &'a Path,
    pub force: bool,
    pub rotate_keys: bool,
    pub now: time::OffsetDateTime,
    /// Digest of the profile file, for the manifest.
    pub profile_digest: String,
}

pub struct Built {
    pub path: PathBuf,
    pub files: usize,
    pub pki: PkiReport,
}

/// One output file, in memory until the whole bundle is ready.
struct OutFile {
    path: String,
    bytes: Vec<u8>,
    node: Option<String>,
    kind: &'static str,
    private: bool,
}

#[derive(Serialize)]
struct Manifest<'a> {
    tool: &'static str,
    version: &'static str,
    deployment: &'a str,
    pattern: &'static str,
    profile_sha256: &'a str,
    files: Vec<ManifestEntry<'a>>,
}

#[derive(Serialize)]
struct ManifestEntry<'a> {
    path: &'a str,
    sha256: String,
    node: Option<&'a str>,
    kind: &'a str,
}

pub fn build(plan: &Plan, renderer: &Renderer, opts: &Options) -> Result<Built, Error> {
    let target = opts.out_dir.join(&plan.deployment.name);
    if target.exists() && !target.join(MARKER).exists() && !opts.force {
        return Err(Error::NotOurs { path: target });
    }
    let (pki, report) = pki::load_or_create(
        &target.join("pki"),
        &plan.keys,
        &plan.certs,
        opts.now,
        opts.rotate_keys,
    )?;
    let mut files = render_nodes(plan, renderer)?;
    files.extend(stores(plan, &pki, &target)?);
    files.extend(pki_files(&pki));
    files.extend(load_balancer_files(plan, renderer, &pki)?);
    if let Some((path, sql)) =
        crate::databases::script(&plan.deployment.name, &plan.deployment.database)
    {
        files.push(OutFile {
            path,
            bytes: sql.into_bytes(),
            node: None,
            kind: "database-script",
            private: true,
        });
    }
    files.push(OutFile {
        path: "README.md".into(),
        bytes: crate::readme::render(plan).into_bytes(),
        node: None,
        kind: "readme",
        private: false,
    });
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let manifest = manifest(plan, &files, &opts.profile_digest);
    files.push(OutFile {
        path: "manifest.json".into(),
        bytes: manifest,
        node: None,
        kind: "manifest",
        private: false,
    });
    files.push(OutFile {
        path: MARKER.into(),
        bytes: b"kmgen\n".to_vec(),
        node: None,
        kind: "marker",
        private: false,
    });
    let count = files.len();
    write_atomically(opts.out_dir, &target, plan, &files)?;
    Ok(Built {
        path: target,
        files: count,
        pki: report,
    })
}

fn render_nodes(plan: &Plan, renderer: &Renderer) -> Result<Vec<OutFile>, Error> {
    let mut out = Vec::new();
    for n in &plan.nodes {
        for f in &n.files {
            out.push(OutFile {
                path: format!("nodes/{}/{}", n.name, f.output),
                bytes: renderer.render(&f.template, &n.view)?.into_bytes(),
                node: Some(n.name.clone()),
                kind: "config",
                private: false,
            });
        }
    }
    Ok(out)
}

fn store_format(f: ProfileFormat) -> StoreFormat {
    match f {
        ProfileFormat::Jks => StoreFormat::Jks,
        ProfileFormat::Pkcs12 => StoreFormat::Pkcs12,
    }
}

/// Every node's keystore, and the truststore they all share: every certificate of the
/// deployment, the load balancers', `extra_trusted`, and the Mozilla roots on request.
fn stores(plan: &Plan, pki: &Pki, previous: &Path) -> Result<Vec<OutFile>, Error> {
    let d = &plan.deployment;
    let format = store_format(d.tls.format);
    let mut trusted: Vec<(String, Vec<u8>)> = Vec::new();
    for (id, cert) in pki.certs() {
        trusted.push((id.to_string(), cert.der.clone()));
    }
    for (i, extra) in d.tls.extra_trusted.iter().enumerate() {
        for (j, der) in extra.certificates.iter().enumerate() {
            trusted.push((format!("extra-{i}-{j}"), der.clone()));
        }
    }
    if d.tls.public_roots {
        trusted.extend(keystore::mozilla_roots());
    }
    let first = plan
        .nodes
        .first()
        .map(|n| n.name.clone())
        .unwrap_or_default();
    let truststore = keystore::trust_store(format, &trusted, d.tls.truststore_password.expose())
        .map_err(|source| Error::Store {
            node: first,
            what: "truststore",
            source,
        })?;
    let mut out = Vec::new();
    for n in &plan.nodes {
        let cert = pki.cert(&n.name).expect("planned certificate");
        let key = pki.key(&n.key_id).expect("planned key");
        let ks = keystore::key_store(
            format,
            &d.tls.key_alias,
            key.pkcs8_der(),
            &cert.der,
            d.tls.keystore_password.expose(),
        )
        .map_err(|source| Error::Store {
            node: n.name.clone(),
            what: "keystore",
            source,
        })?;
        let ks_path = format!("nodes/{}/{}", n.name, n.keystore_file);
        let ts_path = format!("nodes/{}/{}", n.name, n.truststore_file);
        let ks_password = d.tls.keystore_password.expose();
        let ts_password = d.tls.truststore_password.expose();
        out.push(OutFile {
            bytes: keep_unchanged(format, ks, &previous.join(&ks_path), ks_password),
            path: ks_path,
            node: Some(n.name.clone()),
            kind: "keystore",
            private: true,
        });
        out.push(OutFile {
            bytes: keep_unchanged(
                format,
                truststore.clone(),
                &previous.join(&ts_path),
                ts_password,
            ),
            path: ts_path,
            node: Some(n.name.clone()),
            kind: "truststore",
            private: false,
        });
    }
    Ok(out)
}

/// Stores carry random salts, so two builds of the same content differ byte for byte. When
/// the previous bundle's store opens with the same password to exactly the same entries,
/// its bytes are kept: a rebuild of an unchanged profile reproduces the bundle.
fn keep_unchanged(format: StoreFormat, new: Vec<u8>, previous: &Path, password: &str) -> Vec<u8> {
    let Ok(old) = fs::read(previous) else {
        return new;
    };
    match (
        keystore::decode(format, &old, password),
        keystore::decode(format, &new, password),
    ) {
        (Ok(a), Ok(b)) if a == b => old,
        _ => new,
    }
}

fn pki_files(pki: &Pki) -> Vec<OutFile> {
    let mut out = Vec::new();
    for (id, key) in pki.keys() {
        out.push(OutFile {
            path: format!("pki/keys/{id}.key.pem"),
            bytes: key.pem().as_bytes().to_vec(),
            node: None,
            kind: "private-key",
            private: true,
        });
    }
    for (id, cert) in pki.certs() {
        out.push(OutFile {
            path: format!("pki/certs/{id}.crt.pem"),
            bytes: cert.pem.as_bytes().to_vec(),
            node: None,
            kind: "certificate",
            private: false,
        });
    }
    out
}

/// `load-balancer/<id>.conf` (nginx) for each load balancer, with `ssl/<id>.crt` and `.key`
/// (its own certificate and key) and `ssl/<id>.backends.crt` (the certificates of the nodes
/// behind it, which nginx verifies).
fn load_balancer_files(plan: &Plan, renderer: &Renderer, pki: &Pki) -> Result<Vec<OutFile>, Error> {
    let mut out = Vec::new();
    for lb in &plan.load_balancers {
        let view = crate::plan::nginx_view(&plan.deployment, lb);
        out.push(OutFile {
            path: format!("load-balancer/{}.conf", lb.id),
            bytes: renderer
                .render_ctx("load-balancer/nginx.conf", &view)?
                .into_bytes(),
            node: None,
            kind: "load-balancer",
            private: false,
        });
        let cert = pki.cert(&lb.id).expect("planned load balancer certificate");
        let key = pki.key(&lb.id).expect("planned load balancer key");
        out.push(OutFile {
            path: format!("load-balancer/ssl/{}.crt", lb.id),
            bytes: cert.pem.as_bytes().to_vec(),
            node: None,
            kind: "certificate",
            private: false,
        });
        out.push(OutFile {
            path: format!("load-balancer/ssl/{}.key", lb.id),
            bytes: key.pem().as_bytes().to_vec(),
            node: None,
            kind: "private-key",
            private: true,
        });
        let mut backends: Vec<&str> = Vec::new();
        for b in lb.routes.iter().flat_map(|r| &r.backends) {
            if !backends.contains(&b.node.as_str()) {
                backends.push(&b.node);
            }
        }
        let pem: String = backends
            .iter()
            .map(|n| pki.cert(n).expect("planned node certificate").pem.as_str())
            .collect();
        out.push(OutFile {
            path: format!("load-balancer/ssl/{}.backends.crt", lb.id),
            bytes: pem.into_bytes(),
            node: None,
            kind: "certificate",
            private: false,
        });
    }
    Ok(out)
}

fn manifest(plan: &Plan, files: &[OutFile], profile_digest: &str) -> Vec<u8> {
    let m = Manifest {
        tool: "kmgen",
        version: env!("CARGO_PKG_VERSION"),
        deployment: &plan.deployment.name,
        pattern: plan.deployment.pattern.as_str(),
        profile_sha256: profile_digest,
        files: files
            .iter()
            .map(|f| ManifestEntry {
                path: &f.path,
                sha256: sha256_hex(&f.bytes),
                node: f.node.as_deref(),
                kind: f.kind,
            })
            .collect(),
    };
    let mut s = serde_json::to_vec_pretty(&m).expect("manifest serializes");
    s.push(b'\n');
    s
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes `files` under a staging folder beside `target`, then swaps it into place.
fn write_atomically(
    out_dir: &Path,
    target: &Path,
    plan: &Plan,
    files: &[OutFile],
) -> Result<(), Error> {
    let werr = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Write { path, source }
    };
    fs::create_dir_all(out_dir).map_err(werr(out_dir))?;
    let pid = std::process::id();
    let staging = out_dir.join(format!(".{}.staging-{pid}", plan.deployment.name));
    let old = out_dir.join(format!(".{}.old-{pid}", plan.deployment.name));
    let result = (|| {
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(werr(&staging))?;
        }
        for f in files {
            write_file(&staging.join(&f.path), &f.bytes, f.private)?;
        }
        for n in &plan.nodes {
            for dir in &n.dirs {
                let p = staging.join("nodes").join(&n.name).join(dir);
                fs::create_dir_all(&p).map_err(werr(&p))?;
            }
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    if target.exists() {
        fs::rename(target, &old).map_err(|e| {
            let _ = fs::remove_dir_all(&staging);
            werr(target)(e)
        })?;
    }
    if let Err(e) = fs::rename(&staging, target) {
        if old.exists() {
            let _ = fs::rename(&old, target);
        }
        let _ = fs::remove_dir_all(&staging);
        return Err(werr(target)(e));
    }
    if old.exists() {
        fs::remove_dir_all(&old).map_err(werr(&old))?;
    }
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8], private: bool) -> Result<(), Error> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let werr = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(werr)?;
    }
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(if private { 0o600 } else { 0o644 })
        .open(path)
        .map_err(werr)?;
    f.write_all(bytes).map_err(werr)
}
