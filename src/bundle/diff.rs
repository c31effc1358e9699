//! A unified line diff (`@@` hunks, 3 lines of context), for `kmgen build --check`.
//!
//! The edit script is a longest common subsequence of the lines between the common prefix
//! and suffix: a snapshot usually changes in a few places, so that middle is small.

/// Lines of context around each change, as `diff -u` shows.
const CONTEXT: usize = 3;
/// Above this many table cells (lines × lines of the differing middle) the whole middle is
/// shown as replaced instead of computing a minimal script.
const MAX_CELLS: usize = 16_000_000;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Op {
    Same,
    Delete,
    Insert,
}

/// `old` → `new` as a unified diff under the headers `--- {old_name}` and `+++ {new_name}`;
/// empty when the texts are equal. A last line without a newline is marked as `diff` does.
pub fn unified(old_name: &str, new_name: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let ops = script(&a, &b);
    // Lines of `a` and `b` before each op.
    let (mut before_a, mut before_b) = (vec![0], vec![0]);
    for op in &ops {
        let (i, j) = (*before_a.last().unwrap(), *before_b.last().unwrap());
        before_a.push(i + usize::from(*op != Op::Insert));
        before_b.push(j + usize::from(*op != Op::Delete));
    }
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    let mut k = 0;
    while let Some(first) = (k..ops.len()).find(|&x| ops[x] != Op::Same) {
        // Extend the hunk while the next change is close enough to share context.
        let mut last = first;
        loop {
            let next = (last + 1..ops.len()).find(|&x| ops[x] != Op::Same);
            match next {
                Some(n) if n - last - 1 <= 2 * CONTEXT => last = n,
                _ => break,
            }
        }
        let (start, end) = (
            first.saturating_sub(CONTEXT),
            (last + 1 + CONTEXT).min(ops.len()),
        );
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            range(before_a[start], before_a[end] - before_a[start]),
            range(before_b[start], before_b[end] - before_b[start]),
        ));
        for x in start..end {
            let (sign, line) = match ops[x] {
                Op::Same => (' ', a[before_a[x]]),
                Op::Delete => ('-', a[before_a[x]]),
                Op::Insert => ('+', b[before_b[x]]),
            };
            out.push(sign);
            match line.strip_suffix('\n') {
                Some(l) => out.push_str(l),
                None => out.push_str(&format!("{line}\n\\ No newline at end of file")),
            }
            out.push('\n');
        }
        k = end;
    }
    out
}

/// `start,len` as `diff -u` writes it: 1-based, `,len` left out for one line, and the line
/// before the hunk for an empty range.
fn range(start: usize, len: usize) -> String {
    match len {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        _ => format!("{},{len}", start + 1),
    }
}

/// A shortest edit script from `a` to `b`.
fn script(a: &[&str], b: &[&str]) -> Vec<Op> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a_mid, b_mid) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut ops = vec![Op::Same; prefix];
    ops.extend(middle(a_mid, b_mid));
    ops.extend(vec![Op::Same; suffix]);
    ops
}

/// The LCS table, walked from the start: deletions before insertions at each change.
fn middle(a: &[&str], b: &[&str]) -> Vec<Op> {
    let (n, m) = (a.len(), b.len());
    if (n + 1).saturating_mul(m + 1) > MAX_CELLS {
        return [vec![Op::Delete; n], vec![Op::Insert; m]].concat();
    }
    // lcs[i * (m + 1) + j]: length of a longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[at(i, j)] = if a[i] == b[j] {
                lcs[at(i + 1, j + 1)] + 1
            } else {
                lcs[at(i + 1, j)].max(lcs[at(i, j + 1)])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut ops = Vec::with_capacity(n + m);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push(Op::Same);
            (i, j) = (i + 1, j + 1);
        } else if j == m || (i < n && lcs[at(i + 1, j)] >= lcs[at(i, j + 1)]) {
            ops.push(Op::Delete);
            i += 1;
        } else {
            ops.push(Op::Insert);
            j += 1;
        }
    }
    ops
}

#[cfg(test)]
mod tests {
    use super::unified;

    fn numbered(range: std::ops::RangeInclusive<u32>) -> String {
        range.map(|i| format!("{i}\n")).collect()
    }

    /// `text` with whole line `line` replaced.
    fn with(text: &str, line: &str, new: &str) -> String {
        text.lines()
            .map(|l| format!("{}\n", if l == line { new } else { l }))
            .collect()
    }

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(unified("a", "b", "x\n", "x\n"), "");
    }

    #[test]
    fn one_changed_line_with_three_lines_of_context() {
        let old = numbered(1..=10);
        let new = with(&old, "5", "five");
        assert_eq!(
            unified("old", "new", &old, &new),
            "--- old\n+++ new\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
        );
    }

    #[test]
    fn distant_changes_make_two_hunks_and_close_ones_one() {
        let old = numbered(1..=20);
        let far = with(&with(&old, "2", "two"), "18", "eighteen");
        let d = unified("old", "new", &old, &far);
        assert_eq!(d.matches("\n@@ ").count(), 2, "{d}");
        assert!(d.contains("@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n"), "{d}");
        assert!(d.contains("@@ -15,6 +15,6 @@\n"), "{d}");
        // Six unchanged lines between two changes still share one hunk.
        let near = with(&with(&old, "3", "three"), "10", "ten");
        assert_eq!(
            unified("old", "new", &old, &near).matches("\n@@ ").count(),
            1
        );
    }

    #[test]
    fn insertions_deletions_and_the_missing_last_newline() {
        assert_eq!(
            unified("old", "new", "a\nb\n", "a\nb\nc\n"),
            "--- old\n+++ new\n@@ -1,2 +1,3 @@\n a\n b\n+c\n"
        );
        assert_eq!(
            unified("old", "new", "", "a\n"),
            "--- old\n+++ new\n@@ -0,0 +1 @@\n+a\n"
        );
        assert_eq!(
            unified("old", "new", "a\nb", "a\nb\n"),
            "--- old\n+++ new\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"
        );
    }

    #[test]
    fn the_script_is_minimal() {
        let d = unified("old", "new", "a\nb\nc\nd\n", "b\nc\nd\ne\n");
        assert_eq!(d, "--- old\n+++ new\n@@ -1,4 +1,4 @@\n-a\n b\n c\n d\n+e\n");
    }
}
