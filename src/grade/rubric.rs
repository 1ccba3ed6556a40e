//! The rubric of an assignment (docs/grading.md): what each part of a derivation
//! is worth.
//!
//! In: the text after `rubric` (`start 1, finish 3, step 1 max 4,
//! milestone 2, refuted -2`). Out: a [`Rubric`] with exact rational
//! points, or an error naming the entry that is wrong. Without a rubric
//! line the default is the one above.

use num_rational::Ratio;
use num_traits::{Signed, Zero};
use std::fmt;

/// Points, exact: `0.1 + 0.2` is `0.3`.
pub type Points = Ratio<i64>;

/// Largest magnitude of a number in a rubric or `points` line. Default:
/// 1,000,000. Keeps every sum of points far from overflow.
pub const MAX_POINTS: i64 = 1_000_000;

/// Most digits after the decimal point of a number of points. Default: 6.
pub const MAX_DECIMALS: usize = 6;

/// What each part of a derivation is worth.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rubric {
    /// The first expression matches the claim's left side.
    pub start: Points,
    /// The last expression matches the claim's right side and every step
    /// is valid.
    pub finish: Points,
    /// Per credited step.
    pub step: Points,
    /// The most points all steps together earn; `None`: no cap.
    pub step_max: Option<Points>,
    /// Per milestone reached in the valid prefix.
    pub milestone: Points,
    /// Per refuted step (zero or negative).
    pub refuted: Points,
}

impl Default for Rubric {
    /// `start 1, finish 3, step 1 max 4, milestone 2, refuted -2`.
    fn default() -> Self {
        let p = |n: i64| Points::from_integer(n);
        Rubric {
            start: p(1),
            finish: p(3),
            step: p(1),
            step_max: Some(p(4)),
            milestone: p(2),
            refuted: p(-2),
        }
    }
}

/// A problem with a rubric or a number of points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RubricError {
    /// Byte offset of the problem in the rubric text.
    pub at: usize,
    /// What is wrong.
    pub message: String,
    /// What to write instead.
    pub hint: Option<String>,
}

/// Parse a decimal number of points: `2`, `-2`, `0.5`, `−1.25`.
pub fn parse_points(text: &str) -> Option<Points> {
    let t = text.trim();
    let (neg, digits) = match t.strip_prefix('-').or_else(|| t.strip_prefix('−')) {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, f),
        None => (digits, ""),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !all_digits(int) || !all_digits(frac) || frac.len() > MAX_DECIMALS {
        return None;
    }
    if int.len() > 7 {
        return None;
    }
    let whole: i64 = int.parse().ok()?;
    if whole > MAX_POINTS {
        return None;
    }
    let scale = 10i64.pow(frac.len() as u32);
    let part: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    let value = Points::new(whole * scale + part, scale);
    Some(if neg { -value } else { value })
}

/// Convert a `points` number read by the parser, within [`MAX_POINTS`].
pub fn points_from_big(n: &num_rational::BigRational) -> Option<Points> {
    use num_traits::ToPrimitive;
    let numer = n.numer().to_i64()?;
    let denom = n.denom().to_i64()?;
    if denom > 10i64.pow(MAX_DECIMALS as u32) || numer.abs() / denom > MAX_POINTS {
        return None;
    }
    Some(Points::new(numer, denom))
}

/// Points as a short decimal: `6`, `6.5`, `-2`, `0.333333`.
pub fn points_text(p: Points) -> String {
    if p.is_integer() {
        return p.to_integer().to_string();
    }
    let x = *p.numer() as f64 / *p.denom() as f64;
    let s = format!("{x:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A score (a float made from exact points) as a short decimal: `6`,
/// `6.5`, `0.333333`.
pub fn score_text(x: f64) -> String {
    if x == x.trunc() && x.abs() < 1e15 {
        return format!("{}", x as i64);
    }
    let s = format!("{x:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Points as a float, for JSON.
pub fn points_f64(p: Points) -> f64 {
    *p.numer() as f64 / *p.denom() as f64
}

const ENTRIES: &str = "start, finish, step (with max), milestone, refuted";

impl Rubric {
    /// Parse the text after `rubric`. Entries are separated by commas; an
    /// entry not written is worth 0 (the line says everything that
    /// scores). `step N max M`: N per credited step, at most M points in
    /// all; without `max`, no cap.
    pub fn parse(text: &str) -> Result<Rubric, RubricError> {
        let zero = Points::zero();
        let mut r = Rubric {
            start: zero,
            finish: zero,
            step: zero,
            step_max: None,
            milestone: zero,
            refuted: zero,
        };
        let mut seen: Vec<&str> = Vec::new();
        let mut offset = 0;
        for entry in text.split(',') {
            let at = offset + (entry.len() - entry.trim_start().len());
            offset += entry.len() + 1;
            let words: Vec<&str> = entry.split_whitespace().collect();
            let error = |message: String, hint: Option<String>| RubricError { at, message, hint };
            let Some(&key) = words.first() else {
                return Err(error(
                    "empty rubric entry".into(),
                    Some(format!(
                        "write entries as `start 1, finish 3`; they are {ENTRIES}"
                    )),
                ));
            };
            let number = |k: usize| -> Result<Points, RubricError> {
                let w = words.get(k).copied().unwrap_or("");
                parse_points(w).ok_or_else(|| RubricError {
                    at,
                    message: if w.is_empty() {
                        format!("`{key}` needs a number of points")
                    } else {
                        format!("`{w}` is not a number of points")
                    },
                    hint: Some(format!(
                        "write a decimal with at most {MAX_DECIMALS} digits after the point, at most {MAX_POINTS}"
                    )),
                })
            };
            let canonical = match key {
                "start" | "finish" | "step" | "milestone" | "refuted" => key,
                "milestones" => "milestone",
                "steps" => "step",
                other => {
                    return Err(error(
                        format!("unknown rubric entry `{other}`"),
                        Some(format!("the entries are {ENTRIES}")),
                    ))
                }
            };
            if seen.contains(&canonical) {
                return Err(error(format!("`{canonical}` is given twice"), None));
            }
            seen.push(canonical);
            let value = number(1)?;
            let expected_len = match (canonical, words.get(2)) {
                ("step", Some(&"max")) => {
                    let m = number(3)?;
                    if m.is_negative() {
                        return Err(error("`max` cannot be negative".into(), None));
                    }
                    r.step_max = Some(m);
                    4
                }
                _ => 2,
            };
            if words.len() != expected_len {
                return Err(error(
                    format!(
                        "unexpected `{}` in the `{canonical}` entry",
                        words[expected_len.min(words.len() - 1)]
                    ),
                    Some(if canonical == "step" {
                        "write `step 1 max 4`".into()
                    } else {
                        format!("write `{canonical} 2`")
                    }),
                ));
            }
            match canonical {
                "refuted" => {
                    if value.is_positive() {
                        return Err(error(
                            "`refuted` is a penalty and cannot be positive".into(),
                            Some(format!("write `refuted -{}`", points_text(value))),
                        ));
                    }
                    r.refuted = value;
                }
                _ if value.is_negative() => {
                    return Err(error(
                        format!("`{canonical}` cannot be negative"),
                        Some("only `refuted` takes points away".into()),
                    ));
                }
                "start" => r.start = value,
                "finish" => r.finish = value,
                "step" => r.step = value,
                _ => r.milestone = value,
            }
        }
        Ok(r)
    }

    /// The most a submission can earn with `milestones` milestones: the
    /// default of `points` when an assignment gives none. `None` when
    /// steps earn points without a cap.
    pub fn most(&self, milestones: usize) -> Option<Points> {
        let steps = match self.step_max {
            Some(m) => m,
            None if self.step.is_zero() => Points::zero(),
            None => return None,
        };
        Some(
            self.start
                + self.finish
                + steps
                + self.milestone * Points::from_integer(milestones as i64),
        )
    }
}

impl fmt::Display for Rubric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "start {}, finish {}, step {}",
            points_text(self.start),
            points_text(self.finish),
            points_text(self.step)
        )?;
        if let Some(m) = self.step_max {
            write!(f, " max {}", points_text(m))?;
        }
        write!(
            f,
            ", milestone {}, refuted {}",
            points_text(self.milestone),
            points_text(self.refuted)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(n: i64, d: i64) -> Points {
        Points::new(n, d)
    }

    #[test]
    fn the_spec_line_is_the_default() {
        let r = Rubric::parse("start 1, finish 3, step 1 max 4, milestone 2, refuted -2").unwrap();
        assert_eq!(r, Rubric::default());
        assert_eq!(
            r.to_string(),
            "start 1, finish 3, step 1 max 4, milestone 2, refuted -2"
        );
    }

    #[test]
    fn entries_not_written_are_worth_nothing() {
        let r = Rubric::parse("finish 5, milestone 2.5").unwrap();
        assert_eq!(r.start, p(0, 1));
        assert_eq!(r.finish, p(5, 1));
        assert_eq!(r.milestone, p(5, 2));
        assert_eq!(r.step, p(0, 1));
        assert_eq!(r.refuted, p(0, 1));
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(parse_points("0.1"), Some(p(1, 10)));
        assert_eq!(parse_points("−1.25"), Some(p(-5, 4)));
        assert_eq!(
            parse_points("0.1").unwrap() + parse_points("0.2").unwrap(),
            parse_points("0.3").unwrap()
        );
        assert_eq!(parse_points("1e3"), None);
        assert_eq!(parse_points("99999999"), None);
        assert_eq!(parse_points("0.1234567"), None);
        assert_eq!(parse_points(""), None);
        assert_eq!(parse_points("."), None);
    }

    #[test]
    fn mistakes_are_named() {
        let e = Rubric::parse("start 1, finsh 3").unwrap_err();
        assert!(e.message.contains("unknown rubric entry `finsh`"), "{e:?}");
        assert_eq!(e.at, 9);
        let e = Rubric::parse("refuted 2").unwrap_err();
        assert!(e.message.contains("penalty"), "{e:?}");
        assert_eq!(e.hint.as_deref(), Some("write `refuted -2`"));
        let e = Rubric::parse("start -1").unwrap_err();
        assert!(e.message.contains("cannot be negative"), "{e:?}");
        let e = Rubric::parse("step 1 max").unwrap_err();
        assert!(e.message.contains("needs a number"), "{e:?}");
        let e = Rubric::parse("start 1, start 2").unwrap_err();
        assert!(e.message.contains("twice"), "{e:?}");
        let e = Rubric::parse("start 1 2").unwrap_err();
        assert!(e.message.contains("unexpected `2`"), "{e:?}");
        let e = Rubric::parse("start 1,, finish 2").unwrap_err();
        assert!(e.message.contains("empty"), "{e:?}");
    }

    #[test]
    fn the_most_a_submission_can_earn() {
        assert_eq!(Rubric::default().most(1), Some(p(10, 1)));
        assert_eq!(
            Rubric::parse("start 1, finish 2").unwrap().most(3),
            Some(p(3, 1))
        );
        // Without a cap on steps there is no natural maximum.
        assert_eq!(Rubric::parse("start 1, step 1").unwrap().most(0), None);
    }

    #[test]
    fn points_print_short() {
        assert_eq!(points_text(p(13, 2)), "6.5");
        assert_eq!(points_text(p(1, 3)), "0.333333");
        assert_eq!(points_text(p(-2, 1)), "-2");
    }
}
