//! Embeds every file under `templates/` into the binary, so `kmgen` runs from anywhere.
use std::fs;
use std::path::Path;

fn main() {
    let root = Path::new("templates");
    println!("cargo:rerun-if-changed=templates");
    let mut files = Vec::new();
    walk(root, root, &mut files);
    files.sort();
    let mut out = String::from("/// (template name, contents) of every embedded template.\npub static TEMPLATES: &[(&str, &str)] = &[\n");
    for name in &files {
        // Relative to the manifest, so a cached build script output never points elsewhere.
        out.push_str(&format!(
            "    ({name:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/templates/{name}\"))),\n"
        ));
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("templates.rs");
    fs::write(dest, out).expect("write templates.rs");
}

fn walk(root: &Path, dir: &Path, files: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        println!("cargo:rerun-if-changed={}", path.display());
        if path.is_dir() {
            walk(root, &path, files);
        } else if path.extension().is_some_and(|e| {
            matches!(
                e.to_str(),
                Some(
                    "xml"
                        | "properties"
                        | "conf"
                        | "md"
                        | "sh"
                        | "txt"
                        | "cron"
                        | "service"
                        | "timer"
                        | "mount"
                        | "fstab"
                        | "json"
                        | "yml"
                )
            )
        }) {
            let rel = path.strip_prefix(root).expect("under root");
            files.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}
