//! Declarations inferred from use, for a pasted `.tex` or `.md` derivation
//! that declares nothing.
//!
//! In: the items a reader produced (their chains). Out: an [`Inferred`]:
//! `.deriv` declaration text a user can copy into a file, and the names
//! whose use does not say what they are ([`Ambiguity`]), which are left
//! undeclared so that no step that uses them is decided.
//!
//! The conventions, in order:
//! - the variable of `∇_θ`, `∂/∂θ`, `d/dθ`, a one-letter subscript of an
//!   applied name (`π_θ(a | s)`), and a name transposed (`θ^T`) are
//!   parameters: `param θ`;
//! - `p`, `q`, `π`, `Pr`, `P` (with any subscript) and every name drawn
//!   from (`E_{x~p}`) are distributions over their first argument,
//!   conditional on the arguments after `|`: `fun π_θ(a | s) : dist a`;
//! - a function applied after `θ^T` is a feature vector:
//!   `fun φ(s, a) : vector`;
//! - other applied names are real functions: `fun r(s, a)`;
//! - a variable bound by `Σ` or `E`, or written as an argument, ranges
//!   over a finite set of its own, shared with every variable written in
//!   the same argument of the same function: `set X_τ`, `var τ in X_τ`;
//!   one bound by `∫` ranges over the real line: `var x in ℝ`;
//! - a bound of `Σ_{i=1}^{N}` is a count: `const N : count`;
//! - every other name is a real constant: `const γ`.
//!
//! `log`, `exp`, `sqrt`, `E` are the grammar's and are never inferred. A
//! name used in two ways (as a function and as a value, with two numbers
//! of arguments, as a parameter and as a bound variable) is ambiguous.

use crate::syntax::ast::{BigOp, BinOp, Chain, Domain, Expr, ExprKind, Item, ItemKind, Name};
use crate::syntax::Span;
use std::fmt::Write as _;

/// A name whose use does not say what it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Ambiguity {
    /// The name, as `.deriv` writes it.
    pub name: String,
    /// Where it is first used.
    pub span: Span,
    /// What is wrong, in words.
    pub reason: String,
}

/// What inference found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Inferred {
    /// `.deriv` declarations, one a line, in an order the resolver reads
    /// (parameters, sets, variables, constants, functions), then a
    /// `# not inferred: …` comment for each ambiguous name.
    pub text: String,
    /// Names left undeclared because their use is ambiguous.
    pub ambiguous: Vec<Ambiguity>,
    /// The parameters inferred.
    pub params: Vec<String>,
}

/// Whether `items` declare anything (then nothing is inferred: explicit
/// declarations always win).
pub fn declares_anything(items: &[Item]) -> bool {
    items.iter().any(|i| !matches!(i.kind, ItemKind::Chain(_)))
}

/// Infer the declarations the chains of `items` need.
pub fn infer(items: &[Item]) -> Inferred {
    let walk = |uses: &mut Uses| {
        for item in items {
            if let ItemKind::Chain(c) = &item.kind {
                uses.expr(&c.start);
                for s in &c.steps {
                    uses.expr(&s.expr);
                }
            }
        }
    };
    // The parameters first, so that `J(θ)` before `∇_θ` is an application
    // to the parameter, not to a variable θ.
    let mut first = Uses::default();
    walk(&mut first);
    let mut uses = Uses {
        params: first.params,
        ..Uses::default()
    };
    walk(&mut uses);
    uses.infer()
}

/// Whether `e` uses one of the ambiguous names (as a value, a function,
/// a parameter or a bound variable).
pub fn uses_any(e: &Expr, ambiguous: &[Ambiguity]) -> bool {
    let named = |n: &Name| {
        n.key()
            .is_some_and(|k| ambiguous.iter().any(|a| a.name == k))
    };
    let here = match &e.kind {
        ExprKind::Name(n) => named(n),
        ExprKind::Apply { head, .. } => named(head),
        ExprKind::Deriv { param, .. } => param.as_deref().is_some_and(named),
        ExprKind::Big { var, .. } => named(var),
        ExprKind::Expect { draws, .. } => draws.iter().any(|d| named(&d.var)),
        _ => false,
    };
    let mut below = false;
    e.for_each_child(|c| below = below || uses_any(c, ambiguous));
    here || below
}

/// What becomes of one step of a chain cut by [`cut_chain`].
#[derive(Clone, Debug, PartialEq)]
pub enum StepPlan {
    /// The step is step `step` of piece `piece`, and is checked there.
    Piece {
        /// Index into the pieces.
        piece: usize,
        /// Index into that piece's steps.
        step: usize,
    },
    /// The step uses an ambiguous name on one side: it is `unknown`, for
    /// this reason.
    Ambiguous(String),
}

/// A chain that uses an ambiguous name, cut into the pieces that do not
/// (runs of two or more expressions without one, each a chain of its
/// own), and the plan of every step of the whole chain. `None` when the
/// chain uses no ambiguous name.
pub fn cut_chain(c: &Chain, ambiguous: &[Ambiguity]) -> Option<(Vec<Chain>, Vec<StepPlan>)> {
    let exprs: Vec<&Expr> = std::iter::once(&c.start)
        .chain(c.steps.iter().map(|s| &s.expr))
        .collect();
    let bad: Vec<Option<&Ambiguity>> = exprs
        .iter()
        .map(|e| {
            ambiguous
                .iter()
                .find(|a| uses_any(e, std::slice::from_ref(a)))
        })
        .collect();
    if bad.iter().all(Option::is_none) {
        return None;
    }
    let mut pieces: Vec<Chain> = Vec::new();
    let mut plan = Vec::with_capacity(c.steps.len());
    // The piece the run of good expressions so far belongs to.
    let mut open: Option<usize> = None;
    for k in 1..exprs.len() {
        let step = &c.steps[k - 1];
        match (bad[k - 1], bad[k]) {
            (None, None) => {
                let piece = *open.get_or_insert_with(|| {
                    pieces.push(Chain {
                        name: None,
                        proves: None,
                        span: exprs[k - 1].span,
                        start: exprs[k - 1].clone(),
                        steps: Vec::new(),
                    });
                    pieces.len() - 1
                });
                let p = &mut pieces[piece];
                p.span = p.span.join(step.expr.span);
                p.steps.push(step.clone());
                plan.push(StepPlan::Piece {
                    piece,
                    step: p.steps.len() - 1,
                });
            }
            (a, b) => {
                open = None;
                let a = a.or(b).map_or_else(String::new, |a| {
                    format!(
                        "not checked: cannot infer what `{}` is: {}",
                        a.name, a.reason
                    )
                });
                plan.push(StepPlan::Ambiguous(a));
            }
        }
    }
    Some((pieces, plan))
}

/// How a function was applied.
#[derive(Clone, Debug)]
struct FunUse {
    key: String,
    span: Span,
    arity: (usize, usize),
    /// A second arity seen, if any.
    other_arity: Option<(usize, usize)>,
    dist: bool,
    vector: bool,
    /// Per argument position: the variable classes written there, or a
    /// parameter's name.
    slots: Vec<Slot>,
}

#[derive(Clone, Debug, Default)]
struct Slot {
    /// The first variable written there.
    var: Option<String>,
    /// A parameter written there (`J(θ)`).
    param: Option<String>,
    /// Something else written there (`f(2x)`), where it was.
    other: Option<Span>,
}

/// The uses of names collected from the chains, before they are turned
/// into declarations. Other readers of notation (∫, inner products) call
/// the `bind_*` and `mark_*` methods for what they see.
#[derive(Debug, Default)]
pub struct Uses {
    params: Vec<(String, Span)>,
    funs: Vec<FunUse>,
    /// Variables, each with the class (an index into `classes`).
    vars: Vec<(String, Span, usize)>,
    /// Union-find parents of variable classes.
    parent: Vec<usize>,
    /// Per class: bound by ∫ (continuous), bound by Σ/E (finite), an
    /// explicit set.
    continuous: Vec<bool>,
    finite: Vec<bool>,
    set: Vec<Option<String>>,
    /// Values: names used as numbers, not bound.
    values: Vec<(String, Span)>,
    counts: Vec<String>,
    /// Names bound where the walk is (Σ, E, ∫ variables and indices).
    scope: Vec<String>,
    /// Range indices bound where the walk is.
    indices: Vec<String>,
    /// Names whose subscript is a variable bound around them (`a_t` under
    /// `Σ_t`): an indexed family, which inference cannot declare.
    indexed: Vec<(String, Span, String)>,
    /// Bare names differentiated themselves (`∇_θ J`): a constant there
    /// would make `∇_θ J = 0` valid, so they are not inferred.
    differentiated: Vec<(String, Span, String)>,
}

/// Whether a name is a distribution by name: `p`, `q`, `π`, `Pr`, `P`.
fn is_dist_name(base: &str) -> bool {
    matches!(base, "p" | "q" | "π" | "Pr" | "P")
}

fn push_unique(list: &mut Vec<(String, Span)>, key: String, span: Span) {
    if !list.iter().any(|(k, _)| *k == key) {
        list.push((key, span));
    }
}

impl Uses {
    /// Whether a name's subscript uses a variable bound where the walk is.
    fn indexed_by_bound(&self, n: &Name) -> Option<String> {
        fn walk(e: &Expr, bound: &dyn Fn(&str) -> bool, found: &mut Option<String>) {
            if let ExprKind::Name(n) = &e.kind {
                if let Some(k) = n.key().filter(|k| bound(k)) {
                    found.get_or_insert(k);
                }
            }
            e.for_each_child(|c| walk(c, bound, found));
        }
        let bound = |k: &str| self.indices.iter().chain(&self.scope).any(|b| b == k);
        let mut found = None;
        for e in &n.sub {
            walk(e, &bound, &mut found);
        }
        found
    }

    /// Record an indexed family (see [`Uses::indexed`]) when `n` is one;
    /// whether it is.
    fn note_indexed(&mut self, n: &Name) -> bool {
        let Some(index) = self.indexed_by_bound(n) else {
            return false;
        };
        let key = n.key().unwrap_or_else(|| n.base.clone());
        if !self.indexed.iter().any(|(k, _, _)| *k == key) {
            self.indexed.push((key, n.span, index));
        }
        true
    }

    fn find(&mut self, c: usize) -> usize {
        let mut c = c;
        while self.parent[c] != c {
            self.parent[c] = self.parent[self.parent[c]];
            c = self.parent[c];
        }
        c
    }

    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.parent[b] = a;
            self.continuous[a] |= self.continuous[b];
            self.finite[a] |= self.finite[b];
            if self.set[a].is_none() {
                self.set[a] = self.set[b].take();
            }
        }
    }

    /// The class of a variable, made if new.
    fn var(&mut self, key: &str, span: Span) -> usize {
        if let Some((_, _, c)) = self.vars.iter().find(|(k, _, _)| k == key) {
            return *c;
        }
        let c = self.parent.len();
        self.parent.push(c);
        self.continuous.push(false);
        self.finite.push(false);
        self.set.push(None);
        self.vars.push((key.to_string(), span, c));
        c
    }

    /// A variable bound by Σ or E: it ranges over a finite set (`set`, if
    /// written).
    pub fn bind_finite(&mut self, key: &str, span: Span, set: Option<String>) {
        let c = self.var(key, span);
        let c = self.find(c);
        self.finite[c] = true;
        if set.is_some() {
            self.set[c] = set;
        }
    }

    /// A variable bound by ∫: it ranges over the real line.
    pub fn bind_integral(&mut self, key: &str, span: Span) {
        let c = self.var(key, span);
        let c = self.find(c);
        self.continuous[c] = true;
    }

    /// A parameter (the variable of ∇, a function's subscript, `θ^T`).
    pub fn mark_param(&mut self, key: &str, span: Span) {
        push_unique(&mut self.params, key.to_string(), span);
    }

    /// A function whose values are vectors (`φ` in `θ^T φ(s, a)` or
    /// `⟨θ, φ(s, a)⟩`).
    pub fn mark_vector(&mut self, key: &str) {
        if let Some(f) = self.funs.iter_mut().find(|f| f.key == key) {
            f.vector = true;
        }
    }

    /// A function applied to `args` (`cond` after `|`).
    pub fn apply(&mut self, head: &Name, args: &[Expr], cond: &[Expr], dist: bool) {
        // The normal density `N(a; μ, σ^2)` is built in: only its
        // arguments say anything about the file's names.
        // Its first argument is a point of the real line.
        if head.base == crate::syntax::parser::GAUSSIAN {
            if let Some(ExprKind::Name(n)) = args.first().map(|a| &a.kind) {
                if let Some(k) = n.key().filter(|k| !self.indices.contains(k)) {
                    self.bind_integral(&k, n.span);
                }
            }
        }
        if head.base == crate::syntax::parser::GAUSSIAN || self.note_indexed(head) {
            for a in args.iter().chain(cond) {
                self.expr(a);
            }
            return;
        }
        let Some(key) = head.key() else {
            return;
        };
        if let Some(sub) = head.simple_sub() {
            if sub.base.chars().count() == 1 && sub.primes == 0 {
                self.mark_param(&sub.base, sub.span);
            }
        }
        let arity = (args.len(), cond.len());
        let k = match self.funs.iter().position(|f| f.key == key) {
            Some(k) => {
                let f = &mut self.funs[k];
                if f.arity != arity && f.other_arity.is_none() {
                    f.other_arity = Some(arity);
                }
                k
            }
            None => {
                self.funs.push(FunUse {
                    key: key.clone(),
                    span: head.span,
                    arity,
                    other_arity: None,
                    dist: false,
                    vector: false,
                    slots: vec![Slot::default(); args.len() + cond.len()],
                });
                self.funs.len() - 1
            }
        };
        self.funs[k].dist |= dist || is_dist_name(&head.base);
        if self.funs[k].other_arity.is_some() {
            return;
        }
        for (pos, a) in args.iter().chain(cond).enumerate() {
            match &a.kind {
                ExprKind::Placeholder => {}
                ExprKind::Name(n) if self.indexed_by_bound(n).is_some() => {
                    self.note_indexed(n);
                }
                ExprKind::Name(n) if n.key().is_some() => {
                    let nk = n.key().unwrap_or_default();
                    if self.indices.contains(&nk) {
                        self.funs[k].slots[pos].other.get_or_insert(a.span);
                    } else if self.params.iter().any(|(p, _)| *p == nk) {
                        self.funs[k].slots[pos].param.get_or_insert(nk);
                    } else {
                        let c = self.var(&nk, n.span);
                        match self.funs[k].slots[pos].var.clone() {
                            Some(first) => {
                                let f = self.var(&first, n.span);
                                self.union(f, c);
                            }
                            None => self.funs[k].slots[pos].var = Some(nk),
                        }
                    }
                }
                _ => {
                    self.funs[k].slots[pos].other.get_or_insert(a.span);
                    self.expr(a);
                }
            }
        }
    }

    /// Walk an expression.
    pub fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Number(_) | ExprKind::Placeholder => {}
            ExprKind::Name(n) => {
                if self.note_indexed(n) {
                    return;
                }
                let Some(key) = n.key() else {
                    return;
                };
                if self.indices.contains(&key) || self.scope.contains(&key) {
                    return;
                }
                push_unique(&mut self.values, key, n.span);
            }
            ExprKind::Apply { head, args, cond } => self.apply(head, args, cond, false),
            ExprKind::Neg(a) | ExprKind::Func(_, a) | ExprKind::Abs(a) => self.expr(a),
            ExprKind::Pow(base, exp) => {
                if let (ExprKind::Name(b), ExprKind::Name(t)) = (&base.kind, &exp.kind) {
                    if matches!(t.base.as_str(), "T" | "⊤") && t.sub.is_empty() {
                        if let Some(k) = b.key() {
                            self.mark_param(&k, b.span);
                        }
                        return;
                    }
                }
                self.expr(base);
                self.expr(exp);
            }
            ExprKind::Binary(op, a, b) => {
                self.expr(a);
                self.expr(b);
                let transposed = matches!(&a.kind, ExprKind::Pow(_, t)
                    if matches!(&t.kind, ExprKind::Name(n) if matches!(n.base.as_str(), "T" | "⊤")));
                if *op == BinOp::Mul && transposed {
                    if let ExprKind::Apply { head, .. } = &b.kind {
                        if let Some(k) = head.key() {
                            self.mark_vector(&k);
                        }
                    }
                }
            }
            ExprKind::Inner { left, right, .. } => {
                // `⟨θ, φ(s, a)⟩`, `θ^T φ(s, a)`: the operands are vectors,
                // and a vector is a parameter or a vector function.
                for side in [left, right] {
                    match &side.kind {
                        ExprKind::Name(n) => {
                            if let Some(k) = n.key() {
                                self.mark_param(&k, n.span);
                            }
                        }
                        ExprKind::Apply { head, .. } => {
                            if let Some(h) = head.key() {
                                self.mark_vector(&h);
                            }
                        }
                        _ => {}
                    }
                }
                self.expr(left);
                self.expr(right);
            }
            ExprKind::Deriv { param, body } => {
                if let Some(p) = param {
                    if let Some(k) = p.key() {
                        self.mark_param(&k, p.span);
                    }
                }
                if let ExprKind::Name(n) = &body.kind {
                    let by = param.as_ref().and_then(|p| p.key()).unwrap_or_default();
                    if let Some(k) = n.key().filter(|k| *k != by && !self.scope.contains(k)) {
                        if !self.differentiated.iter().any(|(d, _, _)| *d == k) {
                            self.differentiated.push((k, n.span, by));
                        }
                    }
                }
                self.expr(body);
            }
            ExprKind::Big {
                op,
                var,
                domain,
                body,
            } => {
                let Some(key) = var.key() else {
                    return self.expr(body);
                };
                if *op == BigOp::Integral {
                    self.bind_integral(&key, var.span);
                    self.scope.push(key);
                    self.expr(body);
                    self.scope.pop();
                    return;
                }
                match domain.as_ref() {
                    Domain::Range(lo, hi) => {
                        for bound in [lo, hi] {
                            self.count_names(bound);
                        }
                        self.indices.push(key);
                        self.expr(body);
                        self.indices.pop();
                    }
                    Domain::Set(set) => {
                        self.bind_finite(&key, var.span, set.key());
                        self.scope.push(key);
                        self.expr(body);
                        self.scope.pop();
                    }
                    Domain::Declared => {
                        self.bind_finite(&key, var.span, None);
                        self.scope.push(key);
                        self.expr(body);
                        self.scope.pop();
                    }
                }
            }
            ExprKind::Expect { draws, body } => {
                let mut bound = 0;
                for d in draws {
                    let Some(key) = d.var.key() else { continue };
                    self.bind_finite(&key, d.var.span, None);
                    let var = Expr::new(ExprKind::Name(d.var.clone()), d.var.span);
                    match &d.dist.kind {
                        ExprKind::Name(n) => self.apply(n, std::slice::from_ref(&var), &[], true),
                        ExprKind::Apply { head, args, cond } => {
                            // `π_θ(·|s)`: the drawn variable takes the
                            // placeholder's place.
                            let args: Vec<Expr> = args
                                .iter()
                                .map(|a| match a.kind {
                                    ExprKind::Placeholder => var.clone(),
                                    _ => a.clone(),
                                })
                                .collect();
                            self.apply(head, &args, cond, true);
                        }
                        _ => self.expr(&d.dist),
                    }
                    self.scope.push(key);
                    bound += 1;
                }
                self.expr(body);
                for _ in 0..bound {
                    self.scope.pop();
                }
            }
        }
    }

    /// Names in a range bound are counts.
    fn count_names(&mut self, e: &Expr) {
        if let ExprKind::Name(n) = &e.kind {
            if let Some(k) = n.key() {
                if !self.indices.contains(&k) && !self.counts.contains(&k) {
                    self.counts.push(k);
                }
            }
            return;
        }
        e.for_each_child(|c| self.count_names(c));
    }

    /// The declarations, and what could not be inferred.
    pub fn infer(mut self) -> Inferred {
        let mut ambiguous = Vec::new();
        let mut bad = |name: &str, span: Span, reason: String| {
            if !ambiguous.iter().any(|a: &Ambiguity| a.name == name) {
                ambiguous.push(Ambiguity {
                    name: name.to_string(),
                    span,
                    reason,
                });
            }
        };
        let is_param = |k: &str, ps: &[(String, Span)]| ps.iter().any(|(p, _)| p == k);
        for f in &self.funs {
            if let Some(o) = f.other_arity {
                bad(
                    &f.key,
                    f.span,
                    format!(
                        "`{}` is applied to {} here and to {} elsewhere",
                        f.key,
                        arguments(f.arity),
                        arguments(o)
                    ),
                );
            }
            if is_param(&f.key, &self.params) {
                bad(
                    &f.key,
                    f.span,
                    format!("`{}` is used as a parameter and as a function", f.key),
                );
            }
            if let Some((_, span)) = self.values.iter().find(|(v, _)| *v == f.key) {
                bad(
                    &f.key,
                    *span,
                    format!("`{}` is used as a function and as a value", f.key),
                );
            }
            if let Some((_, span, _)) = self.vars.iter().find(|(v, _, _)| *v == f.key) {
                bad(
                    &f.key,
                    *span,
                    format!("`{}` is used as a function and as a variable", f.key),
                );
            }
            for slot in &f.slots {
                if slot.var.is_none() && slot.param.is_none() {
                    if let Some(span) = slot.other {
                        bad(&f.key, span, format!(
                            "`{}` is applied to an expression, not to a variable, so the set its argument ranges over is unknown",
                            f.key
                        ));
                    }
                }
            }
        }
        for (name, span, index) in &self.indexed {
            bad(name, *span, format!(
                "`{name}` is indexed by `{index}`, which is bound around it: an indexed family (a trajectory's steps, samples) is declared with `mdp` or `sample`, which inference does not write"
            ));
        }
        for (name, span, by) in &self.differentiated {
            if !is_param(name, &self.params) {
                let of = if by.is_empty() {
                    String::new()
                } else {
                    format!(" with respect to `{by}`")
                };
                bad(name, *span, format!(
                    "`{name}` is differentiated{of} but not applied to anything, so it would be a constant with derivative 0: write `{name}({by})`, or declare it"
                ));
            }
        }
        for (v, span, _) in &self.vars {
            if is_param(v, &self.params) {
                bad(
                    v,
                    *span,
                    format!("`{v}` is used as a parameter and as a variable"),
                );
            }
        }
        let classes: Vec<usize> = (0..self.vars.len()).map(|k| self.vars[k].2).collect();
        for (k, c) in classes.into_iter().enumerate() {
            let r = self.find(c);
            if self.continuous[r] && self.finite[r] {
                let (v, span, _) = &self.vars[k];
                bad(v, *span, format!(
                    "`{v}` ranges over the real line in an integral and over a finite set in a sum or an expectation"
                ));
            }
        }
        let skip = |n: &str| ambiguous.iter().any(|a| a.name == n);
        let mut text = String::new();
        let mut params = Vec::new();
        for (p, _) in &self.params {
            if !skip(p) {
                let _ = writeln!(text, "param {p}");
                params.push(p.clone());
            }
        }
        // Sets: one a class, named after its first variable.
        let mut set_of: Vec<Option<String>> = vec![None; self.parent.len()];
        for k in 0..self.vars.len() {
            let (v, _, c) = self.vars[k].clone();
            let r = self.find(c);
            if set_of[r].is_none() {
                set_of[r] = Some(if self.continuous[r] {
                    "ℝ".to_string()
                } else {
                    let name = self.set[r].clone().unwrap_or_else(|| format!("X_{v}"));
                    let _ = writeln!(text, "set {name}");
                    name
                });
            }
        }
        for k in 0..self.vars.len() {
            let (v, _, c) = self.vars[k].clone();
            if skip(&v) {
                continue;
            }
            let r = self.find(c);
            let _ = writeln!(text, "var {v} in {}", set_of[r].clone().unwrap_or_default());
        }
        for (v, _) in &self.values {
            let declared = skip(v)
                || is_param(v, &self.params)
                || self.funs.iter().any(|f| f.key == *v)
                || self.vars.iter().any(|(k, _, _)| k == v);
            if declared {
                continue;
            }
            if self.counts.contains(v) {
                let _ = writeln!(text, "const {v} : count");
            } else {
                let _ = writeln!(text, "const {v}");
            }
        }
        for c in &self.counts {
            if !self.values.iter().any(|(v, _)| v == c) && !skip(c) {
                let _ = writeln!(text, "const {c} : count");
            }
        }
        for f in &self.funs {
            if skip(&f.key) {
                continue;
            }
            let slot_name = |s: &Slot| {
                s.var
                    .clone()
                    .or_else(|| s.param.clone())
                    .unwrap_or_default()
            };
            let args: Vec<String> = f.slots[..f.arity.0].iter().map(slot_name).collect();
            let cond: Vec<String> = f.slots[f.arity.0..].iter().map(slot_name).collect();
            let mut head = format!("fun {}({}", f.key, args.join(", "));
            if !cond.is_empty() {
                let _ = write!(head, " | {}", cond.join(", "));
            }
            head.push(')');
            let dist_var = f.slots.first().and_then(|s| s.var.clone());
            match (f.vector, f.dist, dist_var) {
                (true, _, _) => head.push_str(" : vector"),
                (false, true, Some(x)) => {
                    let _ = write!(head, " : dist {x}");
                }
                _ => {}
            }
            let _ = writeln!(text, "{head}");
        }
        for a in &ambiguous {
            let _ = writeln!(text, "# not inferred: {}", a.reason);
        }
        Inferred {
            text,
            ambiguous,
            params,
        }
    }
}

fn arguments(arity: (usize, usize)) -> String {
    let n = |k: usize| {
        if k == 1 {
            "1 argument".to_string()
        } else {
            format!("{k} arguments")
        }
    };
    if arity.1 == 0 {
        n(arity.0)
    } else {
        format!("{} and {} after `|`", n(arity.0), arity.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::latex::{read_latex, read_markdown};

    #[track_caller]
    fn inferred_latex(formula: &str) -> Inferred {
        let f = read_latex(&format!("$$ {formula} $$\n"));
        assert!(f.errors.is_empty(), "{formula}: {:?}", f.errors);
        infer(&f.items)
    }

    #[test]
    fn the_policy_gradient_declares_what_the_seed_file_declares() {
        let i = inferred_latex(
            r"\nabla_\theta J(\theta) = \sum_\tau \nabla_\theta \Pr_\theta(\tau) R(\tau) = \mathbb{E}_{\tau \sim \Pr_\theta}\left[ \nabla_\theta \log \Pr_\theta(\tau) R(\tau) \right]",
        );
        assert!(i.ambiguous.is_empty(), "{:?}", i.ambiguous);
        assert_eq!(
            i.text,
            "param θ\nset X_τ\nvar τ in X_τ\nfun J(θ)\nfun Pr_θ(τ) : dist τ\nfun R(τ)\n"
        );
        assert_eq!(i.params, ["θ"]);
    }

    #[test]
    fn a_conditional_policy_and_rewards_and_constants() {
        let i = inferred_latex(
            r"\mathbb{E}_{s \sim \rho, a \sim \pi_\theta(\cdot \mid s)}\left[ \gamma r(s, a) - b \right] = \sum_{i=1}^{N} \frac{1}{N} c",
        );
        assert!(i.ambiguous.is_empty(), "{:?}", i.ambiguous);
        for line in [
            "param θ",
            "var s in X_s",
            "var a in X_a",
            "fun ρ(s) : dist s",
            "fun π_θ(a | s) : dist a",
            "fun r(s, a)",
            "const γ",
            "const b",
            "const N : count",
            "const c",
        ] {
            assert!(i.text.lines().any(|l| l == line), "{line}:\n{}", i.text);
        }
        assert!(!i.text.contains("var i"), "{}", i.text);
    }

    #[test]
    fn variables_in_the_same_argument_share_a_set() {
        let i = inferred_latex(r"\sum_{a} \pi(a \mid s) f(a) = \sum_{b} \pi(b \mid s) f(b)");
        assert!(i.text.contains("var a in X_a\n"), "{}", i.text);
        assert!(i.text.contains("var b in X_a\n"), "{}", i.text);
        assert_eq!(i.text.matches("set ").count(), 2, "{}", i.text);
    }

    #[test]
    fn ambiguous_names_are_left_undeclared_with_a_reason() {
        for (formula, name, words) in [
            (
                r"f(x) + f(x, y) = 0",
                "f",
                "applied to 1 argument here and to 2 arguments",
            ),
            (r"f(x) + f = 0", "f", "as a function and as a value"),
            (
                r"\sum_x \nabla_x f(x) = 0",
                "x",
                "as a parameter and as a variable",
            ),
            (r"g(2 y) = 0", "g", "not to a variable"),
        ] {
            let i = inferred_latex(formula);
            let a = i.ambiguous.iter().find(|a| a.name == name);
            let a = a.unwrap_or_else(|| panic!("{formula}: {i:?}"));
            assert!(a.reason.contains(words), "{formula}: {}", a.reason);
            assert!(
                !i.text
                    .lines()
                    .any(|l| l.split([' ', '(']).nth(1) == Some(name)),
                "{formula}: {}",
                i.text
            );
        }
    }

    #[test]
    fn integrals_and_features_use_the_shared_spellings() {
        // The ∫ and ⟨·,·⟩ readers report what they bind and mark.
        let mut u = Uses::default();
        let e = crate::syntax::parser::parse_expr("p(x) f(x)", 0).unwrap();
        u.bind_integral("x", Span::default());
        u.scope.push("x".into());
        u.expr(&e);
        let i = u.infer();
        assert_eq!(i.text, "var x in ℝ\nfun p(x) : dist x\nfun f(x)\n");
        // θ^T φ(s, a): an inner product of θ and φ.
        let i = inferred_latex(r"\theta^T \phi(s, a) = 2 \theta^T \phi(s, a)");
        assert!(i.text.contains("param θ\n"), "{}", i.text);
        assert!(i.text.contains("fun φ(s, a) : vector\n"), "{}", i.text);
        assert!(!i.text.contains("const T"), "{}", i.text);
    }

    #[test]
    fn a_chain_is_cut_around_the_expressions_with_an_ambiguous_name() {
        let f = read_latex("$$ a + 0 = a = f(a) + f = a \\cdot 1 = a = a $$\n");
        let i = infer(&f.items);
        assert_eq!(i.ambiguous.len(), 1, "{i:?}");
        let ItemKind::Chain(c) = &f.items[0].kind else {
            panic!()
        };
        let (pieces, plan) = cut_chain(c, &i.ambiguous).unwrap();
        let printed: Vec<String> = pieces
            .iter()
            .map(|p| crate::syntax::print::print_chain(p, false))
            .collect();
        assert_eq!(pieces.len(), 2, "{printed:?}");
        assert_eq!(pieces[0].steps.len(), 1);
        assert_eq!(pieces[1].steps.len(), 2);
        assert_eq!(plan.len(), 5);
        assert_eq!(plan[0], StepPlan::Piece { piece: 0, step: 0 });
        assert!(matches!(&plan[1], StepPlan::Ambiguous(r) if r.contains("`f`")));
        assert!(matches!(&plan[2], StepPlan::Ambiguous(_)));
        assert_eq!(plan[3], StepPlan::Piece { piece: 1, step: 0 });
        assert_eq!(plan[4], StepPlan::Piece { piece: 1, step: 1 });
    }

    /// `Σ_t r_t` read with `r_t` one constant would make
    /// `Σ_{t=1}^{N} r_t = N r_t` valid: an indexed name is not inferred.
    #[test]
    fn a_name_indexed_by_a_bound_variable_is_not_inferred() {
        for (formula, name) in [
            (r"\sum_{t=1}^{N} r_t = N r_t", "r_t"),
            (r"\sum_{t=1}^{N} \log \pi_\theta(a_t \mid s_t) = 0", "a_t"),
            (r"\sum_{t=1}^{N} g_t(x) = N g_t(x)", "g_t"),
            (r"\sum_{i} x_{i} = 0", "x_i"),
        ] {
            let i = inferred_latex(formula);
            assert!(
                i.ambiguous
                    .iter()
                    .any(|a| a.name == name && a.reason.contains("indexed by")),
                "{formula}: {i:?}"
            );
        }
    }

    /// `J` a constant would make `∇_θ J = 0` proved.
    #[test]
    fn a_bare_name_under_a_gradient_is_not_a_constant() {
        let i = inferred_latex(r"\nabla_\theta J = 0");
        let a = i
            .ambiguous
            .iter()
            .find(|a| a.name == "J")
            .expect("ambiguous");
        assert!(
            a.reason.contains("differentiated with respect to `θ`"),
            "{}",
            a.reason
        );
        assert!(!i.text.contains("const J"), "{}", i.text);
        // A constant factor inside the body stays a constant.
        let i = inferred_latex(
            r"\nabla_\theta (b \log \pi_\theta(a)) = b \nabla_\theta \log \pi_\theta(a)",
        );
        assert!(i.ambiguous.is_empty(), "{i:?}");
        assert!(i.text.contains("const b\n"), "{}", i.text);
    }

    #[test]
    fn builtins_are_not_inferred() {
        let i = inferred_latex(r"\log \exp x + \sqrt{y} = \mathbb{E}_{z \sim q}[z]");
        assert!(!i.text.contains("log") && !i.text.contains("exp") && !i.text.contains("sqrt"));
        assert!(i.text.contains("fun q(z) : dist z"), "{}", i.text);
    }

    #[test]
    fn explicit_declarations_are_seen() {
        let f = read_markdown("```deriv\nconst c\n```\n\n$$ c = c $$\n");
        assert!(declares_anything(&f.items));
        let f = read_markdown("$$ c = c $$\n");
        assert!(!declares_anything(&f.items));
    }
}
