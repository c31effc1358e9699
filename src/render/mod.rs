//! Render phase: Tera templates (embedded, overridable by name) × node views → file contents.
pub mod databases;
pub mod deploy;
pub mod h2;
pub mod mermaid;
mod parse;
pub mod readme;
pub mod report;
pub mod sync;
pub mod vault;

use crate::model::parallel;
use crate::plan::view::NodeView;
use std::collections::BTreeMap;
use std::path::Path;
use tera::{Context, Template, Tera};

include!(concat!(env!("OUT_DIR"), "/templates.rs"));

#[derive(Debug, Clone, thiserror::Error)]
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

/// The template set, parsed once, when first asked for: a build asks on a thread of its own
/// from its start, so the parse overlaps loading, locking and the keys. Asking while the
/// parse runs waits for it.
pub struct Templates<'a> {
    dir: Option<&'a Path>,
    parsed: std::sync::OnceLock<Result<Renderer, RenderError>>,
}

impl<'a> Templates<'a> {
    /// The embedded templates, with those of `override_dir` (when given) in their place.
    pub fn new(override_dir: Option<&'a Path>) -> Self {
        Templates {
            dir: override_dir,
            parsed: std::sync::OnceLock::new(),
        }
    }

    /// The parsed set (parsed now when not yet).
    pub fn get(&self) -> Result<&Renderer, RenderError> {
        match self.parsed.get_or_init(|| Renderer::new(self.dir)) {
            Ok(renderer) => Ok(renderer),
            Err(e) => Err(e.clone()),
        }
    }
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
        // Each template is parsed once, on its own, so an error names the file; Tera then
        // gets the parsed set and checks its imports and inheritance as a whole.
        let mut tera = Tera::default();
        for (name, template) in parse_all(&all) {
            let template = template?;
            if let Some((missing, _)) = template
                .imported_macro_files
                .iter()
                .find(|(file, _)| !all.contains_key(file))
            {
                return Err(RenderError::Render {
                    name,
                    detail: format!("it imports `{missing}`, which is no template"),
                });
            }
            tera.templates.insert(name, template);
        }
        tera.build_inheritance_chains()
            .and_then(|()| tera.check_macro_files())
            .map_err(|e| RenderError::Render {
                name: "templates".to_string(),
                detail: chain(&e),
            })?;
        // XML templates escape every value; `.properties` files are written as they are, and
        // a `.properties` value that may hold any character goes through `properties_value`.
        tera.autoescape_on(vec![".xml"]);
        tera.set_escape_fn(xml_escape);
        tera.register_filter("properties_value", properties_value_filter);
        tera.register_filter("url_host", url_host_filter);
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
        self.exists(name)?;
        self.render_prepared(name, &Prepared::new(view))
    }

    /// Renders `name` with a view serialized beforehand (`Prepared`).
    pub fn render_prepared(&self, name: &str, view: &Prepared) -> Result<String, RenderError> {
        self.exists(name)?;
        self.tera
            .render(name, &view.0)
            .map_err(|e| RenderError::Render {
                name: name.to_string(),
                detail: chain(&e),
            })
    }

    fn exists(&self, name: &str) -> Result<(), RenderError> {
        if self.tera.templates.contains_key(name) {
            return Ok(());
        }
        let mut names: Vec<_> = self.tera.get_template_names().collect();
        names.sort();
        Err(RenderError::Missing {
            name: name.to_string(),
            available: names.join(", "),
        })
    }
}

/// A view serialized once as `ctx`, for the several templates that render it (a node's files).
pub struct Prepared(Context);

impl Prepared {
    pub fn new(view: &impl serde::Serialize) -> Self {
        let mut ctx = Context::new();
        ctx.insert("ctx", view);
        Prepared(ctx)
    }
}

/// Parses every template, on as many threads as there are cores (Tera's parser is the
/// largest part of a rebuild): the largest templates are dealt out first, one at a time.
/// The results come back sorted by name, so the error reported is the same whichever thread met it.
fn parse_all(all: &BTreeMap<String, String>) -> Vec<(String, Result<Template, RenderError>)> {
    let jobs: Vec<(&String, &String)> = all.iter().collect();
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(jobs[i].1.len()));
    let parsed = parallel::map_in_order(&jobs, &order, |(name, body)| {
        parse::template(name, body).map_err(|e| RenderError::Render {
            name: name.to_string(),
            detail: chain(&e),
        })
    });
    jobs.iter()
        .map(|(name, _)| (*name).clone())
        .zip(parsed)
        .collect()
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

/// Tera filter `url_host`: a host as URLs and `host:port` write it, an IPv6 address in
/// brackets (nginx refuses `server 2001:db8::5:9443`).
fn url_host_filter(
    value: &tera::Value,
    _: &std::collections::HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let s = value
        .as_str()
        .ok_or_else(|| tera::Error::msg("url_host: the value is not a string"))?;
    let host = crate::model::Host::parse(s)
        .ok_or_else(|| tera::Error::msg(format!("url_host: `{s}` is not a host")))?;
    Ok(tera::Value::String(host.in_url()))
}

/// Tera filter `properties_value`: a string as `java.util.Properties.load` reads it back.
fn properties_value_filter(
    value: &tera::Value,
    _: &std::collections::HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let s = value
        .as_str()
        .ok_or_else(|| tera::Error::msg("properties_value: the value is not a string"))?;
    Ok(tera::Value::String(properties_escape(s)))
}

/// Escapes a `.properties` value the way `java.util.Properties.store` does: `\`, the
/// separators and comment characters, a leading space, control characters, and every
/// character outside printable ASCII as `\uXXXX` (`load` reads ISO-8859-1).
pub fn properties_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        match c {
            ' ' if i == 0 => out.push_str("\\ "),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{c}' => out.push_str("\\f"),
            '=' | ':' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04X}"));
                }
            }
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::properties_escape;

    #[test]
    fn properties_values_escape_what_load_would_change() {
        assert_eq!(properties_escape("plain-Value_1.2"), "plain-Value_1.2");
        assert_eq!(properties_escape(r"a\b c"), r"a\\b c");
        assert_eq!(properties_escape(" lead"), r"\ lead");
        assert_eq!(properties_escape("k=v:x#y!z"), r"k\=v\:x\#y\!z");
        assert_eq!(properties_escape("t\tn\n"), r"t\tn\n");
        assert_eq!(properties_escape("é€😀"), r"\u00E9\u20AC\uD83D\uDE00");
    }
}
