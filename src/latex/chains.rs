//! Rows of math → chains of the syntax tree.
//!
//! In: the rows of every display block of a file, in order, and the
//! `derivation` headers. Out: [`Chain`] items whose expressions were parsed
//! by the `.deriv` grammar from the translated text, with every span moved
//! back to the original file, and the errors found.
//!
//! How rows make chains: a row that starts with a relation continues the
//! chain (`&= …`), across blocks too, so a derivation may be split by
//! prose; a row that starts with an expression and holds a relation starts
//! a new chain (`J(θ) &= …`); a row without a relation, or one that starts
//! with `+`, `-`, `\cdot`, `\times` or `/`, continues the expression above
//! it in the same block (a long step broken over rows, as in `multline`);
//! a row that ends with a relation takes its expression from the next row.
//! A justification belongs to the last step of its row, or, on a row of
//! its own (`% by …` after `\\`), to the step above.

use super::error;
use super::mapped::Mapped;
use super::math::{Part, Row};
use crate::syntax::ast::{Chain, Expr, Item, ItemKind, Relation, Step};
use crate::syntax::parser::{parse_expr_in, ParseContext, SyntaxError};
use crate::syntax::Span;

/// Longest translated text of one expression. A step is a line or a few
/// of a derivation; far longer ones are an error before parsing, so that
/// no tree is ever deep enough to strain the stack. Default: 16 KiB.
pub const MAX_STEP_BYTES: usize = 16 << 10;

/// A `derivation "name" proves NAME` line, read.
#[derive(Clone, Debug)]
pub struct Header {
    /// The chain's name.
    pub name: Option<String>,
    /// The claim it proves.
    pub proves: Option<String>,
    /// Where the line is.
    pub span: Span,
}

/// Read a `derivation` line (its span starts at the keyword).
pub fn parse_header(text: &str, span: Span) -> Result<Header, SyntaxError> {
    let line = &text[span.start..span.end];
    let mut i = "derivation".len().min(line.len());
    let skip = |i: usize| i + (line[i..].len() - line[i..].trim_start().len());
    i = skip(i);
    let mut name = None;
    if line[i..].starts_with('"') {
        match line[i + 1..].find('"') {
            Some(k) => {
                name = Some(line[i + 1..i + 1 + k].to_string());
                i = skip(i + 2 + k);
            }
            None => return Err(error(span.start + i, "expected a closing `\"`", None)),
        }
    }
    let mut proves = None;
    if let Some(rest) = line[i..].strip_prefix("proves") {
        if rest.starts_with(char::is_whitespace) {
            i = skip(i + "proves".len());
            let w: String = line[i..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if w.is_empty() {
                return Err(error(span.start + i, "expected a claim name", None));
            }
            i = skip(i + w.len());
            proves = Some(w);
        }
    }
    if !(line[i..].is_empty() || line[i..].starts_with('#')) {
        return Err(error(
            span.start + i,
            "expected the end of the `derivation` line",
            Some("write `derivation \"name\"`, optionally followed by `proves NAME`".into()),
        ));
    }
    Ok(Header { name, proves, span })
}

/// The rows of one block, or nothing when it could not be read.
pub struct BlockRows {
    /// Where the block is.
    pub span: Span,
    /// Its rows; `None` when a row (or the block) had an error.
    pub rows: Option<Vec<Row>>,
}

#[derive(Clone)]
struct StepB {
    relation: Relation,
    expr: Mapped,
    justification: Option<String>,
    /// The block the step was written in.
    block: usize,
}

#[derive(Clone)]
struct ChainB {
    header: Option<Header>,
    start: Mapped,
    steps: Vec<StepB>,
    pending: Option<(Relation, Span)>,
    /// The block of the last row read into the chain.
    block: usize,
    /// The block the chain starts in.
    first_block: usize,
}

impl ChainB {
    fn last_expr(&mut self) -> &mut Mapped {
        match self.steps.last_mut() {
            Some(s) => &mut s.expr,
            None => &mut self.start,
        }
    }
}

fn starts_with_operator(m: &Mapped) -> bool {
    m.text
        .trim_start()
        .starts_with(['+', '-', '−', '·', '×', '*', '/'])
}

/// Build the chains of a file from its blocks' rows. A block that cannot
/// be read takes nothing with it: the chain the blocks before it built is
/// kept as it stood (a row of the bad block that continued it is not),
/// and a block after it that continues with a relation is skipped, since
/// the chain it would continue is broken. Expressions are parsed knowing
/// the parameters `ctx` knows (for `dX/dθ`).
pub fn build(
    text: &str,
    ctx: &ParseContext,
    blocks: Vec<BlockRows>,
    headers: Vec<Header>,
    errors: &mut Vec<SyntaxError>,
) -> Vec<Item> {
    let mut items = Vec::new();
    let mut current: Option<ChainB> = None;
    let mut broken = false;
    let mut next_header = 0;
    for (bi, block) in blocks.into_iter().enumerate() {
        let mut header = None;
        while next_header < headers.len() && headers[next_header].span.start < block.span.start {
            header = Some(headers[next_header].clone());
            next_header += 1;
        }
        if header.is_some() {
            finish(text, ctx, current.take(), &mut items, errors);
            broken = false;
        }
        let Some(rows) = block.rows else {
            finish(text, ctx, current.take(), &mut items, errors);
            broken = true;
            continue;
        };
        // The chain as the blocks before this one left it, to keep if this
        // block fails; `None` once it is finished here.
        let mut before = current.clone();
        let mut failed = false;
        'rows: for row in rows {
            if let (Some(j), Some(c)) = (row.justification_above.clone(), current.as_mut()) {
                if let Some(last) = c.steps.last_mut() {
                    if last.justification.is_none() {
                        last.justification = Some(j);
                    }
                }
            }
            let has_rel = row.parts.iter().any(|p| matches!(p, Part::Rel(..)));
            for (pi, part) in row.parts.into_iter().enumerate() {
                match part {
                    Part::Text(m) => match current.as_mut() {
                        Some(c) if c.pending.is_some() => {
                            let (relation, _) =
                                c.pending.take().unwrap_or((Relation::Eq, m.whole()));
                            c.steps.push(StepB {
                                relation,
                                expr: m,
                                justification: None,
                                block: bi,
                            });
                        }
                        Some(c)
                            if pi == 0
                                && c.block == bi
                                && (!has_rel || starts_with_operator(&m)) =>
                        {
                            c.last_expr().append(m);
                        }
                        _ => {
                            finish(text, ctx, current.take(), &mut items, errors);
                            before = None;
                            current = Some(ChainB {
                                header: header.take(),
                                start: m,
                                steps: Vec::new(),
                                pending: None,
                                block: bi,
                                first_block: bi,
                            });
                            broken = false;
                        }
                    },
                    Part::Rel(r, span) => match current.as_mut() {
                        Some(c) => {
                            if let Some((prev, pspan)) = c.pending {
                                errors.push(error(
                                    pspan.start,
                                    format!("expected an expression after `{}`", prev.symbol()),
                                    None,
                                ));
                                failed = true;
                                break 'rows;
                            }
                            c.pending = Some((r, span));
                        }
                        None if broken => continue 'rows,
                        None => {
                            errors.push(error(
                                span.start,
                                format!(
                                    "a step starting with `{}` needs an expression before it",
                                    r.symbol()
                                ),
                                Some("start the chain with an expression".into()),
                            ));
                            failed = true;
                            break 'rows;
                        }
                    },
                }
            }
            if let (Some(j), Some(c)) = (row.justification, current.as_mut()) {
                if let Some(last) = c.steps.last_mut() {
                    if last.justification.is_none() {
                        last.justification = Some(j);
                    }
                }
            }
            if let Some(c) = current.as_mut() {
                c.block = bi;
            }
        }
        if let Some((r, span)) = current.as_ref().and_then(|c| c.pending) {
            errors.push(error(
                span.start,
                format!("expected an expression after `{}`", r.symbol()),
                None,
            ));
            failed = true;
        }
        if failed {
            finish(text, ctx, before.take(), &mut items, errors);
            current = None;
            broken = true;
        }
    }
    finish(text, ctx, current, &mut items, errors);
    items
}

/// Parse a chain's expressions and push the chain; push every error.
/// When an expression does not parse, the chain is kept up to the block
/// it is in: the steps of the blocks before it are still checked.
fn finish(
    text: &str,
    ctx: &ParseContext,
    chain: Option<ChainB>,
    items: &mut Vec<Item>,
    errors: &mut Vec<SyntaxError>,
) {
    let Some(c) = chain else {
        return;
    };
    // The first block with an expression that does not parse.
    let mut bad_block = usize::MAX;
    let mut parse = |m: &Mapped, block: usize| match parse_mapped(text, m, ctx) {
        Ok(e) => Some(e),
        Err(e) => {
            errors.push(e);
            bad_block = bad_block.min(block);
            None
        }
    };
    let start = parse(&c.start, c.first_block);
    let steps: Vec<(usize, Option<Step>)> = c
        .steps
        .iter()
        .map(|s| {
            let step = parse(&s.expr, s.block).map(|expr| Step {
                relation: s.relation,
                expr,
                justification: s.justification.clone(),
            });
            (s.block, step)
        })
        .collect();
    let Some(start) = start.filter(|_| c.first_block < bad_block) else {
        return;
    };
    let steps: Vec<Step> = steps
        .into_iter()
        .take_while(|(block, _)| *block < bad_block)
        .filter_map(|(_, s)| s)
        .collect();
    let first = c.header.as_ref().map_or(start.span, |h| h.span);
    let last = steps.last().map_or(start.span, |s| s.expr.span);
    let span = Span::new(first.start, last.end.max(first.end));
    let (name, proves) = c.header.map_or((None, None), |h| (h.name, h.proves));
    items.push(Item {
        kind: ItemKind::Chain(Chain {
            name,
            proves,
            span,
            start,
            steps,
        }),
        span,
    });
}

/// Parse translated text with the `.deriv` grammar and move every span,
/// or the error's position, back to the original file.
pub fn parse_mapped(text: &str, m: &Mapped, ctx: &ParseContext) -> Result<Expr, SyntaxError> {
    if m.text.len() > MAX_STEP_BYTES {
        return Err(error(
            m.origin(0).start,
            format!("a step longer than {MAX_STEP_BYTES} characters"),
            Some("split it into shorter steps or definitions".into()),
        ));
    }
    match parse_expr_in(&m.text, 0, ctx) {
        Ok(mut e) => {
            e.map_spans(&mut |s| m.map(s));
            super::kl::expand(&mut e, &ctx.dists)?;
            Ok(e)
        }
        Err(mut e) => {
            let at = m.origin(e.at).start;
            if e.message.is_none() {
                let found = if e.at >= m.text.trim_end().len() {
                    "the end of the step".to_string()
                } else {
                    found_at(text, at)
                };
                e.message = Some(match e.expected {
                    Some(x) => format!("expected {x}, found {found}"),
                    None => format!("unexpected {found}"),
                });
            }
            e.at = at;
            Err(e)
        }
    }
}

/// The token written at `at`: a command with its backslash, or a character.
fn found_at(text: &str, at: usize) -> String {
    let at = super::lexer::floor_boundary(text, at);
    let rest = &text[at..];
    if let Some(r) = rest.strip_prefix('\\') {
        let n = r
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(r.len());
        let n = if n == 0 {
            r.chars().next().map_or(0, char::len_utf8)
        } else {
            n
        };
        return format!("`\\{}`", &r[..n]);
    }
    rest.chars()
        .next()
        .filter(|c| *c != '\n')
        .map_or_else(|| "the end of the line".to_string(), |c| format!("`{c}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_read_with_name_and_claim() {
        let text = "derivation \"policy gradient\" proves main  # note";
        let h = parse_header(text, Span::new(0, text.len())).unwrap();
        assert_eq!(h.name.as_deref(), Some("policy gradient"));
        assert_eq!(h.proves.as_deref(), Some("main"));
        let text = "derivation \"x";
        assert!(parse_header(text, Span::new(0, text.len())).is_err());
        let text = "derivation x y";
        assert_eq!(
            parse_header(text, Span::new(0, text.len())).unwrap_err().at,
            11
        );
    }
}
