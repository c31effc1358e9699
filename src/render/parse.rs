//! Render phase, parsing: Tera's templates, with plain text set aside while pest reads them.
//!
//! Tera's grammar reads plain text one character at a time, trying every tag opening at each
//! (`text = ${ (!(block_start) ~ ANY)+ }`, `tera@v1.20.1:src/parser/tera.pest`), which makes
//! the text of a template most of its parse time, and the parse most of an unchanged
//! rebuild. Our templates are mostly text: each long stretch of it is swapped for a short
//! placeholder before the parse and put back into the parsed tree. The result is the tree
//! Tera builds from the whole text; when anything does not add up (the text holds the
//! placeholder character, a placeholder is not found back exactly once, in text, the
//! masked source does not parse), the template is parsed again from its whole text, so
//! errors and results are Tera's own.
use tera::ast::{Block, Node};
use tera::Template;

/// Starts and ends a placeholder; a private-use character, so no template needs it (one that
/// holds it is parsed whole).
const MARK: char = '\u{E000}';

/// Text shorter than this is left for pest: a placeholder is about five characters.
const MIN_RUN: usize = 24;

/// The template `name` parsed from `source`, as `Template::new(name, None, source)` builds it.
pub fn template(name: &str, source: &str) -> tera::Result<Template> {
    match masked(name, source) {
        Some(parsed) => Ok(parsed),
        None => Template::new(name, None, source),
    }
}

/// The template parsed with its long text masked; `None` when that does not give Tera's tree
/// for sure (see the module comment), or there is no long text.
fn masked(name: &str, source: &str) -> Option<Template> {
    if source.contains(MARK) {
        return None;
    }
    let (masked, runs) = mask(source);
    if runs.is_empty() {
        return None;
    }
    let mut parsed = Template::new(name, None, &masked).ok()?;
    unmask_template(&mut parsed, &runs).then_some(parsed)
}

/// `source` with each long stretch of plain text replaced by `MARK index MARK`, and those
/// stretches. A stretch keeps its leading and trailing white space in place (Tera's `{%-` and
/// `-%}` trim them), so only text from its first to its last non-space character is taken.
fn mask(source: &str) -> (String, Vec<&str>) {
    let bytes = source.as_bytes();
    let mut masked = String::with_capacity(source.len() / 4);
    let mut runs = Vec::new();
    let (mut text_from, mut i) = (0, 0);
    while i + 1 < bytes.len() {
        if bytes[i] != b'{' || !matches!(bytes[i + 1], b'{' | b'%' | b'#') {
            i += 1;
            continue;
        }
        push_text(&source[text_from..i], &mut masked, &mut runs);
        let Some(end) = tag_end(source, i) else {
            // An unclosed tag: the rest goes to pest as it is (and fails there).
            masked.push_str(&source[i..]);
            return (masked, runs);
        };
        masked.push_str(&source[i..end]);
        let mut after = end;
        if bytes[i + 1] == b'%' && tag_word(&source[i..end]) == "raw" {
            // `{% raw %}` text, up to `{% endraw %}`, is text whatever it holds.
            let Some((text_end, raw_end)) = raw_end(source, end) else {
                masked.push_str(&source[end..]);
                return (masked, runs);
            };
            push_text(&source[end..text_end], &mut masked, &mut runs);
            masked.push_str(&source[text_end..raw_end]);
            after = raw_end;
        }
        (text_from, i) = (after, after);
    }
    push_text(&source[text_from..], &mut masked, &mut runs);
    (masked, runs)
}

/// Appends the text `text`, its core replaced by a placeholder when long enough.
fn push_text<'s>(text: &'s str, masked: &mut String, runs: &mut Vec<&'s str>) {
    let core = text.trim();
    if core.len() < MIN_RUN {
        masked.push_str(text);
        return;
    }
    // `trim` takes white space off both ends only, so `core` is one slice of `text`.
    let lead = text.len() - text.trim_start().len();
    masked.push_str(&text[..lead]);
    masked.push(MARK);
    masked.push_str(&runs.len().to_string());
    masked.push(MARK);
    masked.push_str(&text[lead + core.len()..]);
    runs.push(core);
}

/// Where the tag opening at `start` (`{{`, `{%` or `{#`) ends: after `}}`, `%}` or `#}`.
/// Quoted strings in expressions may hold a closing sequence (Tera's strings have no escapes).
fn tag_end(source: &str, start: usize) -> Option<usize> {
    let bytes = source.as_bytes();
    let close = match bytes[start + 1] {
        b'#' => return source[start + 2..].find("#}").map(|e| start + 2 + e + 2),
        b'{' => b'}',
        _ => b'%',
    };
    let mut i = start + 2;
    let mut quote = None;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if matches!(b, b'"' | b'\'' | b'`') => quote = Some(b),
            None if b == close && bytes.get(i + 1) == Some(&b'}') => return Some(i + 2),
            None => {}
        }
        i += 1;
    }
    None
}

/// Where the first `{% endraw %}` at or after `from` starts and ends.
fn raw_end(source: &str, from: usize) -> Option<(usize, usize)> {
    let mut at = from;
    while let Some(found) = source[at..].find("{%") {
        let start = at + found;
        let end = start + source[start..].find("%}")? + 2;
        if tag_word(&source[start..end]) == "endraw" {
            return Some((start, end));
        }
        at = start + 2;
    }
    None
}

/// The inside of a `{% … %}` tag without its white-space control and the spaces Tera's
/// grammar allows (`WHITESPACE`: space, tab, CR, LF).
fn tag_word(tag: &str) -> &str {
    let inner = &tag[2..tag.len() - 2];
    let inner = inner.strip_prefix('-').unwrap_or(inner);
    let inner = inner.strip_suffix('-').unwrap_or(inner);
    inner.trim_matches([' ', '\t', '\r', '\n'])
}

/// Puts every stretch back into the text nodes of `t` (its tree, and the copies Tera keeps
/// of its macros and blocks). False unless each placeholder was found exactly once, in the
/// tree, and in text.
fn unmask_template(t: &mut Template, runs: &[&str]) -> bool {
    let mut found = vec![false; runs.len()];
    let mut ok = unmask(&mut t.ast, runs, &mut found);
    // The macros and blocks are copies of parts of the tree (a block, of the blocks it
    // holds too): their placeholders were counted there, so each copy is only put back.
    for m in t.macros.values_mut() {
        ok &= unmask(&mut m.body, runs, &mut vec![false; runs.len()]);
    }
    for b in t.blocks.values_mut() {
        ok &= unmask_block(b, runs, &mut vec![false; runs.len()]);
    }
    ok && found.iter().all(|f| *f)
}

fn unmask_block(b: &mut Block, runs: &[&str], found: &mut [bool]) -> bool {
    unmask(&mut b.body, runs, found)
}

/// Restores the placeholders of the text nodes in `nodes`; false when a placeholder is
/// malformed or seen twice.
fn unmask(nodes: &mut [Node], runs: &[&str], found: &mut [bool]) -> bool {
    let mut ok = true;
    for node in nodes {
        ok &= match node {
            Node::Text(text) | Node::Raw(_, text, _) => unmask_text(text, runs, found),
            Node::MacroDefinition(_, m, _) => unmask(&mut m.body, runs, found),
            Node::FilterSection(_, f, _) => unmask(&mut f.body, runs, found),
            Node::Block(_, b, _) => unmask_block(b, runs, found),
            Node::Forloop(_, f, _) => {
                let body = unmask(&mut f.body, runs, found);
                let empty = f.empty_body.as_mut().is_none_or(|e| unmask(e, runs, found));
                body && empty
            }
            Node::If(cond, _) => {
                let mut ok = true;
                for (_, _, body) in &mut cond.conditions {
                    ok &= unmask(body, runs, found);
                }
                if let Some((_, body)) = &mut cond.otherwise {
                    ok &= unmask(body, runs, found);
                }
                ok
            }
            _ => true,
        };
    }
    ok
}

fn unmask_text(text: &mut String, runs: &[&str], found: &mut [bool]) -> bool {
    if !text.contains(MARK) {
        return true;
    }
    // Between two marks is an index: parts alternate text, index, text, …, and an even
    // count means a mark without its pair.
    if text.split(MARK).count().is_multiple_of(2) {
        return false;
    }
    let mut out = String::with_capacity(text.len());
    for (k, part) in text.split(MARK).enumerate() {
        if k % 2 == 0 {
            out.push_str(part);
            continue;
        }
        let Some(i) = part.parse::<usize>().ok().filter(|&i| i < runs.len()) else {
            return false;
        };
        if std::mem::replace(&mut found[i], true) {
            return false;
        }
        out.push_str(runs[i]);
    }
    *text = out;
    true
}

#[cfg(test)]
mod tests {
    use super::{mask, masked, template, MARK};
    use tera::Template;

    /// The masked parse gives the tree the whole-text parse gives.
    fn same(source: &str) {
        if Template::new("t", None, source).is_ok() {
            assert!(
                masked("t", source).is_some(),
                "masked parse taken: {source}"
            );
        }
        let whole = Template::new("t", None, source);
        let fast = template("t", source);
        match (whole, fast) {
            (Ok(w), Ok(f)) => {
                assert_eq!(w.ast, f.ast, "{source}");
                assert_eq!(w.macros, f.macros, "{source}");
                assert_eq!(w.blocks, f.blocks, "{source}");
                assert_eq!(w.imported_macro_files, f.imported_macro_files);
                assert_eq!(w.parent, f.parent);
            }
            (Err(w), Err(f)) => assert_eq!(format!("{w:?}"), format!("{f:?}")),
            (w, f) => panic!("{source}: whole {:?}, masked {:?}", w.is_ok(), f.is_ok()),
        }
    }

    const LONG: &str = "<element attribute=\"value\">some long plain text</element>";

    #[test]
    fn every_embedded_template_parses_to_the_same_tree() {
        for (name, body) in super::super::TEMPLATES {
            let whole = Template::new(name, None, body).expect("embedded templates parse");
            let fast = masked(name, body).unwrap_or_else(|| panic!("masked parse of {name}"));
            assert_eq!(whole.ast, fast.ast, "{name}");
            assert_eq!(whole.macros, fast.macros, "{name}");
        }
    }

    #[test]
    fn white_space_control_trims_around_a_masked_stretch() {
        same(&format!("{{% if a -%}}\n  {LONG}\n  {{%- endif %}}"));
        same(&format!("{{{{ a -}}}}  \n{LONG}\t\n{{{{- b }}}}"));
        same(&format!("  {LONG}  "));
    }

    #[test]
    fn tags_with_closing_sequences_in_strings_and_comments() {
        same(&format!("{{{{ \"}}}}\" }}}}{LONG}{{{{ '%}}' }}}}{LONG}"));
        same(&format!("{{# a \"comment }}}} {LONG} #}}{LONG}"));
        same(&format!("{{% set x = \"%}}\" %}}{LONG}{{{{ x }}}}"));
    }

    #[test]
    fn raw_sections_macros_loops_and_blocks() {
        same(&format!(
            "{{% raw %}}{LONG} {{{{ not a tag }}}} {LONG}{{%- endraw -%}}{LONG}"
        ));
        same(&format!(
            "{{% macro m(a) %}}{LONG}{{{{ a }}}}{LONG}{{% endmacro m %}}{LONG}"
        ));
        same(&format!(
            "{{% for x in xs %}}{LONG}{{% else %}}{LONG}{{% endfor %}}{{% filter upper %}}{LONG}{{% endfilter %}}"
        ));
        same(&format!(
            "{{% block b %}}{LONG}{{% block c %}}{LONG}{{% endblock c %}}{{% endblock b %}}"
        ));
        same(&format!(
            "{{% if a %}}{LONG}{{% elif b %}}{LONG}{{% else %}}{LONG}{{% endif %}}"
        ));
    }

    #[test]
    fn broken_templates_fail_as_tera_fails() {
        same(&format!("{LONG}{{% if %}}{LONG}"));
        same(&format!("{LONG}{{{{ unclosed {LONG}"));
        same(&format!("{LONG}{{% raw %}}{LONG}"));
        same(&format!("{LONG}{{% endif %}}{LONG}"));
    }

    #[test]
    fn a_template_holding_the_mark_is_parsed_whole() {
        let source = format!("{LONG}{MARK}0{MARK}{{{{ a }}}}{LONG}");
        assert!(masked("t", &source).is_none());
        assert_eq!(
            template("t", &source).expect("parses").ast,
            vec![
                tera::ast::Node::Text(format!("{LONG}{MARK}0{MARK}")),
                Template::new("t", None, "{{ a }}").expect("parses").ast[0].clone(),
                tera::ast::Node::Text(LONG.to_string()),
            ]
        );
    }

    #[test]
    fn short_text_stays_and_long_text_is_masked() {
        let source = format!("ab{{{{ x }}}} {LONG} ");
        let (masked, runs) = mask(&source);
        assert_eq!(masked, format!("ab{{{{ x }}}} {MARK}0{MARK} "));
        assert_eq!(runs, vec![LONG]);
    }
}
