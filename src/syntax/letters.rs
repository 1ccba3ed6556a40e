//! The one table of Greek letters (and `ℓ`), shared by every reader and
//! printer.
//!
//! In: a letter's word (`theta`, the `.deriv` ASCII spelling, which is
//! also the LaTeX command without its backslash) or its character (`θ`).
//! Out: the other. The `.deriv` parser, the LaTeX reader and the LaTeX
//! printer all look letters up here, so a name spelled `iota` in a
//! `.deriv` file, `\iota` in a `.tex` file and `ι` anywhere is one name,
//! and prints back as the same letter.
//!
//! `\Sigma` and `\Pi` are not here: `Σ` and `Π` are the big operators, so
//! those names stay spelled out (`Sigma`, `Pi`).

/// Every letter: its word and the character it stands for, sorted by
/// word (for binary search). Where two words name one character
/// (`epsilon`, `varepsilon`), the first in this order is the one printed.
const LETTERS: &[(&str, &str)] = &[
    ("Delta", "Δ"),
    ("Gamma", "Γ"),
    ("Lambda", "Λ"),
    ("Omega", "Ω"),
    ("Phi", "Φ"),
    ("Psi", "Ψ"),
    ("Theta", "Θ"),
    ("Upsilon", "Υ"),
    ("Xi", "Ξ"),
    ("alpha", "α"),
    ("beta", "β"),
    ("chi", "χ"),
    ("delta", "δ"),
    ("ell", "ℓ"),
    ("epsilon", "ε"),
    ("eta", "η"),
    ("gamma", "γ"),
    ("iota", "ι"),
    ("kappa", "κ"),
    ("lambda", "λ"),
    ("mu", "μ"),
    ("nu", "ν"),
    ("omega", "ω"),
    ("phi", "φ"),
    ("pi", "π"),
    ("psi", "ψ"),
    ("rho", "ρ"),
    ("sigma", "σ"),
    ("tau", "τ"),
    ("theta", "θ"),
    ("upsilon", "υ"),
    ("varepsilon", "ε"),
    ("varphi", "φ"),
    ("varpi", "ϖ"),
    ("varrho", "ϱ"),
    ("varsigma", "ς"),
    ("vartheta", "ϑ"),
    ("xi", "ξ"),
    ("zeta", "ζ"),
];

/// Longest word in [`LETTERS`], in bytes.
pub const LONGEST_WORD: usize = 10;

/// The character a letter's word names: `theta` → `"θ"`. `None` for
/// any other word.
pub fn text_of(word: &str) -> Option<&'static str> {
    if word.len() < 2 || word.len() > LONGEST_WORD {
        return None;
    }
    LETTERS
        .binary_search_by(|(w, _)| (*w).cmp(word))
        .ok()
        .map(|k| LETTERS[k].1)
}

/// The word of a letter's character: `θ` → `theta` (the LaTeX command
/// without its backslash). `None` for any other character.
pub fn word_of(c: char) -> Option<&'static str> {
    let mut buf = [0u8; 4];
    let text: &str = c.encode_utf8(&mut buf);
    LETTERS.iter().find(|(_, l)| *l == text).map(|(w, _)| *w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_its_texts_match() {
        assert!(LETTERS.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(LETTERS.iter().all(|(w, _)| w.len() <= LONGEST_WORD));
        for (w, c) in LETTERS {
            assert_eq!(text_of(w), Some(*c), "{w}");
            assert_eq!(c.chars().count(), 1, "{w}");
        }
    }

    #[test]
    fn every_character_prints_as_a_word_that_reads_back_as_it() {
        for (_, c) in LETTERS {
            let w = word_of(c.chars().next().unwrap()).unwrap();
            assert_eq!(text_of(w), Some(*c), "{c}");
        }
        assert_eq!(word_of('ε'), Some("epsilon"));
        assert_eq!(word_of('φ'), Some("phi"));
        assert_eq!(word_of('ι'), Some("iota"));
    }

    #[test]
    fn other_words_are_not_letters() {
        for w in ["", "t", "Pr", "Sigma", "Pi", "thetas", "Theta2", "E"] {
            assert_eq!(text_of(w), None, "{w}");
        }
    }
}
