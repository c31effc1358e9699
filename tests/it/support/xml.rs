//! XML read into a small element tree (quick-xml), and element path queries.
//!
//! A path names elements from the root, as XPath's `/Server/Ports/Offset` without the
//! leading `/`. A step is a tag with optional predicates: `Property[@name=dataSource]` (an
//! attribute's value) or `datasource[name=WSO2AM_DB]` (a child's trimmed text). A step
//! without a predicate matches every element of its tag.
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

#[derive(Debug)]
pub struct Element {
    pub tag: String,
    pub attrs: Vec<(String, String)>,
    /// Unescaped character content (text, references and CDATA of this element only).
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The elements at `path` (starting with this element's own tag), in document order.
    pub fn find(&self, path: &str) -> Vec<&Element> {
        let steps: Vec<Step> = split_path(path).into_iter().map(Step::parse).collect();
        let mut found = Vec::new();
        if let Some((first, rest)) = steps.split_first() {
            if first.matches(self) {
                collect(self, rest, &mut found);
            }
        }
        found
    }
}

fn collect<'a>(e: &'a Element, steps: &[Step], out: &mut Vec<&'a Element>) {
    match steps.split_first() {
        None => out.push(e),
        Some((step, rest)) => {
            for c in e.children.iter().filter(|c| step.matches(c)) {
                collect(c, rest, out);
            }
        }
    }
}

/// Texts of the elements at `path`.
pub fn texts(root: &Element, path: &str) -> Vec<String> {
    root.find(path).iter().map(|e| e.text.clone()).collect()
}

/// The text of the one element at `path`; panics unless there is exactly one.
pub fn text(root: &Element, path: &str) -> String {
    let all = texts(root, path);
    assert_eq!(
        all.len(),
        1,
        "expected one element at {path}, found {all:?}"
    );
    all.into_iter().next().unwrap()
}

/// Values of attribute `attr` of the elements at `path` that have it.
pub fn attrs(root: &Element, path: &str, attr: &str) -> Vec<String> {
    root.find(path)
        .iter()
        .filter_map(|e| e.attr(attr).map(str::to_string))
        .collect()
}

/// `path` split at the `/` outside brackets (a predicate's value may hold `/`).
fn split_path(path: &str) -> Vec<&str> {
    let (mut steps, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in path.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            '/' if depth == 0 => {
                steps.push(&path[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    steps.push(&path[start..]);
    steps
}

struct Step<'a> {
    tag: &'a str,
    /// `(name, value)`: `@attr` for an attribute, else a child's tag.
    predicates: Vec<(&'a str, &'a str)>,
}

impl<'a> Step<'a> {
    fn parse(step: &'a str) -> Step<'a> {
        let (tag, mut rest) = step.split_at(step.find('[').unwrap_or(step.len()));
        let mut predicates = Vec::new();
        while let Some(inner) = rest.strip_prefix('[') {
            let end = inner
                .find(']')
                .unwrap_or_else(|| panic!("unclosed `[` in path step `{step}`"));
            let (name, value) = inner[..end]
                .split_once('=')
                .unwrap_or_else(|| panic!("predicate without `=` in path step `{step}`"));
            predicates.push((name, value));
            rest = &inner[end + 1..];
        }
        assert!(rest.is_empty(), "cannot read path step `{step}`");
        Step { tag, predicates }
    }

    fn matches(&self, e: &Element) -> bool {
        e.tag == self.tag
            && self
                .predicates
                .iter()
                .all(|(name, value)| match name.strip_prefix('@') {
                    Some(attr) => e.attr(attr) == Some(*value),
                    None => e
                        .children
                        .iter()
                        .any(|c| c.tag == *name && c.text.trim() == *value),
                })
    }
}

/// Parses a whole document to its end (end names checked); the root element. The error
/// says where, with an excerpt.
pub fn parse(xml: &str) -> Result<Element, String> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<(Element, String)> = Vec::new();
    let mut root = None;
    loop {
        let pos = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| format!("{e} (near byte {pos}: {})", excerpt(xml, pos as usize)))?;
        let mut close = |el: Element, stack: &mut Vec<(Element, String)>| -> Result<(), String> {
            match stack.last_mut() {
                Some((parent, _)) => parent.children.push(el),
                None if root.is_none() => root = Some(el),
                None => return Err(format!("second root element <{}>", el.tag)),
            }
            Ok(())
        };
        match event {
            Event::Start(e) => stack.push((open(&e)?, String::new())),
            Event::Empty(e) => close(open(&e)?, &mut stack)?,
            Event::End(_) => {
                let (mut el, raw) = stack.pop().ok_or("end tag without start")?;
                el.text = quick_xml::escape::unescape(&raw)
                    .map_err(|e| format!("text of <{}>: {e}", el.tag))?
                    .into_owned();
                close(el, &mut stack)?;
            }
            Event::Text(t) => {
                if let Some((_, raw)) = stack.last_mut() {
                    raw.push_str(&t);
                }
            }
            Event::GeneralRef(r) => match stack.last_mut() {
                Some((_, raw)) => {
                    raw.push('&');
                    raw.push_str(&r);
                    raw.push(';');
                }
                None => return Err(format!("reference &{}; outside the root", &*r)),
            },
            Event::CData(c) => {
                if let Some((_, raw)) = stack.last_mut() {
                    raw.push_str(&quick_xml::escape::escape(c.xml10_content()));
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if let Some((open, _)) = stack.last() {
        return Err(format!("<{}> is not closed at the end", open.tag));
    }
    root.ok_or_else(|| "no root element".to_string())
}

fn open(e: &BytesStart) -> Result<Element, String> {
    let tag = e.name().as_ref().to_string();
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| format!("attribute of <{tag}>: {err}"))?;
        let value = a
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|err| format!("attribute of <{tag}>: {err}"))?;
        attrs.push((a.key.as_ref().to_string(), value.into_owned()));
    }
    Ok(Element {
        tag,
        attrs,
        text: String::new(),
        children: Vec::new(),
    })
}

/// About 60 characters either side of byte `pos`, newlines shown as `⏎`.
fn excerpt(s: &str, pos: usize) -> String {
    let mut start = pos.saturating_sub(60).min(s.len());
    while !s.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (pos + 60).min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[start..end].replace('\n', "⏎")
}

#[cfg(test)]
mod tests {
    use super::{attrs, parse, text, texts};

    const DOC: &str = r#"<Server>
  <Ports><Offset>1</Offset></Ports>
  <Property name="url">a&amp;b<![CDATA[<c>]]></Property>
  <Property name="other">x</Property>
  <mount path="/_system/config"><target>t</target></mount>
  <datasource><name> AM </name><url>jdbc:am</url></datasource>
  <datasource><name>UM</name><url>jdbc:um</url></datasource>
  <Empty enable="true"/>
</Server>"#;

    #[test]
    fn paths_with_and_without_predicates() {
        let root = parse(DOC).unwrap();
        assert_eq!(text(&root, "Server/Ports/Offset"), "1");
        assert_eq!(text(&root, "Server/Property[@name=url]"), "a&b<c>");
        assert_eq!(texts(&root, "Server/Property").len(), 2);
        assert_eq!(
            text(&root, "Server/mount[@path=/_system/config]/target"),
            "t"
        );
        assert_eq!(texts(&root, "Server/datasource[name=AM]/url"), ["jdbc:am"]);
        assert_eq!(
            texts(&root, "Server/datasource/url"),
            ["jdbc:am", "jdbc:um"]
        );
        assert_eq!(attrs(&root, "Server/Empty", "enable"), ["true"]);
        assert_eq!(texts(&root, "Server/Empty"), [""]);
        assert!(
            texts(&root, "Ports/Offset").is_empty(),
            "paths start at the root"
        );
        assert!(texts(&root, "Server/Property[@name=none]").is_empty());
    }

    #[test]
    fn malformed_documents_are_errors() {
        assert!(parse("<a><b></a>").is_err());
        assert!(parse("<a/><b/>").is_err());
        assert!(parse("<a>").is_err());
        assert!(parse("").is_err());
    }
}
