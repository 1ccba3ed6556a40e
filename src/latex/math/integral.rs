//! `\int … dx`: an integral over the real line, read up to its trailing
//! differential.
//!
//! `\int f(x)\,dx`, `\int_{\mathcal X} p(x) f(x)\, \mathrm{d}x` and
//! `\int_{-\infty}^{\infty} … dx` become `∫_{x} [ … ]`: the variable is the
//! one of the differential (`dx`, `d x`, `\mathrm{d}x`, `\operatorname{d}\tau`),
//! and the integrand is everything between the integral sign and it. A
//! subscript that names a space (`\mathcal X`, `\mathbb{R}`) is read as the
//! real line; bounds other than `-\infty`…`\infty` are an error (a definite
//! integral over a bounded interval cannot be checked soundly).

use super::{cmd_name, error, is_font, letter, Kind, Res, Tok, Translator};

impl Translator<'_> {
    /// `\int` at `i`; returns the index after the differential.
    pub(super) fn integral(&mut self, i: usize, hi: usize) -> Res<usize> {
        let span = self.toks[i].span;
        let mut j = i + 1;
        let (mut lower, mut upper) = (None, None);
        while let Some(k) = self.next_solid(j, hi) {
            let t = &self.toks[k];
            if !matches!(t.tok, Tok::Sub | Tok::Sup) {
                break;
            }
            let (lo, chi, next) = self.script_arg(k + 1, hi, t)?;
            if t.tok == Tok::Sub {
                lower = Some((lo, chi));
            } else {
                upper = Some((lo, chi));
            }
            j = next;
        }
        let infinite =
            |tr: &Self, (lo, hi): (usize, usize)| tr.toks[lo..hi].iter().any(|t| t.is_cmd("infty"));
        let bounded = match (lower, upper) {
            (None, None) => false,
            (Some(l), None) => !infinite(self, l) && !self.names_a_space(l.0, l.1),
            (Some(l), Some(u)) => !(infinite(self, l) && infinite(self, u)),
            (None, Some(_)) => true,
        };
        if bounded || matches!((lower, upper), (Some(l), None) if infinite(self, l)) {
            return Err(error(
                span.start,
                "definite integrals over a bounded interval cannot be checked",
                Some(
                    "integrate over the real line, \\int_{-\\infty}^{\\infty} … \\,dx, with the \
                     bounds as a factor of the integrand"
                        .into(),
                ),
            ));
        }
        let Some((d, var, after)) = self.differential(j, hi) else {
            return Err(error(
                span.start,
                "integrals need their differential, as in \\int f(x)\\,dx",
                None,
            ));
        };
        self.emit("∫_{", span, Kind::Sym);
        self.emit(&var, self.toks[d].span, Kind::Literal);
        self.emit("} [", span, Kind::Sym);
        let body = self.next_solid(j, d).unwrap_or(d);
        self.nested(body, d, span)?;
        self.out.trim_end();
        self.emit("]", self.toks[after - 1].span, Kind::Sym);
        Ok(after)
    }

    /// Whether `lo..hi` is only a name (letters, fonts, braces): a space
    /// such as `\mathcal X` or `\mathbb{R}`, not a bound.
    fn names_a_space(&self, lo: usize, hi: usize) -> bool {
        self.toks[lo..hi].iter().all(|t| match &t.tok {
            Tok::Char(c) => c.is_alphabetic(),
            Tok::Space | Tok::Open | Tok::Close => true,
            Tok::Cmd(n) => is_font(n) || letter(n).is_some(),
            _ => false,
        })
    }

    /// The first differential `d x` at the top level of `lo..hi`: the
    /// index of its `d`, the variable, and the index after it.
    fn differential(&self, lo: usize, hi: usize) -> Option<(usize, String, usize)> {
        let mut k = lo;
        while k < hi {
            let t = &self.toks[k];
            if t.tok == Tok::Open {
                k = self.matching[k] + 1;
                continue;
            }
            let after_d = match &t.tok {
                Tok::Char('d') => Some(k + 1),
                Tok::Cmd(n) if matches!(n.as_str(), "mathrm" | "operatorname" | "mathit") => self
                    .arg(k + 1, hi, t, "an argument")
                    .ok()
                    .filter(|(a, b, _)| self.word(*a, *b).as_deref() == Some("d"))
                    .map(|(_, _, next)| next),
                _ => None,
            };
            let starts_word =
                k > lo && matches!(self.toks[k - 1].tok, Tok::Char(c) if c.is_alphanumeric());
            if let (Some(a), false) = (after_d, starts_word) {
                if let Some((var, next)) = self.variable(a, hi) {
                    return Some((k, var, next));
                }
            }
            k += 1;
        }
        None
    }

    /// A single-letter variable at `j` (spaces before it allowed), not
    /// followed by another letter.
    fn variable(&self, j: usize, hi: usize) -> Option<(String, usize)> {
        let v = self.next_solid(j, hi)?;
        let name = match &self.toks[v].tok {
            Tok::Char(c) if c.is_alphabetic() => c.to_string(),
            _ => letter(cmd_name(&self.toks[v])?)?.to_string(),
        };
        let continues = self
            .toks
            .get(v + 1)
            .is_some_and(|t| v + 1 < hi && matches!(t.tok, Tok::Char(c) if c.is_alphanumeric()));
        (!continues).then_some((name, v + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{rows, Part};
    use crate::latex::lexer::lex;

    fn tr(s: &str) -> Result<String, String> {
        let (rows, errors) = rows(&lex(s, 0, s.len()));
        if let Some(e) = errors.first() {
            return Err(e.message.clone().unwrap_or_default());
        }
        Ok(rows
            .iter()
            .flat_map(|r| &r.parts)
            .map(|p| match p {
                Part::Text(m) => m.text.trim().to_string(),
                Part::Rel(r, _) => r.symbol().to_string(),
            })
            .collect::<Vec<_>>()
            .join(" | "))
    }

    /// Every integral form reads as `∫_{x} [ … ]`, and parses.
    #[test]
    fn integrals_read_to_their_differential() {
        for (tex, want) in [
            (r"\int f(x)\,dx", "∫_{x} [f(x)]"),
            (
                r"\int_{\mathcal X} p(x) f(x)\, \mathrm{d}x",
                "∫_{x} [p(x) f(x)]",
            ),
            (
                r"\int_{-\infty}^{\infty} \pi_\theta(a \mid s) r(s, a) \,\mathrm{d}a = 1",
                "∫_{a} [π_{θ}(a | s) r(s, a)] | = | 1",
            ),
            (r"\int_{\mathbb{R}} p(\tau) d\tau", "∫_{τ} [p(τ)]"),
        ] {
            let got = tr(tex).unwrap();
            assert_eq!(got, want, "{tex}");
            let first = got.split(" | = | ").next().unwrap_or("");
            assert!(
                crate::syntax::parser::parse_expr(first, 0).is_ok(),
                "{first}"
            );
        }
    }

    #[test]
    fn bounded_integrals_and_missing_differentials_are_errors() {
        for (tex, msg) in [
            (r"\int_0^1 f(x)\,dx", "definite integrals"),
            (r"\int_{-\infty}^{0} f(x)\,dx", "definite integrals"),
            (r"\int f(x)", "differential"),
            (r"\iint f(x, y) \,dx\,dy", "multiple"),
        ] {
            let e = tr(tex).unwrap_err();
            assert!(e.contains(msg), "{tex}: {e}");
        }
    }

    #[test]
    fn the_normal_density_in_latex() {
        assert_eq!(
            tr(r"\mathcal{N}(a; \mu, \sigma^2)").unwrap(),
            "𝒩(a; μ, σ^{2})"
        );
        assert_eq!(
            tr(r"\mathcal{N}(a \mid \mu_\theta(s), \sigma^2)").unwrap(),
            "𝒩(a | μ_{θ}(s), σ^{2})"
        );
        let e = crate::syntax::parser::parse_expr("𝒩(a | μ_{θ}(s), σ^{2})", 0).unwrap();
        assert_eq!(crate::syntax::print::print_expr(&e), "𝒩(a; μ_θ(s), σ^2)");
    }

    /// `fmt --latex` prints an integral as this reader takes it back.
    #[test]
    fn printed_integrals_read_back() {
        use crate::syntax::parser::parse_expr;
        use crate::syntax::print::{latex_expr, print_expr};
        for src in [
            "∫_a π_θ(a | s) · r(s, a) + c",
            "∇_θ ∫_x p(x) · [f(x) + 𝒩(x; 0, σ^2)]",
        ] {
            let e = parse_expr(src, 0).unwrap();
            let back = tr(&latex_expr(&e)).unwrap();
            let again = parse_expr(&back, 0).unwrap();
            assert_eq!(
                print_expr(&again).replace(['[', ']'], ""),
                print_expr(&e).replace(['[', ']'], ""),
                "{back}"
            );
        }
    }
}
