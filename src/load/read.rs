//! Reading the files a profile names, and the profile itself: regular files only, each up to
//! a size limit. `/dev/zero`, a FIFO or a runaway log file given as a secret would otherwise
//! hang kmgen or fill its memory; every refusal is an `io::Error` whose message says why.
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::Path;

/// The largest profile, secret file or PEM file kmgen reads (1 MiB): a real one is a few KiB.
pub const MAX_INPUT_BYTES: u64 = 1 << 20;

/// The bytes of the regular file `path`, refused when it is anything else (a device, a FIFO,
/// a socket, a folder) or larger than `limit` bytes.
pub fn read_regular(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    // Checked before opening: opening a FIFO blocks until something writes to it.
    check_kind(&fs::metadata(path)?, limit)?;
    let file = open_nonblocking(path)?;
    // And again on what was opened, in case the path changed in between.
    let meta = file.metadata()?;
    check_kind(&meta, limit)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(limit));
    }
    Ok(bytes)
}

/// `read_regular` as UTF-8 text.
pub fn read_regular_text(path: &Path, limit: u64) -> io::Result<String> {
    String::from_utf8(read_regular(path, limit)?).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}

fn check_kind(meta: &fs::Metadata, limit: u64) -> io::Result<()> {
    if !meta.is_file() {
        let what = kind(&meta.file_type());
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {what}, not a regular file"),
        ));
    }
    if meta.len() > limit {
        return Err(too_large(limit));
    }
    Ok(())
}

fn too_large(limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("it is larger than {}", size(limit)),
    )
}

fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

fn kind(t: &fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_dir() {
        "a folder"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

/// Opens for reading without blocking on a FIFO that replaced the file after it was checked.
fn open_nonblocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    #[cfg(target_os = "linux")]
    const O_NONBLOCK: i32 = 0o4000;
    #[cfg(not(target_os = "linux"))]
    const O_NONBLOCK: i32 = 0x0004;
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(O_NONBLOCK)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_up_to_the_limit() {
        let dir = std::env::temp_dir().join(format!("kmgen-read-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let small = dir.join("small");
        fs::write(&small, "secret\n").unwrap();
        assert_eq!(read_regular_text(&small, 7).unwrap(), "secret\n");
        let e = read_regular(&small, 6).unwrap_err();
        assert_eq!(e.to_string(), "it is larger than 6 bytes");
        let e = read_regular(Path::new("/dev/zero"), MAX_INPUT_BYTES).unwrap_err();
        assert_eq!(
            e.to_string(),
            "it is a character device, not a regular file"
        );
        let e = read_regular(&dir, MAX_INPUT_BYTES).unwrap_err();
        assert_eq!(e.to_string(), "it is a folder, not a regular file");
        let big = dir.join("big");
        File::create(&big)
            .unwrap()
            .set_len(MAX_INPUT_BYTES + 1)
            .unwrap();
        let e = read_regular(&big, MAX_INPUT_BYTES).unwrap_err();
        assert_eq!(e.to_string(), "it is larger than 1 MiB");
        fs::remove_dir_all(&dir).unwrap();
    }
}
