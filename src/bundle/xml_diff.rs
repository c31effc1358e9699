//! Write phase, `kmgen diff`: an element-level diff of two XML files. Both are read into a
//! tree (quick-xml; comments, processing instructions and whitespace between elements are
//! left out, text is compared with its whitespace runs collapsed) and every change is one
//! line under an XPath-like path: `/Server/Ports/Offset: text changed: "0" -> "1"`.
//!
//! Siblings of one tag are told apart by the first attribute that names each of them once
//! (`Property[@name=url]`), else by a child's text (`datasource[name=WSO2AM_DB]`), else by
//! position (`Connector[2]`).
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

#[derive(Debug, PartialEq)]
pub struct Element {
    tag: String,
    attrs: Vec<(String, String)>,
    /// The element's own character data, whitespace runs collapsed to one space.
    text: String,
    children: Vec<Element>,
}

/// Parses a whole document; the root element, or why it is not well-formed.
pub fn parse(xml: &str) -> Result<Element, String> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<(Element, String)> = Vec::new();
    let mut root = None;
    loop {
        let event = reader.read_event().map_err(|e| e.to_string())?;
        let mut close = |el: Element, stack: &mut Vec<(Element, String)>| match stack.last_mut() {
            Some((parent, _)) => parent.children.push(el),
            None => root = Some(el),
        };
        match event {
            Event::Start(e) => stack.push((open(&e)?, String::new())),
            Event::Empty(e) => close(open(&e)?, &mut stack),
            Event::End(_) => {
                let (mut el, raw) = stack.pop().ok_or("an end tag without a start")?;
                let text = quick_xml::escape::unescape(&raw).map_err(|e| e.to_string())?;
                el.text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                close(el, &mut stack);
            }
            Event::Text(t) => {
                if let Some((_, raw)) = stack.last_mut() {
                    raw.push_str(&t);
                }
            }
            Event::GeneralRef(r) => {
                if let Some((_, raw)) = stack.last_mut() {
                    raw.push_str(&format!("&{};", &*r));
                }
            }
            Event::CData(c) => {
                if let Some((_, raw)) = stack.last_mut() {
                    raw.push_str(&quick_xml::escape::escape(c.xml10_content()));
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err("an element is not closed at the end".into());
    }
    root.ok_or_else(|| "no root element".into())
}

fn open(e: &BytesStart) -> Result<Element, String> {
    let tag = e.name().as_ref().to_string();
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| format!("an attribute of <{tag}>: {err}"))?;
        let value = a
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|err| format!("an attribute of <{tag}>: {err}"))?;
        attrs.push((a.key.as_ref().to_string(), value.into_owned()));
    }
    Ok(Element {
        tag,
        attrs,
        text: String::new(),
        children: Vec::new(),
    })
}

/// Shows a value in a change line: `(step or @attribute, value) → shown text`. The caller
/// masks secrets here.
pub type Show<'a> = &'a dyn Fn(&str, &str) -> String;

/// Every change from `old` to `new`, one line each, in the new file's order (then what only
/// the old one has).
pub fn diff(old: &Element, new: &Element, show: Show) -> Vec<String> {
    let mut out = Vec::new();
    if old.tag != new.tag {
        out.push(format!(
            "/{}: root element replaced by <{}>",
            old.tag, new.tag
        ));
        return out;
    }
    element(&format!("/{}", new.tag), &new.tag, old, new, show, &mut out);
    out
}

fn element(path: &str, step: &str, a: &Element, b: &Element, show: Show, out: &mut Vec<String>) {
    for (name, new) in &b.attrs {
        let at = format!("@{name}");
        match a.attrs.iter().find(|(n, _)| n == name) {
            Some((_, old)) if old == new => {}
            Some((_, old)) => out.push(format!(
                "{path}/{at}: attribute changed: {} -> {}",
                show(&at, old),
                show(&at, new)
            )),
            None => out.push(format!("{path}/{at}: attribute added: {}", show(&at, new))),
        }
    }
    for (name, _) in a
        .attrs
        .iter()
        .filter(|(n, _)| !b.attrs.iter().any(|(m, _)| m == n))
    {
        out.push(format!("{path}/@{name}: attribute removed"));
    }
    if a.text != b.text {
        let what = match (a.text.is_empty(), b.text.is_empty()) {
            (true, _) => format!("text added: {}", show(step, &b.text)),
            (_, true) => "text removed".to_string(),
            _ => format!(
                "text changed: {} -> {}",
                show(step, &a.text),
                show(step, &b.text)
            ),
        };
        out.push(format!("{path}: {what}"));
    }
    let (ka, kb) = (
        keys(&a.children, &a.children, &b.children),
        keys(&b.children, &a.children, &b.children),
    );
    for (i, c) in b.children.iter().enumerate() {
        let child = format!("{path}/{}", kb[i]);
        match ka.iter().position(|k| *k == kb[i]) {
            Some(j) => element(&child, &kb[i], &a.children[j], c, show, out),
            None if c.children.is_empty() && !c.text.is_empty() => {
                out.push(format!("{child}: element added: {}", show(&kb[i], &c.text)))
            }
            None => out.push(format!("{child}: element added")),
        }
    }
    for (j, _) in a.children.iter().enumerate() {
        if !kb.contains(&ka[j]) {
            out.push(format!("{path}/{}: element removed", ka[j]));
        }
    }
}

/// Attributes that name an element, tried in this order before the element's others.
const NAMING: &[&str] = &["name", "id", "key", "ref", "class", "className", "path"];

/// The path step of each of `these`, which are the children of one element in the old file
/// (`old`) or the new one (`new`): both lists decide each predicate, in that order, so that
/// an element gets the same step on both sides.
fn keys(these: &[Element], old: &[Element], new: &[Element]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(these.len());
    for (i, e) in these.iter().enumerate() {
        let in_old: Vec<&Element> = old.iter().filter(|c| c.tag == e.tag).collect();
        let in_new: Vec<&Element> = new.iter().filter(|c| c.tag == e.tag).collect();
        let key = if in_old.len() <= 1 && in_new.len() <= 1 {
            e.tag.clone()
        } else if let Some(attr) = naming_attr(&in_old, &in_new) {
            let value = e
                .attrs
                .iter()
                .find(|(n, _)| *n == attr)
                .expect("on all")
                .1
                .clone();
            format!("{}[@{attr}={value}]", e.tag)
        } else if let Some(child) = naming_child(&in_old, &in_new) {
            let text = &e
                .children
                .iter()
                .find(|c| c.tag == child)
                .expect("on all")
                .text;
            format!("{}[{child}={text}]", e.tag)
        } else {
            let n = these[..i].iter().filter(|c| c.tag == e.tag).count() + 1;
            format!("{}[{n}]", e.tag)
        };
        // Two elements with one key (a duplicate in the file) stay apart by position.
        let key = if out.contains(&key) {
            format!("{key}[{}]", i + 1)
        } else {
            key
        };
        out.push(key);
    }
    out
}

/// The first attribute every element of both lists has, with a value unique within each.
fn naming_attr(a: &[&Element], b: &[&Element]) -> Option<String> {
    let first = a.first().or(b.first())?;
    let names = NAMING
        .iter()
        .map(|s| s.to_string())
        .chain(first.attrs.iter().map(|(n, _)| n.clone()));
    let unique = |v: &[&Element], n: &str| -> bool {
        let values: Option<Vec<&str>> = v
            .iter()
            .map(|e| {
                e.attrs
                    .iter()
                    .find(|(k, _)| k == n)
                    .map(|(_, x)| x.as_str())
            })
            .collect();
        values.is_some_and(|mut vs| {
            let len = vs.len();
            vs.sort();
            vs.dedup();
            vs.len() == len
        })
    };
    names
        .filter(|n| n != "port")
        .find(|n| unique(a, n) && unique(b, n))
}

/// The first child tag every element of both lists has once, with a text unique within each.
fn naming_child(a: &[&Element], b: &[&Element]) -> Option<String> {
    let first = a.first().or(b.first())?;
    let unique = |v: &[&Element], tag: &str| -> bool {
        let texts: Option<Vec<&str>> = v
            .iter()
            .map(|e| {
                let mut it = e.children.iter().filter(|c| c.tag == tag);
                match (it.next(), it.next()) {
                    (Some(c), None) if !c.text.is_empty() => Some(c.text.as_str()),
                    _ => None,
                }
            })
            .collect();
        texts.is_some_and(|mut ts| {
            let len = ts.len();
            ts.sort();
            ts.dedup();
            ts.len() == len
        })
    };
    first
        .children
        .iter()
        .map(|c| c.tag.clone())
        .find(|t| unique(a, t) && unique(b, t))
}

#[cfg(test)]
mod tests {
    use super::{diff, parse};

    fn changes(old: &str, new: &str) -> Vec<String> {
        let show = |_: &str, v: &str| format!("{v:?}");
        diff(&parse(old).unwrap(), &parse(new).unwrap(), &show)
    }

    #[test]
    fn comments_and_whitespace_are_no_change() {
        let old = "<Server><!-- a --><Ports>\n  <Offset> 0 </Offset></Ports></Server>";
        let new = "<?xml version=\"1.0\"?>\n<Server>\n<Ports><Offset>0</Offset>\n</Ports></Server>";
        assert_eq!(changes(old, new), Vec::<String>::new());
    }

    #[test]
    fn text_attribute_and_element_changes_with_their_paths() {
        let old = r#"<Server a="1" gone="x"><HostName>localhost</HostName>
            <Property name="url">jdbc:h2</Property><Property name="user">wso2</Property>
            <Old/></Server>"#;
        let new = r#"<Server a="2" b="3"><HostName>km.example.com</HostName>
            <Property name="url">jdbc:mysql</Property><Property name="user">wso2</Property>
            <Property name="pool">5</Property></Server>"#;
        assert_eq!(
            changes(old, new),
            [
                r#"/Server/@a: attribute changed: "1" -> "2""#,
                r#"/Server/@b: attribute added: "3""#,
                "/Server/@gone: attribute removed",
                r#"/Server/HostName: text changed: "localhost" -> "km.example.com""#,
                r#"/Server/Property[@name=url]: text changed: "jdbc:h2" -> "jdbc:mysql""#,
                r#"/Server/Property[@name=pool]: element added: "5""#,
                "/Server/Old: element removed",
            ]
        );
    }

    #[test]
    fn siblings_by_child_text_then_by_position() {
        let old = "<d><ds><name>A</name><url>1</url></ds><ds><name>B</name><url>2</url></ds>\
                   <C><x>1</x></C><C><x>1</x></C></d>";
        let new = "<d><ds><name>B</name><url>3</url></ds><ds><name>A</name><url>1</url></ds>\
                   <C><x>1</x></C><C><x>2</x></C></d>";
        assert_eq!(
            changes(old, new),
            [
                r#"/d/ds[name=B]/url: text changed: "2" -> "3""#,
                r#"/d/C[2]/x: text changed: "1" -> "2""#,
            ]
        );
    }

    #[test]
    fn both_sides_pick_the_same_naming_attribute() {
        // `a` and `b` each name every <x> once on both sides; the old file's first <x> lists
        // `b` first, the new file's `a`: both sides must still use one of them.
        let old = r#"<r><x b="1" a="1"/><x b="2" a="2"/></r>"#;
        let new = r#"<r><x a="1" b="1"/><x a="2" b="3"/></r>"#;
        assert_eq!(
            changes(old, new),
            ["/r/x[@b=3]: element added", "/r/x[@b=2]: element removed"]
        );
    }

    #[test]
    fn another_root_and_bad_xml() {
        assert_eq!(
            changes("<a/>", "<b/>"),
            ["/a: root element replaced by <b>"]
        );
        assert!(parse("<a><b></a>").is_err());
        assert!(parse("no xml").is_err());
    }
}
