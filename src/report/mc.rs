//! The report of `derivcheck mc`: a table with one row an estimator (the
//! pooled statistic, its threshold and p-value, the variance, and the
//! verdict), or the [`McReport`] as JSON. Reads the report; recomputes
//! nothing.

use crate::montecarlo::checker::McReport;
use colored::Colorize;
use std::fmt::Write;

/// The text report.
pub fn render_text(report: &McReport) -> String {
    let s = &report.settings;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} random policies, each on its own random MDP (|S| = {}, |A| = {}, H = {}: {} parameters, {} trajectories enumerated for the exact gradient), {} sampled trajectories a policy, seed {}",
        "derivcheck mc".bold(),
        s.policies,
        s.states,
        s.actions,
        s.horizon,
        s.parameters,
        s.trajectories,
        s.samples,
        s.seed
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "  {:<18} {:>12} {:>6} {:>10} {:>9} {:>10} {:>8}  verdict",
        "estimator", "statistic", "df", "threshold", "p-value", "variance", "ratio"
    );
    for e in &report.estimators {
        let verdict = match (e.control, e.rejected) {
            (false, false) => "pass: unbiased within the bound".green().to_string(),
            (false, true) => "FAIL: rejected".red().bold().to_string(),
            (true, true) => "pass: control rejected".green().to_string(),
            (true, false) => "FAIL: control not rejected".red().bold().to_string(),
        };
        let _ = writeln!(
            out,
            "  {:<18} {:>12} {:>6} {:>10.1} {:>9} {:>10} {:>8.3}  {}",
            e.estimator.name(),
            number(e.statistic),
            e.df,
            e.threshold,
            p_value(e.p_value),
            number(e.variance),
            e.variance_ratio,
            verdict
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "  statistic: Hotelling's T² of the estimate against the exact gradient, summed over the {} policies, referred to χ²(df);",
        s.policies
    );
    let _ = writeln!(
        out,
        "  false-alarm rate {}: a correct estimator is rejected with this probability (each estimator on its own)",
        s.false_alarm
    );
    let _ = writeln!(
        out,
        "  variance: of one trajectory's estimate (the trace of its covariance), averaged over the policies; ratio: to REINFORCE's"
    );
    let _ = writeln!(out);
    let verdict = if report.passed {
        "passed: every estimator agrees with the exact gradient, and the control is rejected"
            .green()
            .bold()
            .to_string()
    } else {
        "failed: see the rows marked FAIL".red().bold().to_string()
    };
    let _ = writeln!(out, "{verdict}");
    out
}

/// The JSON report.
pub fn render_json(report: &McReport) -> String {
    let mut s = serde_json::to_string_pretty(report).unwrap_or_else(|e| {
        serde_json::json!({ "error": format!("the report could not be written: {e}") }).to_string()
    });
    s.push('\n');
    s
}

fn number(x: f64) -> String {
    if x == 0.0 || (1e-3..1e6).contains(&x.abs()) {
        format!("{x:.3}")
    } else {
        format!("{x:.3e}")
    }
}

fn p_value(p: f64) -> String {
    if p < 1e-300 {
        "<1e-300".into()
    } else if p < 1e-4 {
        format!("{p:.0e}")
    } else {
        format!("{p:.4}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::montecarlo::checker::{run, McConfig};
    use crate::montecarlo::mdp::Sizes;

    fn report() -> McReport {
        run(&McConfig {
            policies: 2,
            samples: 2000,
            sizes: Sizes {
                states: 2,
                actions: 2,
                horizon: 2,
            },
            ..McConfig::default()
        })
    }

    #[test]
    fn text_has_a_row_an_estimator_and_the_verdict() {
        colored::control::set_override(false);
        let r = report();
        let text = render_text(&r);
        for name in ["reinforce", "reward-to-go", "baseline", "score-without-log"] {
            assert!(text.contains(&format!("  {name} ")), "{text}");
        }
        assert!(text.contains("false-alarm rate 0.001"), "{text}");
        assert!(text.contains("control rejected"), "{text}");
        assert_eq!(text.contains("\npassed: "), r.passed, "{text}");
    }

    #[test]
    fn json_has_the_report_fields() {
        let v: serde_json::Value = serde_json::from_str(&render_json(&report())).unwrap();
        for key in ["settings", "estimators", "policies", "passed"] {
            assert!(v.get(key).is_some(), "missing {key}");
        }
        let e = &v["estimators"][0];
        for key in [
            "estimator",
            "statistic",
            "df",
            "threshold",
            "p_value",
            "rejected",
            "pass",
            "variance",
            "variance_ratio",
            "control",
        ] {
            assert!(e.get(key).is_some(), "missing {key}: {e}");
        }
        assert_eq!(e["estimator"], "reinforce");
        assert_eq!(v["estimators"][3]["estimator"], "score-without-log");
        assert_eq!(v["settings"]["false_alarm"], 0.001);
        assert!(v.get("trace").is_none());
    }
}
