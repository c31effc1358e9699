//! Write phase, `build --archive`: `nodes/<node>.tar.gz`, the node's folder as one
//! reproducible archive to copy with one `scp` and unpack over the pack with
//! `tar -xzf <node>.tar.gz -C <home>`. Entries are sorted, owned by uid/gid 0, stamped with
//! one fixed mtime, and keep the modes the bundle writes (0600 / 0700 for secrets); the gzip
//! header has no time and no name, so the same files give the same bytes.
use super::OutputBytes;
use crate::plan::PlannedNode;
use std::collections::BTreeMap;

/// The mtime of every entry when `SOURCE_DATE_EPOCH` is unset: the Unix epoch (a fixed
/// time, so an unchanged rebuild gives the same archive).
pub const DEFAULT_MTIME: u64 = 0;

/// Folder modes, as `write` makes them: 0700 for a folder that directly holds a private file.
const DIR_MODE: u32 = 0o755;
const PRIVATE_DIR_MODE: u32 = 0o700;

/// The `.tar.gz` of `node`'s folder: its files among `files` (paths `nodes/<node>/...`) and
/// its empty folders, every entry relative to the node folder.
pub fn tar_gz(node: &PlannedNode, files: &[OutputBytes], mtime: u64) -> Vec<u8> {
    let folder = format!("nodes/{}/", node.name);
    // Path → (mode, bytes); `None` bytes for a folder. A BTreeMap sorts the entries, and a
    // folder's path (a prefix of its children's) comes before theirs.
    let mut entries: BTreeMap<String, (u32, Option<&[u8]>)> = BTreeMap::new();
    for (o, bytes) in files {
        let Some(rel) = o.path.strip_prefix(&folder) else {
            continue;
        };
        add_parents(&mut entries, rel, o.private);
        entries.insert(rel.to_string(), (o.mode(), Some(bytes)));
    }
    for dir in &node.dirs {
        add_parents(&mut entries, &format!("{dir}/x"), false);
    }
    // No FNAME, MTIME 0: rust-lang/flate2-rs@c8be635:src/gz/mod.rs GzBuilder::into_header.
    let gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    // A path over 100 bytes gets a GNU `././@LongLink` entry with mtime 0, uid/gid 0:
    // alexcrichton/tar-rs@2349b49:src/builder.rs prepare_header.
    for (path, (mode, bytes)) in &entries {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(match bytes {
            Some(_) => tar::EntryType::Regular,
            None => tar::EntryType::Directory,
        });
        h.set_mode(*mode);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(mtime);
        let data = bytes.unwrap_or_default();
        h.set_size(data.len() as u64);
        // Writes into a Vec: only a path tar cannot hold could fail, and kmgen plans none.
        tar.append_data(&mut h, path, data)
            .expect("a planned path fits a GNU tar header");
    }
    let gz = tar.into_inner().expect("writing into memory");
    gz.finish().expect("writing into memory")
}

/// Every folder above `file`; the one holding it is private when the file is.
fn add_parents(entries: &mut BTreeMap<String, (u32, Option<&[u8]>)>, file: &str, private: bool) {
    let mut dirs: Vec<&str> = file.match_indices('/').map(|(i, _)| &file[..i]).collect();
    if let Some(last) = dirs.pop() {
        let e = entries.entry(last.to_string()).or_insert((DIR_MODE, None));
        if private {
            e.0 = PRIVATE_DIR_MODE;
        }
    }
    for d in dirs {
        entries.entry(d.to_string()).or_insert((DIR_MODE, None));
    }
}

/// How two archives differ, by entry path only (their bytes may hold secrets): the entries
/// whose content, mode or time changed, and those added and removed.
pub fn describe(path: &str, old: &[u8], new: &[u8]) -> String {
    let (Some(a), Some(b)) = (entries(old), entries(new)) else {
        return format!("{path}: changed (the archive on disk does not read as a .tar.gz)");
    };
    let changed: Vec<&String> = a
        .iter()
        .filter(|(p, e)| b.get(*p).is_some_and(|f| f != *e))
        .map(|(p, _)| p)
        .collect();
    let added: Vec<&String> = b.keys().filter(|p| !a.contains_key(*p)).collect();
    let removed: Vec<&String> = a.keys().filter(|p| !b.contains_key(*p)).collect();
    format!("{path}: entries changed {changed:?}, added {added:?}, removed {removed:?}")
}

/// Each entry of a `.tar.gz`: path → (mode, mtime, digest of its bytes).
fn entries(bytes: &[u8]) -> Option<BTreeMap<String, (u32, u64, String)>> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    let mut out = BTreeMap::new();
    for entry in archive.entries().ok()? {
        let mut entry = entry.ok()?;
        let path = entry.path().ok()?.to_string_lossy().into_owned();
        let (mode, mtime) = (entry.header().mode().ok()?, entry.header().mtime().ok()?);
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data).ok()?;
        out.insert(path, (mode, mtime, crate::model::sha256_hex(&data)));
    }
    Some(out)
}
