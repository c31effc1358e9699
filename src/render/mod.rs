//! Render phase: Tera templates (embedded, overridable by name) × node views → file contents.
pub mod databases;
pub mod h2;
pub mod readme;
pub mod report;

use crate::plan::view::NodeView;
use std::collections::BTreeMap;
use std::path::Path;
use tera::{Context, Template, Tera};

include!(concat!(env!("OUT_DIR"), "/templates.rs"));

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("template `{name}` does not exist (embedded templates: {available})")]
    Missing { name: String, available: String },
    #[error("cannot render `{name}`: {detail}")]
    Render { name: String, detail: String },
    #[error("cannot load templates from `{dir}`: {detail}")]
    Load { dir: String, detail: String },
}

/// The template set: kmgen's own, with any file of an override folder replacing the
/// embedded template of the same name.
pub struct Renderer {
    tera: Tera,
}

impl Renderer {
    pub fn new(override_dir: Option<&Path>) -> Result<Self, RenderError> {
        let mut all: BTreeMap<String, String> = TEMPLATES
            .iter()
            .map(|(name, body)| (name.to_string(), body.to_string()))
            .collect();
        if let Some(dir) = override_dir {
            all.extend(read_dir_templates(dir)?);
        }
        // Each template is checked on its own first, so an error names the file; Tera then
        // gets the whole set at once, because it resolves `{% import %}` as templates arrive.
        for (name, body) in &all {
            let template = Template::new(name, None, body).map_err(|e| RenderError::Render {
                name: name.clone(),
                detail: chain(&e),
            })?;
            if let Some((missing, _)) = template
                .imported_macro_files
                .iter()
                .find(|(file, _)| !all.contains_key(file))
            {
                return Err(RenderError::Render {
                    name: name.clone(),
                    detail: format!("it imports `{missing}`, which is no template"),
                });
            }
        }
        let mut tera = Tera::default();
        tera.add_raw_templates(&all)
            .map_err(|e| RenderError::Render {
                name: "templates".to_string(),
                detail: chain(&e),
            })?;
        // XML templates escape every value; `.properties` files are written as they are.
        tera.autoescape_on(vec![".xml"]);
        tera.set_escape_fn(xml_escape);
        Ok(Renderer { tera })
    }

    pub fn render(&self, name: &str, view: &NodeView) -> Result<String, RenderError> {
        self.render_ctx(name, view)
    }

    /// Renders `name` with any serializable view as `ctx` (load balancer configs).
    pub fn render_ctx(
        &self,
        name: &str,
        view: &impl serde::Serialize,
    ) -> Result<String, RenderError> {
        if !self.tera.get_template_names().any(|n| n == name) {
            let mut names: Vec<_> = self.tera.get_template_names().collect();
            names.sort();
            return Err(RenderError::Missing {
                name: name.to_string(),
                available: names.join(", "),
            });
        }
        let mut ctx = Context::new();
        ctx.insert("ctx", view);
        self.tera
            .render(name, &ctx)
            .map_err(|e| RenderError::Render {
                name: name.to_string(),
                detail: chain(&e),
            })
    }
}

fn read_dir_templates(dir: &Path) -> Result<Vec<(String, String)>, RenderError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    let err = |e: std::io::Error| RenderError::Load {
        dir: dir.display().to_string(),
        detail: e.to_string(),
    };
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(err)? {
            let path = entry.map_err(err)?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path
                    .strip_prefix(dir)
                    .expect("under dir")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((name, std::fs::read_to_string(&path).map_err(err)?));
            }
        }
    }
    Ok(out)
}

/// Tera's error with its causes (the useful line is usually the innermost).
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// Escapes the five XML special characters, so any value survives in text and attributes.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}
