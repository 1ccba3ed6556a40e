//! Finding the math in a `.tex` or `.md` file.
//!
//! In: the file's text. Out: a [`Doc`]: the display-math blocks that hold
//! chains (each already lexed and macro-expanded, with the definitions met
//! so far), the ranges that hold `.deriv` declarations (`%!` lines in
//! LaTeX, ```` ```deriv ```` blocks in Markdown), the `derivation` headers
//! that name the next chain, and the errors found (an environment or
//! `$$` that is never closed). Prose, inline math and code are skipped.

use super::error;
use super::lexer::{lex, Lexer};
use super::macros::{expand, is_definition, read_definition, Macros};
use crate::syntax::parser::SyntaxError;
use crate::syntax::Span;
use std::collections::HashMap;

/// A display-math block.
#[derive(Clone, Debug)]
pub struct Block {
    /// Its content, lexed and expanded.
    pub tokens: Vec<super::lexer::Token>,
    /// Where its content is.
    pub span: Span,
    /// Whether reading it failed (a bad macro): it holds no chain.
    pub broken: bool,
}

/// What a scan found.
#[derive(Clone, Debug, Default)]
pub struct Doc {
    /// Ranges holding `.deriv` text.
    pub decls: Vec<Span>,
    /// `derivation "name"` lines that name the next LaTeX chain.
    pub headers: Vec<Span>,
    /// The display-math blocks, in file order.
    pub blocks: Vec<Block>,
    /// Problems found.
    pub errors: Vec<SyntaxError>,
    /// The macros defined so far.
    pub macros: Macros,
    /// Closing delimiters known to be absent from a position to the end of
    /// a range: `(delimiter, range end) → position`. An unclosed
    /// environment is reported once, and a thousand of them cost one
    /// search, not a thousand.
    never_closed: HashMap<(String, usize), usize>,
}

/// Environments whose content is a display formula.
fn is_math_env(env: &str) -> bool {
    matches!(
        env.trim_end_matches('*'),
        "align"
            | "aligned"
            | "equation"
            | "eqnarray"
            | "gather"
            | "gathered"
            | "multline"
            | "flalign"
            | "alignat"
            | "displaymath"
            | "split"
    )
}

/// Environments whose content is not LaTeX to read.
fn is_verbatim_env(env: &str) -> bool {
    matches!(
        env.trim_end_matches('*'),
        "verbatim" | "Verbatim" | "lstlisting" | "minted" | "comment"
    )
}

fn line_end(text: &str, i: usize, end: usize) -> usize {
    text[i..end].find('\n').map_or(end, |k| i + k)
}

/// The command name at `i` (a backslash) and the index after it.
fn command_at(text: &str, i: usize, end: usize) -> (&str, usize) {
    let rest = &text[i + 1..end];
    let n = rest
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(rest.len());
    if n > 0 {
        return (&rest[..n], i + 1 + n);
    }
    match rest.chars().next() {
        Some(c) => (&rest[..c.len_utf8()], i + 1 + c.len_utf8()),
        None => ("", end),
    }
}

/// `{name}` after `\begin` or `\end`, spaces allowed before it.
fn env_name(text: &str, i: usize, end: usize) -> Option<(&str, usize)> {
    let rest = &text[i..end];
    let lead = rest.len() - rest.trim_start().len();
    let r = &rest[lead..];
    if !r.starts_with('{') {
        return None;
    }
    // An environment's name is short: look a little way only, so that a
    // file of unclosed `\begin{` stays linear.
    let close = r.char_indices().take(64).find(|&(_, c)| c == '}')?.0;
    let name = &r[1..close];
    if name.len() > 40 || name.contains(['{', '\n', '\\']) {
        return None;
    }
    Some((name, i + lead + close + 1))
}

/// An opening to report when its closing is missing: where, what, a hint.
type Unclosed = (usize, String, String);

impl Doc {
    /// The position of `close` in `text[from..end]`. When it is missing,
    /// the opening is reported as unclosed, the first time only.
    fn find_close(
        &mut self,
        text: &str,
        (from, end): (usize, usize),
        close: &str,
        unclosed: Option<Unclosed>,
    ) -> Option<usize> {
        let key = (close.to_string(), end);
        if self.never_closed.get(&key).is_some_and(|&f| from >= f) {
            return None;
        }
        if let Some(k) = text[from..end].find(close) {
            return Some(from + k);
        }
        let known = self.never_closed.contains_key(&key);
        let f = self.never_closed.entry(key).or_insert(from);
        *f = (*f).min(from);
        if let (false, Some((at, message, hint))) = (known, unclosed) {
            self.errors.push(error(at, message, Some(hint)));
        }
        None
    }

    /// Lex and expand a display block and record it.
    fn block(&mut self, text: &str, start: usize, end: usize) {
        let tokens = lex(text, start, end);
        let (tokens, broken) = match expand(tokens, &mut self.macros) {
            Ok(t) => (t, false),
            Err(e) => {
                self.errors.push(e);
                (Vec::new(), true)
            }
        };
        self.blocks.push(Block {
            tokens,
            span: Span::new(start, end),
            broken,
        });
    }

    /// A macro definition in prose, starting at the backslash `i`.
    fn definition(&mut self, text: &str, i: usize, end: usize) -> usize {
        let mut lx = Lexer::new(text, i, end);
        let Some(cmd) = lx.next() else {
            return end;
        };
        if let Err(e) = read_definition(&cmd, &mut lx, &mut self.macros) {
            self.errors.push(e);
        }
        lx.pos.max(cmd.span.end)
    }
}

/// `%!` lines: declarations, or `derivation` headers.
fn directive_lines(text: &str, start: usize, end: usize, doc: &mut Doc) {
    let mut pos = start;
    while pos < end {
        let eol = line_end(text, pos, end);
        let line = &text[pos..eol];
        let lead = line.len() - line.trim_start().len();
        if line[lead..].starts_with("%!") {
            let from = pos + lead + 2;
            let body = text[from..eol].trim_end_matches('\r');
            let t = body.trim_start();
            let at = from + (body.len() - t.len());
            let span = Span::new(at, at + t.trim_end().len());
            if is_header(t) {
                doc.headers.push(span);
            } else {
                doc.decls.push(Span::new(from, from + body.len()));
            }
        }
        pos = eol + 1;
    }
}

/// Whether a `.deriv` line is a `derivation` header.
fn is_header(line: &str) -> bool {
    line.strip_prefix("derivation")
        .is_some_and(|r| !r.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
}

/// Scan a LaTeX document (or the LaTeX of a Markdown fence).
pub fn latex(text: &str, start: usize, end: usize, doc: &mut Doc) {
    directive_lines(text, start, end, doc);
    scan(text, start, end, false, doc);
}

/// Scan a Markdown document.
pub fn markdown(text: &str, doc: &mut Doc) {
    scan(text, 0, text.len(), true, doc);
}

fn scan(text: &str, start: usize, end: usize, md: bool, doc: &mut Doc) {
    let b = text.as_bytes();
    let mut i = start;
    // The end of the line `i` is on, found once a line so that a long line
    // full of backticks stays linear.
    let mut line = (usize::MAX, 0);
    let mut lists = ListItems::default();
    while i < end {
        if md && (i == 0 || b[i - 1] == b'\n') {
            if let Some(next) = lists.indented_code(text, (start, i), end) {
                i = next;
                continue;
            }
            if let Some(next) = fence(text, i, end, doc) {
                i = next;
                continue;
            }
        }
        match b[i] {
            b'%' if !md => i = line_end(text, i, end),
            b'`' if md => {
                let run = text[i..end].bytes().take_while(|&c| c == b'`').count();
                let ticks = &text[i..i + run];
                if line.0 == usize::MAX || line.1 < i {
                    line = (i, line_end(text, i, end));
                }
                i = match doc.find_close(text, (i + run, line.1), ticks, None) {
                    Some(at) => at + run,
                    None => i + run,
                };
            }
            b'<' if md && text[i..end].starts_with("<!--") => {
                i = text[i + 4..end].find("-->").map_or(end, |k| i + 4 + k + 3);
            }
            b'$' if b.get(i + 1) == Some(&b'$') && i + 1 < end => {
                let from = i + 2;
                let unclosed = (
                    i,
                    "unclosed `$$`".to_string(),
                    "close the display formula with `$$`".to_string(),
                );
                match doc.find_close(text, (from, end), "$$", Some(unclosed)) {
                    Some(at) => {
                        doc.block(text, from, at);
                        i = at + 2;
                    }
                    None => i = from,
                }
            }
            b'$' if !md => {
                // Inline math is prose: skip to its closing `$`, unless a
                // blank line comes first (then the `$` is a stray one).
                let mut k = i + 1;
                while k < end && b[k] != b'$' {
                    if b[k] == b'\\' {
                        k += 1;
                    } else if b[k] == b'\n'
                        && text[k + 1..end]
                            .trim_start_matches([' ', '\t', '\r'])
                            .starts_with('\n')
                    {
                        k = end;
                        break;
                    }
                    k += 1;
                }
                i = if k < end { k + 1 } else { i + 1 };
            }
            b'\\' => i = command(text, i, end, doc),
            _ => i += 1,
        }
    }
}

/// A command in prose: math environments, `\[ … \]`, `\( … \)`,
/// definitions, `\verb`.
fn command(text: &str, i: usize, end: usize, doc: &mut Doc) -> usize {
    let (name, after) = command_at(text, i, end);
    match name {
        "begin" => {
            let Some((env, after_env)) = env_name(text, after, end) else {
                return after;
            };
            if is_math_env(env) {
                let close = format!("\\end{{{env}}}");
                let unclosed = (
                    i,
                    format!("unclosed `\\begin{{{env}}}`"),
                    format!("end it with `{close}`"),
                );
                match doc.find_close(text, (after_env, end), &close, Some(unclosed)) {
                    Some(at) => {
                        let mut from = after_env;
                        if env.starts_with("alignat") {
                            if let Some((_, a)) = env_name(text, from, at) {
                                from = a;
                            }
                        }
                        doc.block(text, from, at);
                        at + close.len()
                    }
                    None => after_env,
                }
            } else if is_verbatim_env(env) {
                let close = format!("\\end{{{env}}}");
                doc.find_close(text, (after_env, end), &close, None)
                    .map_or(end, |at| at + close.len())
            } else {
                after_env
            }
        }
        "[" => {
            let unclosed = (
                i,
                "unclosed `\\[`".to_string(),
                "close the display formula with `\\]`".to_string(),
            );
            match doc.find_close(text, (after, end), "\\]", Some(unclosed)) {
                Some(at) => {
                    doc.block(text, after, at);
                    at + 2
                }
                None => after,
            }
        }
        "(" => doc
            .find_close(text, (after, end), "\\)", None)
            .map_or(after, |at| at + 2),
        "verb" => match text[after..end].chars().next() {
            Some(d) if !d.is_alphabetic() && !d.is_whitespace() => {
                let from = after + d.len_utf8();
                let line = line_end(text, from, end);
                text[from..line]
                    .find(d)
                    .map_or(line, |k| from + k + d.len_utf8())
            }
            _ => after,
        },
        n if is_definition(n) => doc.definition(text, i, end),
        _ => after,
    }
}

/// The width of a line's indentation, a tab reaching the next multiple
/// of 4 (CommonMark), and the byte after it.
fn indentation(line: &str) -> (usize, usize) {
    indentation_from(line, 0)
}

/// Like [`indentation`], for text that starts at column `column`.
fn indentation_from(text: &str, column: usize) -> (usize, usize) {
    let mut width = column;
    for (k, c) in text.char_indices() {
        match c {
            ' ' => width += 1,
            '\t' => width += 4 - width % 4,
            _ => return (width - column, k),
        }
    }
    (width - column, text.len())
}

fn is_blank(line: &str) -> bool {
    line.trim_matches([' ', '\t', '\r']).is_empty()
}

/// The content indentation of a Markdown list item starting this line
/// (`- `, `* `, `+ `, `1. `, `1) `), if it is one: where the item's text
/// starts, which is where its own blocks are indented from.
fn list_item(line: &str) -> Option<usize> {
    let (indent, at) = indentation(line);
    let rest = &line[at..];
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let marker = match rest.as_bytes().first()? {
        b'-' | b'*' | b'+' => 1,
        _ if (1..=9).contains(&digits)
            && matches!(rest.as_bytes().get(digits), Some(b'.' | b')')) =>
        {
            digits + 1
        }
        _ => return None,
    };
    let after = &rest[marker..];
    let (gap, _) = indentation_from(after, indent + marker);
    if gap == 0 && !is_blank(after) {
        return None;
    }
    // An item whose text starts after five spaces or more starts with an
    // indented code block: its content is one space after the marker.
    let gap = if (1..=4).contains(&gap) { gap } else { 1 };
    Some(indent + marker + gap)
}

/// The Markdown list items open at a line, so that indentation can be
/// measured from an item's content, as CommonMark does: in a list item,
/// `$$` indented four spaces is the item's paragraph, not code.
#[derive(Default)]
struct ListItems {
    /// Content indentations of the open items, innermost last.
    open: Vec<usize>,
}

impl ListItems {
    /// At the line start `i` (in a region starting at `start`): update the
    /// open items, and if an indented code block starts here (four spaces
    /// or a tab past the enclosing item's content, after a blank line; it
    /// cannot interrupt a paragraph), the index after it. Its content is
    /// code, not mathematics, like a fenced block's.
    fn indented_code(
        &mut self,
        text: &str,
        (start, i): (usize, usize),
        end: usize,
    ) -> Option<usize> {
        let line = &text[i..line_end(text, i, end)];
        if is_blank(line) {
            return None;
        }
        let after_blank = i == start || text[start..i - 1].rsplit('\n').next().is_none_or(is_blank);
        let (indent, _) = indentation(line);
        let base = self.open.last().copied().unwrap_or(0);
        if after_blank && indent >= base + 4 {
            let mut pos = i;
            while pos < end {
                let e = line_end(text, pos, end);
                let l = &text[pos..e];
                if !is_blank(l) && indentation(l).0 < base + 4 {
                    break;
                }
                pos = (e + 1).min(end);
            }
            return Some(pos);
        }
        if after_blank || list_item(line).is_some() {
            while self.open.last().is_some_and(|&c| indent < c) {
                self.open.pop();
            }
        }
        if indent < base + 4 {
            if let Some(content) = list_item(line) {
                self.open.push(content);
            }
        }
        None
    }
}

/// A fenced code block starting at the line start `i`: its content is
/// declarations (```` ```deriv ````), a formula (```` ```math ````), LaTeX
/// (```` ```latex ````, ```` ```tex ````) or code to skip. Returns the index
/// after the block.
fn fence(text: &str, i: usize, end: usize, doc: &mut Doc) -> Option<usize> {
    let eol = line_end(text, i, end);
    let line = &text[i..eol];
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let ch = rest.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let run = rest.chars().take_while(|c| *c == ch).count();
    if run < 3 {
        return None;
    }
    let info = rest[run..].trim();
    if ch == '`' && info.contains('`') {
        return None;
    }
    let lang = info
        .split(|c: char| c.is_whitespace() || c == '{' || c == ',')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let content_start = (eol + 1).min(end);
    let mut pos = content_start;
    let (content_end, after) = loop {
        if pos >= end {
            break (end, end);
        }
        let e = line_end(text, pos, end);
        let l = text[pos..e].trim_end_matches('\r');
        let ind = l.len() - l.trim_start_matches(' ').len();
        let body = &l[ind..];
        let n = body.chars().take_while(|c| *c == ch).count();
        if ind <= 3 && n >= run && body[n * ch.len_utf8()..].trim().is_empty() {
            break (pos, (e + 1).min(end));
        }
        pos = e + 1;
    };
    match lang.as_str() {
        "deriv" => deriv_block(text, content_start, content_end, doc),
        "math" => doc.block(text, content_start, content_end),
        "latex" | "tex" => latex(text, content_start, content_end, doc),
        _ => {}
    }
    Some(after)
}

/// A ```` ```deriv ```` block: declarations, and a last `derivation` line
/// with no chain after it names the next LaTeX chain.
fn deriv_block(text: &str, start: usize, end: usize, doc: &mut Doc) {
    let mut decl_end = end;
    let mut pos = end;
    while pos > start {
        let before = text[start..pos]
            .strip_suffix('\n')
            .unwrap_or(&text[start..pos]);
        let line_start = before.rfind('\n').map_or(start, |k| start + k + 1);
        let line = text[line_start..pos].trim();
        if line.is_empty() || line.starts_with('#') {
            pos = line_start;
            continue;
        }
        if is_header(line) {
            let raw = &text[line_start..pos];
            let lead = raw.len() - raw.trim_start().len();
            let at = line_start + lead;
            doc.headers.push(Span::new(at, at + line.len()));
            decl_end = line_start;
        }
        break;
    }
    if decl_end > start {
        doc.decls.push(Span::new(start, decl_end));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::latex::lexer::Tok;

    fn contents(text: &str, doc: &Doc) -> Vec<String> {
        doc.blocks
            .iter()
            .map(|b| text[b.span.start..b.span.end].trim().to_string())
            .collect()
    }

    #[test]
    fn latex_environments_and_display_math_are_found() {
        let text = "Prose $x = y$ and \\(a\\).\n\\begin{align*}\na &= b\n\\end{align*}\n$$c = d$$\n\\[e = f\\]\n% \\begin{align} hidden \\end{align}\n\\begin{verbatim}$$g$$\\end{verbatim}\n";
        let mut doc = Doc::default();
        latex(text, 0, text.len(), &mut doc);
        assert!(doc.errors.is_empty(), "{:?}", doc.errors);
        assert_eq!(contents(text, &doc), vec!["a &= b", "c = d", "e = f"]);
    }

    #[test]
    fn directives_are_declarations_or_headers() {
        let text = "%! param θ\n  %! derivation \"d\"\n% plain comment\n";
        let mut doc = Doc::default();
        latex(text, 0, text.len(), &mut doc);
        assert_eq!(&text[doc.decls[0].start..doc.decls[0].end], " param θ");
        assert_eq!(
            &text[doc.headers[0].start..doc.headers[0].end],
            "derivation \"d\""
        );
    }

    #[test]
    fn unclosed_environments_are_errors_at_the_begin() {
        let text = "ok\n\\begin{align}\na = b\n";
        let mut doc = Doc::default();
        latex(text, 0, text.len(), &mut doc);
        assert_eq!(doc.errors.len(), 1);
        assert_eq!(doc.errors[0].at, 3);
        let text = "x $$ a = b";
        let mut doc = Doc::default();
        latex(text, 0, text.len(), &mut doc);
        assert_eq!(doc.errors[0].at, 2);
    }

    #[test]
    fn many_unclosed_openings_are_one_error_and_one_search() {
        let text = "\\begin{align}\n".repeat(100_000) + &"\\[ $$ \\( \\begin{".repeat(50_000);
        let started = std::time::Instant::now();
        let mut doc = Doc::default();
        latex(&text, 0, text.len(), &mut doc);
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
        // One for `\begin{align}`, one for `\[`; the `$$` pair up.
        assert_eq!(doc.errors.len(), 2, "{:?}", doc.errors);
    }

    #[test]
    fn markdown_fences_code_and_comments() {
        let text = "# Title\n\n```deriv\nparam θ\nderivation \"pg\"\n```\n\
            Costs 5% and `$$no$$` <!-- $$no$$ -->\n\n$$\na = b\n$$\n\n```python\n$$no$$\n```\n\
            ```math\nc = d\n```\n~~~latex\n\\begin{align}e &= f\\end{align}\n~~~\n";
        let mut doc = Doc::default();
        markdown(text, &mut doc);
        assert!(doc.errors.is_empty(), "{:?}", doc.errors);
        assert_eq!(contents(text, &doc), vec!["a = b", "c = d", "e &= f"]);
        assert_eq!(&text[doc.decls[0].start..doc.decls[0].end], "param θ\n");
        assert_eq!(
            &text[doc.headers[0].start..doc.headers[0].end],
            "derivation \"pg\""
        );
    }

    #[test]
    fn indented_code_blocks_are_code_not_mathematics() {
        let read = |text: &str| {
            let mut doc = Doc::default();
            markdown(text, &mut doc);
            assert!(doc.errors.is_empty(), "{:?}", doc.errors);
            (contents(text, &doc), doc.decls.len())
        };
        // Four spaces or a tab after a blank line (or at the start) are
        // code, whatever they hold; so is a fence they indent.
        let code = "    $$ a = b $$\n\nProse.\n\n    $$\n    c = d\n    $$\n\n\t$$ e = f $$\n\n    ```deriv\n    param θ\n    ```\n";
        assert_eq!(read(code), (vec![], 0));
        // Blank lines inside the block do not end it; a line indented less
        // does.
        let text = "Prose.\n\n    $$ a = b $$\n\n    $$ c = d $$\n$$ e = f $$\n";
        assert_eq!(read(text).0, vec!["e = f"]);
        // Indented lines that continue a paragraph are the paragraph's.
        let text = "We have\n    $$ a = b $$\nand so on.\n";
        assert_eq!(read(text).0, vec!["a = b"]);
    }

    #[test]
    fn indentation_in_a_list_item_counts_from_its_content() {
        let read = |text: &str| {
            let mut doc = Doc::default();
            markdown(text, &mut doc);
            contents(text, &doc)
        };
        // `- ` puts the content at 2 and `1. ` at 3: four spaces are the
        // item's own paragraph, and code starts four past the content.
        let text = "- First:\n\n    $$ a = b $$\n\n      $$ no $$\n\n1. Then:\n\n    $$\n    c = d\n    $$\n\n   2. Nested:\n\n        $$ e = f $$\n\n          $$ no $$\n\n    $$ g = h $$\n";
        assert_eq!(read(text), vec!["a = b", "c = d", "e = f", "g = h"]);
        // After the list, indentation is measured from the margin again.
        let text = "- item\n\nProse after the list.\n\n    $$ no $$\n";
        assert!(read(text).is_empty());
        // Not list items: a thematic break, emphasis, a number alone.
        for line in ["---", "*emphasis*", "2024", "-x"] {
            let text = format!("{line}\n\n    $$ no $$\n");
            assert!(read(&text).is_empty(), "{line}");
        }
        assert_eq!(list_item("10) text"), Some(4));
        assert_eq!(list_item("  *\ttext"), Some(4));
        assert_eq!(list_item("-      text"), Some(2));
    }

    #[test]
    fn preamble_macros_apply_to_later_blocks() {
        let text = "\\newcommand{\\E}{\\mathbb{E}}\n$$\\E$$";
        let mut doc = Doc::default();
        latex(text, 0, text.len(), &mut doc);
        assert!(doc.blocks[0]
            .tokens
            .iter()
            .any(|t| t.tok == Tok::Cmd("mathbb".into())));
    }
}
