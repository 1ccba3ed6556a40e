//! The statistics of the Monte Carlo tests: normal and χ² quantiles, the
//! eigen-decomposition of a small covariance matrix, running moments that
//! merge in a fixed order, and Hotelling's T² test of a mean.

/// The standard normal quantile (Acklam's rational approximation, relative
/// error below 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    let lo = 0.02425;
    if p < lo {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - lo {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -normal_quantile(1.0 - p)
    }
}

/// `ln Γ(x)` for `x > 0` (Lanczos, g = 7).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The regularised incomplete gamma functions `(P(a, x), Q(a, x))`, with
/// `P + Q = 1`, each computed directly where it is the smaller, so that a
/// tail probability far below 1e-16 keeps its relative precision.
fn gamma_pq(a: f64, x: f64) -> (f64, f64) {
    if x <= 0.0 {
        return (0.0, 1.0);
    }
    let front = (-x + a * x.ln() - ln_gamma(a)).exp();
    if x < a + 1.0 {
        // Series for P.
        let mut sum = 1.0 / a;
        let mut term = sum;
        let mut n = a;
        for _ in 0..10_000 {
            n += 1.0;
            term *= x / n;
            sum += term;
            if term.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        let p = (sum * front).min(1.0);
        (p, 1.0 - p)
    } else {
        // Continued fraction (modified Lentz) for Q.
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        let q = (front * h).clamp(0.0, 1.0);
        (1.0 - q, q)
    }
}

/// The upper `alpha` quantile of χ² with `df` degrees of freedom: the `x`
/// with `P(χ² > x) = alpha`, by bisection on the exact distribution function.
pub fn chi2_upper(alpha: f64, df: usize) -> f64 {
    if df == 0 {
        return 0.0;
    }
    let k = df as f64 / 2.0;
    let upper = |x: f64| gamma_pq(k, x / 2.0).1;
    let (mut lo, mut hi) = (0.0, df as f64 + 10.0);
    while upper(hi) > alpha {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if upper(mid) > alpha {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The upper tail `P(χ² > x)` with `df` degrees of freedom: the p-value of
/// a χ² statistic. 1 when `df` is 0.
pub fn chi2_sf(x: f64, df: usize) -> f64 {
    if df == 0 {
        return 1.0;
    }
    gamma_pq(df as f64 / 2.0, x.max(0.0) / 2.0).1
}

/// The first two moments of a stream of vectors, about a fixed centre.
///
/// Accumulating `x − centre` rather than `x` keeps the covariance accurate
/// when the mean is large next to the spread; with the centre at the
/// hypothesised mean the accumulated sum is the bias itself. Two sets of
/// moments with the same centre merge by addition, so blocks sampled in
/// parallel combine to the same bits whatever the thread count, as long as
/// they are merged in a fixed order.
#[derive(Clone, Debug, PartialEq)]
pub struct Moments {
    /// How many vectors.
    pub n: u64,
    /// The centre.
    pub centre: Vec<f64>,
    /// `Σ (x − centre)`.
    pub sum: Vec<f64>,
    /// `Σ (x − centre)(x − centre)ᵀ`, upper triangle row by row (`i ≤ j`);
    /// empty when only the diagonal is kept.
    pub outer: Vec<f64>,
    /// `Σ (x_j − centre_j)²`.
    pub squares: Vec<f64>,
}

impl Moments {
    /// No vectors yet. With `full` the whole covariance is kept (a
    /// `d(d+1)/2` update per vector), otherwise only the variances (`d`).
    pub fn new(centre: &[f64], full: bool) -> Self {
        let d = centre.len();
        Moments {
            n: 0,
            centre: centre.to_vec(),
            sum: vec![0.0; d],
            outer: if full {
                vec![0.0; d * (d + 1) / 2]
            } else {
                vec![]
            },
            squares: vec![0.0; d],
        }
    }

    /// The dimension.
    pub fn dim(&self) -> usize {
        self.centre.len()
    }

    /// Add one vector (of the centre's length).
    #[inline]
    pub fn push(&mut self, x: &[f64]) {
        let d = self.centre.len();
        self.n += 1;
        let full = !self.outer.is_empty();
        let mut k = 0;
        for i in 0..d {
            let di = x[i] - self.centre[i];
            self.sum[i] += di;
            self.squares[i] += di * di;
            if full {
                // The row i of the upper triangle, j = i..d.
                let row = &mut self.outer[k..k + d - i];
                for (o, (xj, cj)) in row.iter_mut().zip(x[i..].iter().zip(&self.centre[i..])) {
                    *o += di * (xj - cj);
                }
                k += d - i;
            }
        }
    }

    /// Add another set of moments with the same centre.
    pub fn merge(&mut self, other: &Moments) {
        self.n += other.n;
        for (a, b) in self.sum.iter_mut().zip(&other.sum) {
            *a += b;
        }
        for (a, b) in self.squares.iter_mut().zip(&other.squares) {
            *a += b;
        }
        for (a, b) in self.outer.iter_mut().zip(&other.outer) {
            *a += b;
        }
    }

    /// The sample mean.
    pub fn mean(&self) -> Vec<f64> {
        let n = self.n.max(1) as f64;
        self.sum
            .iter()
            .zip(&self.centre)
            .map(|(s, c)| c + s / n)
            .collect()
    }

    /// The unbiased sample variance of each component.
    pub fn variances(&self) -> Vec<f64> {
        let n = self.n as f64;
        let dn = (n - 1.0).max(1.0);
        self.squares
            .iter()
            .zip(&self.sum)
            .map(|(q, s)| ((q - s * s / n.max(1.0)) / dn).max(0.0))
            .collect()
    }

    /// The unbiased sample covariance, row-major `d×d`; `None` when only the
    /// variances were kept.
    pub fn covariance(&self) -> Option<Vec<f64>> {
        if self.outer.is_empty() && self.dim() > 0 {
            return None;
        }
        let d = self.dim();
        let n = self.n as f64;
        let dn = (n - 1.0).max(1.0);
        let mut cov = vec![0.0; d * d];
        let mut k = 0;
        for i in 0..d {
            for j in i..d {
                let c = (self.outer[k] - self.sum[i] * self.sum[j] / n.max(1.0)) / dn;
                cov[i * d + j] = c;
                cov[j * d + i] = c;
                k += 1;
            }
        }
        Some(cov)
    }
}

/// What the test does in a direction in which the sample does not vary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flat {
    /// The mean must equal the hypothesis there (to 1e-7 relative): an
    /// estimator that never varies is compared exactly.
    MustMatch,
    /// The direction is left out (no degree of freedom): the sample carries
    /// no information there, as when a state was never visited.
    Ignore,
}

/// Hotelling's T² test of `E[x] = mu`.
#[derive(Clone, Debug, PartialEq)]
pub struct Hotelling {
    /// `n (x̄ − μ)ᵀ S⁺ (x̄ − μ)` over the directions with variance.
    pub statistic: f64,
    /// Degrees of freedom: the directions with variance.
    pub df: usize,
    /// The rejection threshold, the upper `alpha` quantile of χ²(df).
    pub threshold: f64,
    /// Whether the mean differs: the statistic is over the threshold, or
    /// (with [`Flat::MustMatch`]) it differs in a direction without variance.
    pub reject: bool,
    /// Whether it differs in a direction without variance.
    pub flat_mismatch: bool,
}

/// Hotelling's T² for a sample of `n` vectors with mean `mean` and sample
/// covariance `cov` (row-major), against the hypothesis `E[x] = mu`, at
/// false-alarm rate `alpha`. Large-sample form: the statistic is referred
/// to χ² with as many degrees of freedom as the covariance has non-zero
/// eigenvalues (those above 1e-12 of the largest).
pub fn hotelling(
    mean: &[f64],
    cov: &[f64],
    n: f64,
    mu: &[f64],
    alpha: f64,
    flat: Flat,
) -> Hotelling {
    let d = mu.len();
    let (vals, vecs) = symmetric_eigen(cov, d);
    let top = vals.iter().copied().fold(0.0f64, f64::max);
    let scale = 1f64.max(mu.iter().map(|x| x.abs()).fold(0.0, f64::max));
    let mut statistic = 0.0;
    let mut df = 0;
    let mut flat_mismatch = false;
    for k in 0..d {
        let proj: f64 = (0..d).map(|i| vecs[i * d + k] * (mean[i] - mu[i])).sum();
        if vals[k] > 1e-12 * top.max(1e-300) && vals[k] > 1e-24 * scale * scale {
            statistic += n * proj * proj / vals[k];
            df += 1;
        } else if proj.abs() > 1e-7 * scale {
            flat_mismatch = true;
        }
    }
    let threshold = chi2_upper(alpha, df);
    let exact_fail = flat == Flat::MustMatch && flat_mismatch;
    Hotelling {
        statistic,
        df,
        threshold,
        reject: exact_fail || (df > 0 && statistic > threshold),
        flat_mismatch,
    }
}

/// Eigenvalues and eigenvectors (columns) of a symmetric matrix, by Jacobi
/// rotations. `a` is row-major `n×n`.
pub fn symmetric_eigen(a: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut m = a.to_vec();
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    for _sweep in 0..64 {
        let mut off = 0.0;
        for i in 0..n {
            for j in i + 1..n {
                off += m[i * n + j] * m[i * n + j];
            }
        }
        if off < 1e-30 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = m[p * n + q];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let theta = (m[q * n + q] - m[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let mkp = m[k * n + p];
                    let mkq = m[k * n + q];
                    m[k * n + p] = c * mkp - s * mkq;
                    m[k * n + q] = s * mkp + c * mkq;
                }
                for k in 0..n {
                    let mpk = m[p * n + k];
                    let mqk = m[q * n + k];
                    m[p * n + k] = c * mpk - s * mqk;
                    m[q * n + k] = s * mpk + c * mqk;
                }
                for k in 0..n {
                    let vkp = v[k * n + p];
                    let vkq = v[k * n + q];
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| m[i * n + i]).collect(), v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_tables() {
        assert!((normal_quantile(0.975) - 1.959_964).abs() < 1e-5);
        assert!((chi2_upper(0.05, 1) - 3.841_459).abs() < 1e-4);
        assert!((chi2_upper(0.05, 2) - 5.991_465).abs() < 1e-4);
        assert!((chi2_upper(0.001, 3) - 16.266_236).abs() < 1e-3);
        assert!((chi2_upper(0.01, 10) - 23.209_251).abs() < 1e-3);
    }

    #[test]
    fn chi2_tail_inverts_the_quantile() {
        for df in [1, 2, 5, 16, 200] {
            for alpha in [0.05, 1e-3] {
                let x = chi2_upper(alpha, df);
                assert!(
                    (chi2_sf(x, df) - alpha).abs() < 1e-9,
                    "df {df} alpha {alpha}"
                );
            }
        }
        assert_eq!(chi2_sf(3.0, 0), 1.0);
        // Far tails keep their precision: P(χ²(2) > x) = exp(−x/2).
        assert!((chi2_sf(100.0, 2) / (-50f64).exp() - 1.0).abs() < 1e-9);
        assert!((chi2_sf(1000.0, 2) / (-500f64).exp() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn merged_moments_equal_moments_of_the_whole() {
        let xs: Vec<Vec<f64>> = (0..50)
            .map(|k| {
                let t = k as f64;
                vec![t.sin() + 3.0, (0.3 * t).cos() * 2.0, t * 0.01]
            })
            .collect();
        let centre = [3.0, 0.0, 0.2];
        let mut whole = Moments::new(&centre, true);
        xs.iter().for_each(|x| whole.push(x));
        let mut a = Moments::new(&centre, true);
        let mut b = Moments::new(&centre, true);
        xs[..20].iter().for_each(|x| a.push(x));
        xs[20..].iter().for_each(|x| b.push(x));
        a.merge(&b);
        let (ca, cw) = (a.covariance().unwrap(), whole.covariance().unwrap());
        for (x, y) in ca.iter().zip(&cw) {
            assert!((x - y).abs() < 1e-12);
        }
        // The textbook two-pass covariance.
        let m = whole.mean();
        for i in 0..3 {
            for j in 0..3 {
                let c: f64 = xs
                    .iter()
                    .map(|x| (x[i] - m[i]) * (x[j] - m[j]))
                    .sum::<f64>()
                    / 49.0;
                assert!((cw[i * 3 + j] - c).abs() < 1e-12, "({i},{j})");
            }
            assert!((whole.variances()[i] - cw[i * 3 + i]).abs() < 1e-12);
        }
        assert!(Moments::new(&centre, false).covariance().is_none());
    }

    #[test]
    fn hotelling_ignores_or_demands_flat_directions() {
        // Variance only in the first coordinate; the mean differs in the second.
        let cov = [1.0, 0.0, 0.0, 0.0];
        let must = hotelling(&[0.0, 0.5], &cov, 100.0, &[0.0, 0.0], 0.01, Flat::MustMatch);
        assert!(must.reject && must.flat_mismatch && must.df == 1);
        let ignore = hotelling(&[0.0, 0.5], &cov, 100.0, &[0.0, 0.0], 0.01, Flat::Ignore);
        assert!(!ignore.reject && ignore.flat_mismatch);
        // 100 · 0.3² / 1 = 9 > 6.63, the 1% point of χ²(1).
        let far = hotelling(&[0.3, 0.0], &cov, 100.0, &[0.0, 0.0], 0.01, Flat::Ignore);
        assert!(far.reject && (far.statistic - 9.0).abs() < 1e-9);
    }

    #[test]
    fn eigen_of_a_2x2() {
        let (vals, vecs) = symmetric_eigen(&[2.0, 1.0, 1.0, 2.0], 2);
        let mut sorted = vals.clone();
        sorted.sort_by(f64::total_cmp);
        assert!((sorted[0] - 1.0).abs() < 1e-12 && (sorted[1] - 3.0).abs() < 1e-12);
        // A v = λ v for the first pair.
        let (l, x, y) = (vals[0], vecs[0], vecs[2]);
        assert!((2.0 * x + y - l * x).abs() < 1e-12);
    }
}
