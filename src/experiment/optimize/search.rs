//! The search of `cesim optimize`, on any noisy function of a box of decisions: a global
//! stage, a local stage, then ranking and selection with a statistical guarantee.
//!
//! 1. **Global**: a Latin hypercube of candidates over the whole box (space-filling, so a
//!    narrow optimum is not missed on a budget of a few dozen evaluations).
//! 2. **Local**: rounds of candidates drawn uniformly in a box around the incumbent (the best
//!    feasible estimate so far), its half-width halved each round: adaptive random search
//!    with a shrinking neighbourhood (Zabinsky 2003, *Stochastic Adaptive Search*), which needs
//!    no gradient and tolerates noise because every candidate is judged on the same
//!    replications (common random numbers).
//! 3. **Selection**: the best few feasible candidates race under Kim and Nelson's fully
//!    sequential procedure (Kim & Nelson 2001, *ACM TOMACS* 11:251–273): one more replication
//!    of every survivor per step, a candidate eliminated once its mean trails another's by
//!    more than `W = max(0, δ/(2r)·(h²S²/δ² − r))`. When one survivor is left, it is within
//!    the indifference zone `δ` of the best finalist with probability ≥ 1 − α. If the budget
//!    ends first, the best survivor is chosen and the guarantee is reported as not reached.
//!
//! **Two objectives** (e.g. cost against churn) have no single best: the local stage cycles
//! through weights of the two (one shrinking box per weight, around the feasible candidate
//! nearest the ideal point in augmented Tchebycheff distance, as ParEGO scalarises: Knowles
//! 2006), and the selection stage becomes a refinement of the front: the rest of the budget
//! adds replications to the members of the estimated Pareto front until it is spent. The
//! outcome is that front, and its compromise (the member nearest the front's ideal point with
//! equal weights) as the chosen decision; no selection guarantee is claimed.
//!
//! Each evaluation is a vector of figures per replication; the objective is one figure's
//! mean (or CVaR: the mean of the worst share of replications, or a weighted distance of the
//! mean figures to targets; the selection's guarantee applies to means only), constraints are chance
//! constraints `P(figure ≤ bound) ≥ confidence`, judged by the posterior mean of that
//! probability under a Jeffreys prior, `(k + ½)/(n + 1)`.

use rand::RngExt;

use crate::engine::RunSeed;
use crate::experiment::sweep::latin_hypercube;

/// One decision dimension.
#[derive(Debug, Clone, PartialEq)]
pub enum Dim {
    /// A real in [lo, hi].
    Real(f64, f64),
    /// An integer in [lo, hi].
    Integer(i64, i64),
    /// One of `n` categories (index).
    Category(usize),
}

impl Dim {
    /// The dimension's value for a unit coordinate `u` in [0, 1).
    pub fn at(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        match *self {
            Dim::Real(lo, hi) => lo + u * (hi - lo),
            Dim::Integer(lo, hi) => (lo as f64 + (u * (hi - lo + 1) as f64).floor()).min(hi as f64),
            Dim::Category(n) => (u * n as f64).floor().min(n as f64 - 1.0),
        }
    }
}

/// What is optimised.
#[derive(Debug, Clone, PartialEq)]
pub enum Measure {
    /// The mean over replications.
    Mean,
    /// The mean of the worst share `q` of replications (worst: lowest when maximising).
    Cvar(f64),
    /// The weighted distance of the replications' mean outputs to targets, `Σ ((mean_j −
    /// value_j) / sd_j)²` over (output j, value, sd): minimised (method of moments).
    Distance(Vec<(usize, f64, f64)>),
}

/// `P(figure ≤ at_most) ≥ confidence` (or `≥ at_least`).
#[derive(Debug, Clone, PartialEq)]
pub struct Chance {
    /// Index of the figure in an evaluation's outputs.
    pub figure: usize,
    /// Upper bound, if any.
    pub at_most: Option<f64>,
    /// Lower bound, if any.
    pub at_least: Option<f64>,
    /// Required probability.
    pub confidence: f64,
}

impl Chance {
    fn met(&self, y: &[f64]) -> bool {
        let v = y[self.figure];
        self.at_most.is_none_or(|b| v <= b) && self.at_least.is_none_or(|b| v >= b)
    }

    /// Posterior mean of the probability the constraint is met (Jeffreys prior).
    pub fn share(&self, reps: &[Vec<f64>]) -> f64 {
        let k = reps.iter().filter(|y| self.met(y)).count();
        (k as f64 + 0.5) / (reps.len() as f64 + 1.0)
    }
}

/// A problem for [`search`].
#[derive(Debug, Clone)]
pub struct Problem {
    /// The decision box.
    pub dims: Vec<Dim>,
    /// Index of the objective figure.
    pub objective: usize,
    /// Maximise (else minimise).
    pub maximise: bool,
    /// Mean or CVaR.
    pub measure: Measure,
    /// Chance constraints.
    pub constraints: Vec<Chance>,
    /// Replications per candidate in the global and local stages.
    pub replications: usize,
    /// Evaluations (runs) the search and the selection may spend.
    pub budget_runs: usize,
    /// Indifference zone of the selection, in the objective's units (0: 1 % of the
    /// finalists' mean objective).
    pub delta: f64,
    /// 1 − the probability of correct selection guaranteed.
    pub alpha: f64,
    /// Candidates that race in the selection.
    pub finalists: usize,
    /// Seed of the design and the local draws.
    pub seed: u64,
    /// A second objective (its mean): the search then looks for the Pareto front of the two
    /// (see [`search`]) instead of one best decision.
    pub second: Option<Second>,
}

/// The second objective of a two-objective problem: a figure's mean.
#[derive(Debug, Clone, PartialEq)]
pub struct Second {
    /// Index of the figure.
    pub figure: usize,
    /// Maximise (else minimise).
    pub maximise: bool,
}

/// A candidate and what is known of it.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Its decision values.
    pub x: Vec<f64>,
    /// The stage that proposed it: `global`, `local`.
    pub stage: &'static str,
    /// Outputs per replication (replication r of every candidate shares its streams).
    pub reps: Vec<Vec<f64>>,
}

impl Candidate {
    /// The objective's estimate (signed so that larger is better).
    pub fn score(&self, p: &Problem) -> f64 {
        let mut v: Vec<f64> = self.reps.iter().map(|y| if p.maximise { y[p.objective] } else { -y[p.objective] }).collect();
        match &p.measure {
            Measure::Mean => v.iter().sum::<f64>() / v.len().max(1) as f64,
            Measure::Distance(targets) => {
                let n = self.reps.len().max(1) as f64;
                -targets.iter().map(|&(j, value, sd)| ((self.reps.iter().map(|y| y[j]).sum::<f64>() / n - value) / sd).powi(2)).sum::<f64>()
            }
            &Measure::Cvar(q) => {
                v.sort_by(f64::total_cmp);
                let n = ((v.len() as f64 * q).ceil() as usize).clamp(1, v.len().max(1));
                v[..n.min(v.len())].iter().sum::<f64>() / n as f64
            }
        }
    }

    /// The objective's estimate in its own sign (a distance: its value).
    pub fn estimate(&self, p: &Problem) -> f64 {
        match p.measure {
            Measure::Distance(_) => -self.score(p),
            _ if p.maximise => self.score(p),
            _ => -self.score(p),
        }
    }

    /// The second objective's mean over the replications, signed so that larger is better
    /// (0 without a second objective).
    pub fn second_score(&self, p: &Problem) -> f64 {
        let Some(s) = &p.second else { return 0.0 };
        let m = self.reps.iter().map(|y| y[s.figure]).sum::<f64>() / self.reps.len().max(1) as f64;
        if s.maximise { m } else { -m }
    }

    /// Whether every chance constraint's estimate meets its confidence.
    pub fn feasible(&self, p: &Problem) -> bool {
        p.constraints.iter().all(|c| c.share(&self.reps) >= c.confidence)
    }

    /// How far it is from feasible (0 when feasible): the sum of the shortfalls.
    pub fn infeasibility(&self, p: &Problem) -> f64 {
        p.constraints.iter().map(|c| (c.confidence - c.share(&self.reps)).max(0.0)).sum()
    }
}

/// What the selection reached.
#[derive(Debug, Clone, PartialEq)]
pub struct Guarantee {
    /// Finalists that raced.
    pub finalists: usize,
    /// Whether one survivor was left (the guarantee holds) before the budget ended.
    pub reached: bool,
    /// Indifference zone δ.
    pub delta: f64,
    /// Probability of correct selection guaranteed when reached, 1 − α.
    pub confidence: f64,
    /// Replications of the chosen candidate at the end.
    pub reps: usize,
}

/// The search's result.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Every candidate evaluated, in order.
    pub candidates: Vec<Candidate>,
    /// Index of the chosen one.
    pub chosen: usize,
    /// What the selection reached.
    pub guarantee: Guarantee,
    /// Runs spent.
    pub runs: usize,
    /// With two objectives, the candidates on the estimated Pareto front (feasible and not
    /// dominated on both objectives' estimates), ordered by the first objective; else empty.
    pub front: Vec<usize>,
}

/// Evaluates a batch of (decision values, replication) pairs: their outputs, in order.
pub type Evaluator<'a, E> = dyn FnMut(&[(Vec<f64>, u64)]) -> Result<Vec<Vec<f64>>, E> + 'a;

/// Runs the search; `eval` evaluates a batch of (decision values, replication) pairs (in
/// parallel if it likes) and returns their outputs in order.
///
/// # Errors
/// Whatever `eval` returns.
pub fn search<E>(p: &Problem, eval: &mut Evaluator<E>) -> Result<Outcome, E> {
    let r = p.replications.max(2);
    let k = p.dims.len();
    let mut cands: Vec<Candidate> = Vec::new();
    let mut runs = 0usize;
    let mut evaluate = |xs: Vec<(Vec<f64>, &'static str)>, cands: &mut Vec<Candidate>, runs: &mut usize| -> Result<(), E> {
        let jobs: Vec<(Vec<f64>, u64)> = xs.iter().flat_map(|(x, _)| (0..r as u64).map(move |i| (x.clone(), i))).collect();
        let out = eval(&jobs)?;
        *runs += jobs.len();
        for (i, (x, stage)) in xs.into_iter().enumerate() {
            cands.push(Candidate { x, stage, reps: out[i * r..(i + 1) * r].to_vec() });
        }
        Ok(())
    };
    let search_budget = p.budget_runs * 3 / 4;
    // 1. Global: a Latin hypercube over the box.
    let n_global = (search_budget / 2 / r).clamp(4, 64);
    let unit = latin_hypercube(n_global, k, RunSeed::new(p.seed, 0));
    let xs = unit.iter().map(|u| (p.dims.iter().zip(u).map(|(d, &u)| d.at(u)).collect(), "global")).collect();
    evaluate(xs, &mut cands, &mut runs)?;
    // 2. Local: shrinking boxes around the incumbent (with two objectives, the incumbent of
    // the round's weight; each weight shrinks its own box).
    let per_round = 4usize;
    let n_weights = if p.second.is_some() { WEIGHTS.len() } else { 1 };
    let mut halves = vec![0.25f64; n_weights];
    let mut round = 0usize;
    let mut rng = RunSeed::new(p.seed, 0).stream("optimize_local", 0, 0);
    while runs + per_round * r <= search_budget {
        let k = round % n_weights;
        let best = if p.second.is_some() { incumbent_at(p, &cands, WEIGHTS[k]) } else { incumbent(p, &cands) };
        let half = halves[k];
        let centre: Vec<f64> = p.dims.iter().zip(&cands[best].x).map(|(d, &x)| unit_of(d, x)).collect();
        let xs = (0..per_round)
            .map(|_| {
                let x = p.dims.iter().zip(&centre).map(|(d, &c)| d.at(c + half * (2.0 * rng.random::<f64>() - 1.0))).collect();
                (x, "local")
            })
            .collect();
        evaluate(xs, &mut cands, &mut runs)?;
        halves[k] *= 0.6;
        round += 1;
        if round > 64 * n_weights {
            break;
        }
    }
    if p.second.is_some() {
        // 3'. Two objectives: no single best to select; the rest of the budget adds
        // replications to the members of the estimated front, which is then read again.
        let mut front = pareto_front(p, &cands);
        while !front.is_empty() && runs + front.len() <= p.budget_runs {
            let jobs: Vec<(Vec<f64>, u64)> = front.iter().map(|&i| (cands[i].x.clone(), cands[i].reps.len() as u64)).collect();
            let out = eval(&jobs)?;
            runs += jobs.len();
            for (&i, y) in front.iter().zip(out) {
                cands[i].reps.push(y);
            }
            front = pareto_front(p, &cands);
        }
        let chosen = if front.is_empty() { incumbent(p, &cands) } else { compromise(p, &cands, &front) };
        let guarantee = Guarantee { finalists: front.len(), reached: false, delta: 0.0, confidence: 0.0, reps: cands[chosen].reps.len() };
        return Ok(Outcome { candidates: cands, chosen, guarantee, runs, front });
    }
    // 3. Selection among the best distinct feasible candidates (Kim–Nelson).
    let mut order: Vec<usize> = (0..cands.len()).collect();
    order.sort_by(|&a, &b| rank_key(p, &cands[b]).partial_cmp(&rank_key(p, &cands[a])).unwrap_or(std::cmp::Ordering::Equal));
    let mut finalists: Vec<usize> = Vec::new();
    for i in order {
        if finalists.len() >= p.finalists.max(1) {
            break;
        }
        if !finalists.iter().any(|&j| cands[j].x == cands[i].x) {
            finalists.push(i);
        }
    }
    let (chosen, guarantee) = select(p, &mut cands, finalists, &mut runs, eval)?;
    Ok(Outcome { candidates: cands, chosen, guarantee, runs, front: Vec::new() })
}

/// The weights of the first objective that the local stage of a two-objective search cycles
/// through (the second's is one minus it): the middle of the front, its two ends, then
/// between (ParEGO's idea of one scalarisation per round, Knowles 2006, *IEEE TEVC* 10:50–66).
const WEIGHTS: [f64; 5] = [0.5, 1.0, 0.0, 0.25, 0.75];

/// The candidates on the estimated Pareto front: feasible, not dominated on the two
/// objectives' estimates by another feasible candidate, one per decision, ordered by the
/// first objective (best first). Two candidates are compared on the replications both have
/// (common random numbers: the refinement gives front members more than the others).
pub fn pareto_front(p: &Problem, cands: &[Candidate]) -> Vec<usize> {
    let feasible: Vec<usize> = (0..cands.len()).filter(|&i| cands[i].feasible(p)).collect();
    let dominated = |a: usize| feasible.iter().any(|&b| b != a && dominates(p, &cands[b], &cands[a]));
    let mut front: Vec<usize> = Vec::new();
    for &a in feasible.iter().filter(|&&a| !dominated(a)) {
        if !front.iter().any(|&j| cands[j].x == cands[a].x) {
            front.push(a);
        }
    }
    front.sort_by(|&a, &b| cands[b].score(p).total_cmp(&cands[a].score(p)));
    front
}

/// Whether `b` dominates `a` on the two objectives, over the replications both have: at
/// least as good on both, better on one.
fn dominates(p: &Problem, b: &Candidate, a: &Candidate) -> bool {
    let n = a.reps.len().min(b.reps.len());
    let cut = |c: &Candidate| Candidate { x: Vec::new(), stage: c.stage, reps: c.reps[..n].to_vec() };
    let (a, b) = (cut(a), cut(b));
    let (a1, a2, b1, b2) = (a.score(p), a.second_score(p), b.score(p), b.second_score(p));
    b1 >= a1 && b2 >= a2 && (b1 > a1 || b2 > a2)
}

/// Augmented Tchebycheff distance of candidate `c` from the ideal point of `among`, each
/// objective scaled to its range there, weight `w` on the first (smaller is better).
fn tchebycheff(p: &Problem, among: &[&Candidate], c: &Candidate, w: f64) -> f64 {
    let range = |f: &dyn Fn(&Candidate) -> f64| {
        let v: Vec<f64> = among.iter().map(|c| f(c)).collect();
        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        (hi, (hi - lo).max(1e-12))
    };
    let (h1, s1) = range(&|c| c.score(p));
    let (h2, s2) = range(&|c| c.second_score(p));
    let (g1, g2) = (w * (h1 - c.score(p)) / s1, (1.0 - w) * (h2 - c.second_score(p)) / s2);
    g1.max(g2) + 0.05 * (g1 + g2)
}

/// The incumbent for weight `w`: the feasible candidate nearest the ideal point (augmented
/// Tchebycheff), or the least infeasible if none is feasible.
fn incumbent_at(p: &Problem, cands: &[Candidate], w: f64) -> usize {
    let feasible: Vec<&Candidate> = cands.iter().filter(|c| c.feasible(p)).collect();
    if feasible.is_empty() {
        return incumbent(p, cands);
    }
    (0..cands.len()).filter(|&i| cands[i].feasible(p)).min_by(|&a, &b| tchebycheff(p, &feasible, &cands[a], w).total_cmp(&tchebycheff(p, &feasible, &cands[b], w))).unwrap_or(0)
}

/// The compromise of a front: the member nearest the front's ideal point with equal weights
/// on the two objectives, each scaled to the front's range.
fn compromise(p: &Problem, cands: &[Candidate], front: &[usize]) -> usize {
    let among: Vec<&Candidate> = front.iter().map(|&i| &cands[i]).collect();
    *front.iter().min_by(|&&a, &&b| tchebycheff(p, &among, &cands[a], 0.5).total_cmp(&tchebycheff(p, &among, &cands[b], 0.5))).unwrap_or(&front[0])
}

/// Sort key: feasible first (by score), then the least infeasible.
fn rank_key(p: &Problem, c: &Candidate) -> (bool, f64) {
    if c.feasible(p) { (true, c.score(p)) } else { (false, -c.infeasibility(p)) }
}

/// The best candidate so far by [`rank_key`].
fn incumbent(p: &Problem, cands: &[Candidate]) -> usize {
    (0..cands.len()).max_by(|&a, &b| rank_key(p, &cands[a]).partial_cmp(&rank_key(p, &cands[b])).unwrap_or(std::cmp::Ordering::Equal)).unwrap_or(0)
}

/// The unit coordinate of value `x` on `d` (the middle of its cell for discrete dims).
fn unit_of(d: &Dim, x: f64) -> f64 {
    match *d {
        Dim::Real(lo, hi) => if hi > lo { (x - lo) / (hi - lo) } else { 0.5 },
        Dim::Integer(lo, hi) => (x - lo as f64 + 0.5) / (hi - lo + 1) as f64,
        Dim::Category(n) => (x + 0.5) / n as f64,
    }
}

/// Kim–Nelson's fully sequential selection among `finalists` (indices into `cands`), adding
/// replications to the survivors until one is left or the budget ends.
fn select<E>(
    p: &Problem,
    cands: &mut [Candidate],
    finalists: Vec<usize>,
    runs: &mut usize,
    eval: &mut Evaluator<E>,
) -> Result<(usize, Guarantee), E> {
    let kf = finalists.len();
    let n0 = finalists.iter().map(|&i| cands[i].reps.len()).min().unwrap_or(0);
    // δ: as given, else 1 % of the finalists' mean objective.
    let delta = if p.delta > 0.0 {
        p.delta
    } else {
        (0.01 * finalists.iter().map(|&i| cands[i].score(p).abs()).sum::<f64>() / kf.max(1) as f64).max(1e-12)
    };
    let guarantee = |reached: bool, reps: usize| Guarantee { finalists: kf, reached, delta, confidence: 1.0 - p.alpha, reps };
    if kf <= 1 {
        let c = finalists.first().copied().unwrap_or(0);
        return Ok((c, guarantee(true, cands.get(c).map_or(0, |x| x.reps.len()))));
    }
    if p.measure != Measure::Mean {
        // Kim–Nelson compares means of replications; for CVaR or a distance of means it
        // does not apply: the best estimate is chosen, without a guarantee.
        return Ok((finalists[0], guarantee(false, n0)));
    }
    // h² from the first n0 replications (Kim & Nelson 2001, eq. 1).
    let eta = 0.5 * ((2.0 * p.alpha / (kf - 1) as f64).powf(-2.0 / (n0 as f64 - 1.0)) - 1.0);
    let h2 = 2.0 * eta * (n0 as f64 - 1.0);
    let sign = |y: &[f64]| if p.maximise { y[p.objective] } else { -y[p.objective] };
    let mut s2 = vec![vec![0.0; kf]; kf];
    for a in 0..kf {
        for b in 0..kf {
            if a == b {
                continue;
            }
            let d: Vec<f64> = (0..n0).map(|t| sign(&cands[finalists[a]].reps[t]) - sign(&cands[finalists[b]].reps[t])).collect();
            let m = d.iter().sum::<f64>() / n0 as f64;
            s2[a][b] = d.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n0 as f64 - 1.0);
        }
    }
    let mut alive: Vec<usize> = (0..kf).collect();
    let mut rep = n0;
    loop {
        // Means over the first `rep` replications (all survivors have them).
        let mean = |a: usize| (0..rep).map(|t| sign(&cands[finalists[a]].reps[t])).sum::<f64>() / rep as f64;
        let means: Vec<f64> = (0..kf).map(|a| if alive.contains(&a) { mean(a) } else { f64::NEG_INFINITY }).collect();
        let r = rep as f64;
        alive.retain(|&a| alive_keep(a, &means, &s2, h2, delta, r) && cands[finalists[a]].feasible(p));
        if alive.is_empty() {
            // Every survivor turned infeasible: fall back to the best estimate.
            let best = (0..kf).max_by(|&a, &b| rank_key(p, &cands[finalists[a]]).partial_cmp(&rank_key(p, &cands[finalists[b]])).unwrap_or(std::cmp::Ordering::Equal)).unwrap_or(0);
            return Ok((finalists[best], guarantee(false, rep)));
        }
        if alive.len() == 1 {
            return Ok((finalists[alive[0]], guarantee(true, rep)));
        }
        if *runs + alive.len() > p.budget_runs {
            let best = *alive.iter().max_by(|&&a, &&b| means[a].total_cmp(&means[b])).unwrap_or(&alive[0]);
            return Ok((finalists[best], guarantee(false, rep)));
        }
        let jobs: Vec<(Vec<f64>, u64)> = alive.iter().map(|&a| (cands[finalists[a]].x.clone(), rep as u64)).collect();
        let out = eval(&jobs)?;
        *runs += jobs.len();
        for (&a, y) in alive.iter().zip(out) {
            let c = &mut cands[finalists[a]];
            if c.reps.len() == rep {
                c.reps.push(y);
            }
        }
        rep += 1;
    }
}

/// Whether survivor `a` stays: no other survivor's mean beats it by more than `W_ab(r)`.
fn alive_keep(a: usize, means: &[f64], s2: &[Vec<f64>], h2: f64, delta: f64, r: f64) -> bool {
    (0..means.len()).all(|b| {
        if b == a || means[b] == f64::NEG_INFINITY {
            return true;
        }
        let w = (delta / (2.0 * r) * (h2 * s2[a][b] / (delta * delta) - r)).max(0.0);
        means[a] >= means[b] - w
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_distr::{Distribution, Normal};

    fn problem(dims: Vec<Dim>) -> Problem {
        Problem {
            dims,
            objective: 0,
            maximise: true,
            measure: Measure::Mean,
            constraints: Vec::new(),
            replications: 4,
            budget_runs: 400,
            delta: 0.05,
            alpha: 0.05,
            finalists: 4,
            seed: 11,
            second: None,
        }
    }

    /// `f(x) = −(x₀ − 0.3)² − (x₁ − 0.7)²` plus noise of sd 0.05, common per replication.
    fn noisy(jobs: &[(Vec<f64>, u64)]) -> Result<Vec<Vec<f64>>, ()> {
        Ok(jobs
            .iter()
            .map(|(x, r)| {
                let mut rng = RunSeed::new(5, *r).stream("noise", 0, 0);
                let e = Normal::new(0.0, 0.05).unwrap().sample(&mut rng);
                let f = -(x[0] - 0.3).powi(2) - (x[1] - 0.7).powi(2) + e;
                vec![f, x[0]]
            })
            .collect())
    }

    #[test]
    fn finds_the_optimum_of_a_noisy_quadratic_with_a_guarantee() {
        let p = problem(vec![Dim::Real(0.0, 1.0), Dim::Real(0.0, 1.0)]);
        let o = search(&p, &mut noisy).unwrap();
        let x = &o.candidates[o.chosen].x;
        assert!((x[0] - 0.3).abs() < 0.12 && (x[1] - 0.7).abs() < 0.12, "{x:?}");
        // Within δ of the true optimum (f = 0), and the runs stayed in the budget.
        assert!(-(x[0] - 0.3).powi(2) - (x[1] - 0.7).powi(2) > -p.delta);
        assert!(o.runs <= p.budget_runs, "{}", o.runs);
        assert_eq!(o.guarantee.finalists, 4);
    }

    #[test]
    fn a_chance_constraint_moves_the_answer() {
        // Maximise f but keep x₀ ≤ 0.2 (figure 1) in 90 % of replications: the optimum moves
        // to the boundary, x₀ ≈ 0.2.
        let mut p = problem(vec![Dim::Real(0.0, 1.0), Dim::Real(0.0, 1.0)]);
        p.constraints.push(Chance { figure: 1, at_most: Some(0.2), at_least: None, confidence: 0.9 });
        let o = search(&p, &mut noisy).unwrap();
        let x = &o.candidates[o.chosen].x;
        assert!(x[0] <= 0.2 && x[0] > 0.05, "{x:?}");
        assert!(o.candidates[o.chosen].feasible(&p));
    }

    #[test]
    fn kim_nelson_picks_the_best_of_separated_systems() {
        // Five systems with means 0, 0.1, …, 0.4 and unit noise: the best (0.4) wins with
        // δ = 0.1, and the guarantee is reached.
        let means = [0.0, 0.1, 0.2, 0.3, 0.4];
        let mut p = problem(vec![Dim::Category(5)]);
        p.delta = 0.1;
        p.budget_runs = 100_000;
        let mut cands: Vec<Candidate> = (0..5).map(|i| Candidate { x: vec![i as f64], stage: "global", reps: Vec::new() }).collect();
        let mut eval = |jobs: &[(Vec<f64>, u64)]| -> Result<Vec<Vec<f64>>, ()> {
            Ok(jobs
                .iter()
                .map(|(x, r)| {
                    let mut rng = RunSeed::new(9, *r).stream("kn", x[0] as u64, 0);
                    vec![means[x[0] as usize] + Normal::new(0.0, 1.0).unwrap().sample(&mut rng)]
                })
                .collect())
        };
        for c in &mut cands {
            c.reps = eval(&(0..10).map(|r| (c.x.clone(), r)).collect::<Vec<_>>()).unwrap();
        }
        let mut runs = 50;
        let (chosen, g) = select(&p, &mut cands, (0..5).collect(), &mut runs, &mut eval).unwrap();
        assert_eq!(chosen, 4);
        assert!(g.reached && g.reps > 10, "{g:?}");
    }

    /// Two objectives, both minimised: `f₁ = x₀`, `f₂ = 1 − √x₀ + 4(x₁ − ½)²`, plus noise of
    /// sd 0.01 common per replication. The true front is `x₁ = ½`, `f₂ = 1 − √f₁`.
    fn two(jobs: &[(Vec<f64>, u64)]) -> Result<Vec<Vec<f64>>, ()> {
        Ok(jobs
            .iter()
            .map(|(x, r)| {
                let mut rng = RunSeed::new(6, *r).stream("noise", 0, 0);
                let e = Normal::new(0.0, 0.01).unwrap().sample(&mut rng);
                vec![x[0] + e, 1.0 - x[0].sqrt() + 4.0 * (x[1] - 0.5).powi(2) + e]
            })
            .collect())
    }

    #[test]
    fn finds_the_pareto_front_of_two_objectives() {
        let mut p = problem(vec![Dim::Real(0.0, 1.0), Dim::Real(0.0, 1.0)]);
        p.maximise = false;
        p.budget_runs = 1600;
        p.second = Some(Second { figure: 1, maximise: false });
        let o = search(&p, &mut two).unwrap();
        assert!(o.front.len() >= 5, "front of {}", o.front.len());
        let xs: Vec<&Vec<f64>> = o.front.iter().map(|&i| &o.candidates[i].x).collect();
        // On the true front (x₁ near ½), spread along it, ordered by the first objective.
        // Near the true front: the mean gap 4(x₁ − ½)² small, and most members close.
        let gap = xs.iter().map(|x| 4.0 * (x[1] - 0.5).powi(2)).sum::<f64>() / xs.len() as f64;
        let near = xs.iter().filter(|x| (x[1] - 0.5).abs() < 0.1).count();
        assert!(gap < 0.01 && near * 4 >= xs.len() * 3, "mean gap {gap}, {near} of {} near the true front: {xs:?}", xs.len());
        let (lo, hi) = (xs.iter().map(|x| x[0]).fold(1.0, f64::min), xs.iter().map(|x| x[0]).fold(0.0, f64::max));
        assert!(hi - lo > 0.5, "front spans x₀ ∈ [{lo}, {hi}]");
        assert!(xs.windows(2).all(|w| w[0][0] <= w[1][0]), "ordered by f₁ (minimised): {xs:?}");
        // No member dominates another; the compromise is a member, away from both ends.
        assert!(o.front.contains(&o.chosen));
        let c = &o.candidates[o.chosen].x;
        assert!(c[0] > 0.05 && c[0] < 0.7, "compromise {c:?}");
        assert!(o.runs <= p.budget_runs && o.runs + o.front.len() > p.budget_runs, "{} runs, front of {}: the refinement spends the budget", o.runs, o.front.len());
        assert!(!o.guarantee.reached);
    }

    #[test]
    fn a_front_keeps_only_what_nothing_dominates() {
        let mut p = problem(vec![Dim::Real(0.0, 1.0)]);
        p.second = Some(Second { figure: 1, maximise: true });
        let c = |x: f64, a: f64, b: f64| Candidate { x: vec![x], stage: "global", reps: vec![vec![a, b], vec![a, b]] };
        // (3, 1) and (1, 3) trade off; (2, 2) too; (1, 1) is dominated; (3, 1) twice is one.
        let cands = vec![c(0.0, 1.0, 1.0), c(0.1, 3.0, 1.0), c(0.2, 1.0, 3.0), c(0.3, 2.0, 2.0), c(0.1, 3.0, 1.0), c(0.4, 2.0, 1.5)];
        assert_eq!(pareto_front(&p, &cands), vec![1, 3, 2]);
        // The compromise is the middle of the three (both scaled to [1, 3]).
        assert_eq!(compromise(&p, &cands, &[1, 3, 2]), 3);
        // Minimising the second instead: (3, 1) dominates every other.
        p.second = Some(Second { figure: 1, maximise: false });
        assert_eq!(pareto_front(&p, &cands), vec![1]);
        // An infeasible candidate is never on the front: without (3, 1), (2, 1.5) dominates
        // (2, 2) and (1, 3), and trades off with (1, 1).
        p.constraints.push(Chance { figure: 0, at_most: Some(2.5), at_least: None, confidence: 0.5 });
        assert_eq!(pareto_front(&p, &cands), vec![5, 0]);
    }

    #[test]
    fn dims_map_the_unit_interval() {
        assert_eq!(Dim::Integer(1, 3).at(0.0), 1.0);
        assert_eq!(Dim::Integer(1, 3).at(0.999), 3.0);
        assert_eq!(Dim::Category(2).at(0.6), 1.0);
        assert_eq!(Dim::Real(2.0, 4.0).at(0.5), 3.0);
        let c = Chance { figure: 0, at_most: Some(1.0), at_least: None, confidence: 0.9 };
        assert!((c.share(&[vec![0.0], vec![2.0]]) - 0.5).abs() < 1e-12);
    }
}
