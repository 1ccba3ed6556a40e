//! The plot of `derivcheck mc --plot FILE.svg|FILE.png`.
//!
//! Place in the pipeline: a report of the Monte Carlo checker. In: the
//! [`Trace`] of a run (the running estimate of one gradient coordinate of
//! policy 0, for every tested estimator). Out: an SVG or PNG file showing
//! each running estimate against the number of trajectories sampled (log
//! scale), the exact value, and each estimator's 95% band
//! exact ± 1.96 sd/√n, within which a correct estimate stays 95% of the
//! time: the narrower bands of reward-to-go and the baseline are their
//! lower variance, and the control leaves every band.
//!
//! Text is drawn with the DejaVu Sans subset in `assets/fonts`, compiled
//! into the binary, so a PNG needs no system font.

use crate::montecarlo::checker::{RunSettings, Trace};
use crate::montecarlo::estimators::Estimator;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::path::Path;
use std::sync::Once;

/// DejaVu Sans (Bitstream Vera licence), cut to Latin, Greek, arrows and
/// mathematical operators; see assets/fonts/README.md.
const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-subset.ttf");
const FAMILY: &str = "sans-serif";
const SIZE: (u32, u32) = (1000, 640);

/// The image formats, by the file's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlotFormat {
    /// `.svg`
    Svg,
    /// `.png`
    Png,
}

impl PlotFormat {
    /// The format of a path, or why it has none.
    pub fn of(path: &Path) -> Result<PlotFormat, String> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("svg") => Ok(PlotFormat::Svg),
            Some("png") => Ok(PlotFormat::Png),
            _ => Err(format!(
                "cannot tell the format of `{}`: name it FILE.svg or FILE.png",
                path.display()
            )),
        }
    }
}

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is part of the binary and known to parse (a unit test
        // checks it), so a failure here cannot happen; text would then be
        // missing from PNGs, not the plot.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
}

fn colour(e: Estimator) -> RGBColor {
    match e {
        Estimator::Reinforce => RGBColor(31, 119, 180),
        Estimator::RewardToGo => RGBColor(230, 120, 10),
        Estimator::Baseline => RGBColor(44, 150, 44),
        Estimator::ScoreWithoutLog => RGBColor(214, 39, 40),
    }
}

/// Draw the trace into `path` (SVG or PNG by its extension).
pub fn draw(trace: &Trace, settings: &RunSettings, path: &Path) -> Result<(), String> {
    register_font();
    let fail = |e: String| format!("cannot write the plot to `{}`: {e}", path.display());
    match PlotFormat::of(path)? {
        PlotFormat::Svg => draw_on(
            SVGBackend::new(path, SIZE).into_drawing_area(),
            trace,
            settings,
        )
        .map_err(|e| fail(e.to_string())),
        PlotFormat::Png => draw_on(
            BitMapBackend::new(path, SIZE).into_drawing_area(),
            trace,
            settings,
        )
        .map_err(|e| fail(e.to_string())),
    }
}

/// The band half-width 1.96 sd/√n.
fn half_width(sd: f64, n: u64) -> f64 {
    1.96 * sd / (n as f64).sqrt()
}

/// The y range: every curve and band from the 20th sample on (the first
/// few estimates swing too widely to show), and the exact value.
fn y_range(trace: &Trace) -> (f64, f64) {
    let from = trace
        .counts
        .iter()
        .position(|&n| n >= 20)
        .unwrap_or(trace.counts.len().saturating_sub(1));
    let mut lo = trace.exact;
    let mut hi = trace.exact;
    for (_, running) in &trace.running {
        for &v in running.iter().skip(from).filter(|v| v.is_finite()) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    if let Some(&n) = trace.counts.get(from) {
        for (e, sd) in &trace.sd {
            if !e.is_control() {
                let w = half_width(*sd, n);
                lo = lo.min(trace.exact - w);
                hi = hi.max(trace.exact + w);
            }
        }
    }
    let pad = ((hi - lo) * 0.08).max(1e-6);
    (lo - pad, hi + pad)
}

fn draw_on<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    trace: &Trace,
    settings: &RunSettings,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let last = trace.counts.last().copied().unwrap_or(1).max(2);
    let (lo, hi) = y_range(trace);
    let (s, a) = (
        trace.coordinate / settings.actions + 1,
        trace.coordinate % settings.actions + 1,
    );
    let title = format!("Running estimate of ∂J/∂θ(S{s}, A{a}) for policy 0, with 95% bands");
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FAMILY, 24))
        .margin(16)
        .margin_right(44)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d((1f64..last as f64).log_scale(), lo..hi)?;
    chart
        .configure_mesh()
        .x_desc("trajectories sampled, n (log scale)")
        .x_label_formatter(&|x| format!("{}", x.round() as u64))
        .y_label_formatter(&|y| {
            // Enough decimals for a tenth of the range; no "-0".
            let decimals = (-((hi - lo) / 10.0).log10().floor()).max(0.0) as usize;
            let y = if y.abs() < 1e-12 * (hi - lo) { 0.0 } else { *y };
            format!("{y:.decimals$}")
        })
        .y_desc("estimate")
        .label_style((FAMILY, 15))
        .axis_desc_style((FAMILY, 17))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    let clamp = |v: f64| v.clamp(lo, hi);
    for (e, sd) in &trace.sd {
        if e.is_control() {
            continue;
        }
        let upper = trace
            .counts
            .iter()
            .map(|&n| (n as f64, clamp(trace.exact + half_width(*sd, n))));
        let lower = trace
            .counts
            .iter()
            .rev()
            .map(|&n| (n as f64, clamp(trace.exact - half_width(*sd, n))));
        let band: Vec<(f64, f64)> = upper.chain(lower).collect();
        chart.draw_series(std::iter::once(Polygon::new(
            band,
            colour(*e).mix(0.12).filled(),
        )))?;
    }
    for (e, running) in &trace.running {
        let points: Vec<(f64, f64)> = trace
            .counts
            .iter()
            .zip(running)
            .map(|(&n, &v)| (n as f64, clamp(v)))
            .collect();
        let style = colour(*e).stroke_width(2);
        let label = if e.is_control() {
            format!("{} (control: biased)", e.name())
        } else {
            e.name().to_string()
        };
        if e.is_control() {
            chart
                .draw_series(DashedLineSeries::new(points, 8, 5, style))?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
        } else {
            chart
                .draw_series(LineSeries::new(points, style))?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
        }
    }
    let exact_style = BLACK.stroke_width(2);
    chart
        .draw_series(LineSeries::new(
            [(1.0, trace.exact), (last as f64, trace.exact)],
            exact_style,
        ))?
        .label(format!("exact value {:.4}", trace.exact))
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], exact_style));
    chart
        .configure_series_labels()
        .label_font((FAMILY, 15))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(180, 180, 180))
        .position(SeriesLabelPosition::UpperRight)
        .draw()?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::montecarlo::checker::{run, McConfig};
    use crate::montecarlo::mdp::Sizes;

    fn traced() -> crate::montecarlo::checker::McReport {
        run(&McConfig {
            policies: 1,
            samples: 3000,
            sizes: Sizes {
                states: 2,
                actions: 2,
                horizon: 3,
            },
            trace: true,
            ..McConfig::default()
        })
    }

    #[test]
    fn the_shipped_font_parses() {
        assert!(ab_glyph_font_parses(FONT));
    }

    fn ab_glyph_font_parses(bytes: &'static [u8]) -> bool {
        plotters::style::register_font("derivcheck-test", FontStyle::Normal, bytes).is_ok()
    }

    #[test]
    fn formats_follow_the_extension() {
        assert_eq!(PlotFormat::of(Path::new("a.svg")), Ok(PlotFormat::Svg));
        assert_eq!(PlotFormat::of(Path::new("a.PNG")), Ok(PlotFormat::Png));
        assert!(PlotFormat::of(Path::new("a.pdf")).is_err());
        assert!(PlotFormat::of(Path::new("a")).is_err());
    }

    #[test]
    fn svg_has_every_series_and_the_labels() {
        let report = traced();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plot.svg");
        draw(report.trace.as_ref().unwrap(), &report.settings, &path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        for text in [
            "reinforce",
            "reward-to-go",
            "baseline",
            "score-without-log (control: biased)",
            "exact value",
            "trajectories sampled",
        ] {
            assert!(svg.contains(text), "missing {text}");
        }
    }

    #[test]
    fn png_is_written_with_text() {
        let report = traced();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plot.png");
        draw(report.trace.as_ref().unwrap(), &report.settings, &path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
        assert!(bytes.len() > 10_000, "{} bytes", bytes.len());
    }

    #[test]
    fn unwritable_path_is_an_error_not_a_panic() {
        let report = traced();
        let err = draw(
            report.trace.as_ref().unwrap(),
            &report.settings,
            Path::new("/no/such/dir/plot.svg"),
        )
        .unwrap_err();
        assert!(err.contains("cannot write the plot"), "{err}");
    }
}
