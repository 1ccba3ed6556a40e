//! Stage 2 of the pipeline: syntax tree → resolved program.
//!
//! In: the parsed items of a file. Out: a [`Program`]: the declarations
//! (sets, parameters, constants, variables, functions, definitions, sample
//! families), every claim, assumption and chain with its expressions as
//! resolved [`Term`]s, and the [`ResolveError`]s found (undeclared names,
//! wrong arity, a bound variable used outside its binder, a variable where
//! a number is needed, …). Which objects depend on which parameter is
//! answered by [`Program::depends_on`].
//!
//! Resolving a node also finds its shape (`shape`: a vector or a number,
//! and whether an integer) and, for an index, the values it can take
//! (`range`), so that a step whose terms have no meaning — a vector
//! divided by a vector, a sum to N/2, the state s_H past a trajectory's
//! end, a draw from a function that is not a distribution — is an error
//! here, at its place, and never reaches the engines.

mod continuous;
pub mod ir;
mod range;
mod shape;
mod vectors;

use crate::syntax::ast::{
    self, ConstKind, Expr, ExprKind, FunAttr, Item, ItemKind, Name, Relation,
};
use crate::syntax::parser::parse_file;
use crate::syntax::Span;
pub use continuous::{gaussian_term, PI_NAME};
pub use ir::*;
use num_rational::BigRational;
use range::{Interval, Linear, Outside};
use shape::{Misuse, Shape};
// Names are hashed on every lookup; SipHash was a tenth of resolving.
use foldhash::{HashMap, HashMapExt};

/// A name or type problem, with where it is and what to do.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolveError {
    /// Where.
    pub span: Span,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

fn err(span: Span, message: impl Into<String>, hint: Option<String>) -> ResolveError {
    ResolveError {
        span,
        message: message.into(),
        hint,
    }
}

/// A resolved expression with its source span.
#[derive(Clone, Debug)]
pub struct Located {
    /// The resolved term.
    pub term: Term,
    /// Where it was written.
    pub span: Span,
}

/// A claim.
#[derive(Clone, Debug)]
pub struct Claim {
    /// `claim name: …`.
    pub name: Option<String>,
    /// The left side.
    pub lhs: Located,
    /// The relation.
    pub relation: Relation,
    /// The right side.
    pub rhs: Located,
    /// The claim's line.
    pub span: Span,
}

/// One resolved step of a chain.
#[derive(Clone, Debug)]
pub struct ResolvedStep {
    /// The relation to the previous expression.
    pub relation: Relation,
    /// The new expression.
    pub expr: Located,
    /// The text after `by`.
    pub justification: Option<String>,
}

/// A resolved chain.
#[derive(Clone, Debug)]
pub struct ResolvedChain {
    /// `derivation "name"`.
    pub name: Option<String>,
    /// Where the chain is.
    pub span: Span,
    /// The first expression.
    pub start: Located,
    /// The steps.
    pub steps: Vec<ResolvedStep>,
    /// The claim this chain proves, as an index into [`Program::claims`].
    pub claim: Option<usize>,
    /// The claim name in `proves NAME` when no such claim exists.
    pub missing_claim: Option<String>,
}

/// Everything a file declares and claims, resolved.
#[derive(Clone, Debug, Default)]
pub struct Program {
    /// Declared sets.
    pub sets: Vec<SetInfo>,
    /// Declared parameters.
    pub params: Vec<ParamInfo>,
    /// Declared constants.
    pub consts: Vec<ConstInfo>,
    /// Variables, free and bound.
    pub vars: Vec<VarInfo>,
    /// Declared functions.
    pub funs: Vec<FunInfo>,
    /// Definitions.
    pub defs: Vec<DefInfo>,
    /// Sample families.
    pub samples: Vec<SampleInfo>,
    /// Claims.
    pub claims: Vec<Claim>,
    /// `assume` facts.
    pub assumptions: Vec<(Located, Relation, Located)>,
    /// Chains that resolved without error.
    pub chains: Vec<ResolvedChain>,
    /// Whether some parameter is used as a plain value (then parameters
    /// are scalars in numeric instances).
    pub scalar_params: bool,
    /// `points` of an assignment.
    pub points: Option<BigRational>,
    /// `milestone` expressions of an assignment.
    pub milestones: Vec<Located>,
    /// `rubric` text of an assignment.
    pub rubric: Option<(String, Span)>,
    /// `steps` of an ordering exercise.
    pub labelled_steps: Vec<(String, Located)>,
    /// Problems found.
    pub errors: Vec<ResolveError>,
    /// How many chains were dropped because of errors.
    pub broken_chains: usize,
    /// The internal constant π (3.14159…) of the normal density's
    /// formula, once a file uses one; never a name the file declares.
    pub pi: Option<ConstId>,
}

/// The type of an expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty {
    Num(Shape),
    Elem(SetId),
}

/// An error about vectors, kept until the end of the items being resolved:
/// it stands only if the parameters turn out to be vectors.
#[derive(Clone, Debug)]
struct VectorError {
    error: ResolveError,
    /// The chain (an index into `Program::chains`) it breaks.
    chain: Option<usize>,
}

#[derive(Clone, Copy, Debug)]
enum Global {
    Set(SetId),
    Param(ParamId),
    Const(ConstId),
    Var(VarId),
    Fun(FunId),
    Def(DefId),
}

#[derive(Clone, Copy, Debug)]
enum Binding {
    Var(VarId),
}

#[derive(Clone)]
struct Mdp {
    state_var: String,
    action_var: String,
}

/// A key inserted into one of the resolver's maps, for undoing it.
#[derive(Clone, Debug)]
enum Journal {
    Global(String),
    Family(String),
    Variant(String),
}

#[derive(Clone)]
struct Resolver {
    /// When set, every key inserted into a map is recorded here.
    journal: Option<Vec<Journal>>,
    p: Program,
    globals: HashMap<String, (Global, Span)>,
    /// How many keys of `globals` hold `_`. The whole key of a name with a
    /// subscript does, and while none does it is not looked up there.
    underscored_globals: usize,
    families: HashMap<String, SampleId>,
    variants: HashMap<String, VarId>,
    /// The variables bound where the resolver is, innermost last; each is
    /// found by its name in `p.vars`.
    scope: Vec<Binding>,
    /// The variables bound so far in the expression, by Σ, Π or E.
    binders_seen: Vec<VarId>,
    mdp: Option<Mdp>,
    errors: Vec<ResolveError>,
    /// The first error about vectors in the expression being resolved.
    vector_error: Option<ResolveError>,
    /// Errors about vectors, until [`Resolver::settle_vector_errors`].
    vector_errors: Vec<VectorError>,
    /// Definitions whose bodies have an error about vectors: a use of one
    /// has one too.
    defs_with_vector_errors: Vec<DefId>,
    /// The range variables bound where the resolver is, with the values
    /// they take, innermost last.
    ranges: Vec<(VarId, Interval)>,
    /// The first inner product or vector function: the parameters are
    /// vectors (see `vectors`).
    vector_use: Option<Span>,
    /// Whether a parameter used as a number beside it was reported.
    vector_use_reported: bool,
}

type R<T> = Result<T, ResolveError>;

/// A chain's first expression and steps, or the errors that break it.
type ChainResolution = Result<(Located, Vec<ResolvedStep>), Vec<ResolveError>>;

/// Parse and resolve a file's text.
pub fn resolve_text(text: &str) -> (Program, Vec<crate::syntax::parser::SyntaxError>) {
    let parsed = parse_file(text);
    (resolve(&parsed.items), parsed.errors)
}

/// Resolve parsed items.
pub fn resolve(items: &[Item]) -> Program {
    Declarations::new().resolve(items)
}

/// A resolver state after some items (an assignment's or a `--with`
/// file's declarations), from which further items are resolved without
/// reading the declarations again: cloning it is cheaper than re-parsing.
#[derive(Clone)]
pub struct Declarations {
    r: Resolver,
    pending_claim: Option<usize>,
}

impl Default for Declarations {
    fn default() -> Self {
        Self::new()
    }
}

impl Declarations {
    /// No declarations.
    pub fn new() -> Self {
        Declarations {
            r: Resolver {
                journal: None,
                p: Program::default(),
                globals: HashMap::new(),
                underscored_globals: 0,
                families: HashMap::new(),
                variants: HashMap::new(),
                scope: Vec::new(),
                binders_seen: Vec::new(),
                mdp: None,
                errors: Vec::new(),
                vector_error: None,
                vector_errors: Vec::new(),
                defs_with_vector_errors: Vec::new(),
                // Ranges nest a few deep: one allocation a file.
                ranges: Vec::with_capacity(8),
                vector_use: None,
                vector_use_reported: false,
            },
            pending_claim: None,
        }
    }

    /// Add items (declarations, claims, chains) to this state. Errors
    /// about vectors are settled at the end: whether the parameters are
    /// vectors depends on every item.
    pub fn add(&mut self, items: &[Item]) {
        let first_error = self.r.errors.len();
        let first_chain = self.r.p.chains.len();
        for item in items {
            self.r.scope.clear();
            self.r.binders_seen.clear();
            self.r.ranges.clear();
            self.r.vector_error = None;
            if let Err(e) = self.r.item(item, &mut self.pending_claim) {
                self.r.errors.push(e);
            }
            if let Some(e) = self.r.vector_error.take() {
                // An item other than a chain (a definition, a claim, an
                // assumption) keeps its error here.
                self.r.vector_errors.push(VectorError {
                    error: e,
                    chain: None,
                });
            }
        }
        self.r.settle_vector_errors(first_error);
        self.r.settle_vector_use(first_chain);
    }

    /// The errors found so far.
    pub fn errors(&self) -> &[ResolveError] {
        &self.r.errors
    }

    /// The program so far.
    pub fn program(&self) -> &Program {
        &self.r.p
    }

    /// Resolve further items on top of these declarations, hand the
    /// program to `f`, then undo them: the declarations are as before, and
    /// nothing was cloned. The program's `errors` are those of `items`.
    pub fn scoped<T>(&mut self, items: &[Item], f: impl FnOnce(&Program) -> T) -> T {
        let p = &self.r.p;
        let lens = [
            p.sets.len(),
            p.params.len(),
            p.consts.len(),
            p.vars.len(),
            p.funs.len(),
            p.defs.len(),
            p.samples.len(),
            p.claims.len(),
            p.assumptions.len(),
            p.chains.len(),
            p.milestones.len(),
            p.labelled_steps.len(),
            self.r.errors.len(),
            self.r.defs_with_vector_errors.len(),
        ];
        let saved = (
            p.scalar_params,
            p.points.clone(),
            p.rubric.clone(),
            p.broken_chains,
            self.pending_claim,
            self.r.mdp.clone(),
            self.r.vector_use,
            self.r.vector_use_reported,
        );
        let outer_journal = self.r.journal.replace(Vec::new());
        self.add(items);
        self.r.p.errors = self.r.errors[lens[12]..].to_vec();
        let out = f(&self.r.p);
        for entry in self.r.journal.take().unwrap_or_default().into_iter().rev() {
            match entry {
                Journal::Global(k) => {
                    self.r.globals.remove(&k);
                    self.r.underscored_globals -= usize::from(k.contains('_'));
                }
                Journal::Family(k) => {
                    self.r.families.remove(&k);
                }
                Journal::Variant(k) => {
                    self.r.variants.remove(&k);
                }
            }
        }
        self.r.journal = outer_journal;
        let p = &mut self.r.p;
        p.sets.truncate(lens[0]);
        p.params.truncate(lens[1]);
        p.consts.truncate(lens[2]);
        p.vars.truncate(lens[3]);
        p.funs.truncate(lens[4]);
        p.defs.truncate(lens[5]);
        p.samples.truncate(lens[6]);
        p.claims.truncate(lens[7]);
        p.assumptions.truncate(lens[8]);
        p.chains.truncate(lens[9]);
        p.milestones.truncate(lens[10]);
        p.labelled_steps.truncate(lens[11]);
        p.errors.clear();
        self.r.errors.truncate(lens[12]);
        self.r.defs_with_vector_errors.truncate(lens[13]);
        (
            p.scalar_params,
            p.points,
            p.rubric,
            p.broken_chains,
            self.pending_claim,
            self.r.mdp,
            self.r.vector_use,
            self.r.vector_use_reported,
        ) = saved;
        out
    }

    /// Resolve further items on top of these declarations.
    pub fn resolve(&self, items: &[Item]) -> Program {
        let mut d = self.clone();
        d.add(items);
        let mut p = d.r.p;
        p.errors = d.r.errors;
        p
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let c = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + c);
        }
        prev = cur;
    }
    prev[b.len()]
}

impl Resolver {
    /// Errors about vectors stand when the parameters are vectors, that is
    /// when no parameter was used as a plain value; then the chains they
    /// are in are dropped, as chains with other errors are. Errors from
    /// `first_error` on are put in the order of their places.
    fn settle_vector_errors(&mut self, first_error: usize) {
        if self.vector_errors.is_empty() {
            return;
        }
        let found = std::mem::take(&mut self.vector_errors);
        if self.p.scalar_params {
            return;
        }
        let mut broken: Vec<usize> = found.iter().filter_map(|v| v.chain).collect();
        broken.sort_unstable();
        broken.dedup();
        for &k in broken.iter().rev() {
            self.p.chains.remove(k);
        }
        self.p.broken_chains += broken.len();
        self.errors.extend(found.into_iter().map(|v| v.error));
        self.errors[first_error..].sort_by_key(|e| e.span.start);
    }

    fn declare(&mut self, key: String, g: Global, span: Span) -> R<()> {
        if let Some((_, first)) = self.globals.get(&key) {
            let _ = first;
            return Err(err(
                span,
                format!("`{key}` is declared twice"),
                Some("give the second one another name".into()),
            ));
        }
        if let Some(j) = self.journal.as_mut() {
            j.push(Journal::Global(key.clone()));
        }
        self.underscored_globals += usize::from(key.contains('_'));
        self.globals.insert(key, (g, span));
        Ok(())
    }

    /// The global declared under a name's whole key (`key`, from
    /// [`Name::key_ref`]), skipping the look-up when the name has a
    /// subscript and no global's key holds `_`.
    fn global_named(&self, n: &Name, key: &str) -> Option<&(Global, Span)> {
        if !n.sub.is_empty() && self.underscored_globals == 0 {
            return None;
        }
        self.globals.get(key)
    }

    fn global_param(&self, n: &Name) -> Option<ParamId> {
        let key = n.key_ref()?;
        if self.lookup_scope(&key).is_some() {
            return None;
        }
        match self.global_named(n, &key) {
            Some((Global::Param(p), _)) => Some(*p),
            _ => None,
        }
    }

    /// A head's name: `Pr_θ` with θ a parameter is `Pr` with one slot;
    /// otherwise the whole name.
    fn head_name(&self, n: &Name) -> R<(String, Vec<ParamId>)> {
        if n.sub.is_empty() {
            return Ok((n.base_with_primes(), vec![]));
        }
        let mut slots = Vec::new();
        for s in &n.sub {
            match &s.kind {
                ExprKind::Name(m) => match self.global_param(m) {
                    Some(p) => slots.push(p),
                    None => break,
                },
                _ => break,
            }
        }
        if slots.len() == n.sub.len() {
            return Ok((n.base_with_primes(), slots));
        }
        match n.key() {
            Some(k) => Ok((k, vec![])),
            None => Err(err(
                n.span,
                "a declared name's subscript must be a parameter or a plain name",
                None,
            )),
        }
    }

    fn new_var(&mut self, name: String, domain: VarDomain, bound: bool) -> VarId {
        self.p.vars.push(VarInfo {
            name,
            domain,
            bound,
        });
        self.p.vars.len() - 1
    }

    fn item(&mut self, item: &Item, pending_claim: &mut Option<usize>) -> R<()> {
        match &item.kind {
            ItemKind::Param(names) => {
                for n in names {
                    let key = self.plain_key(n)?;
                    self.p.params.push(ParamInfo {
                        name: key.clone(),
                        span: n.span,
                    });
                    self.declare(key, Global::Param(self.p.params.len() - 1), n.span)?;
                }
            }
            ItemKind::Set(names) => {
                for n in names {
                    let key = self.plain_key(n)?;
                    self.add_set(key, SetKind::Plain, n.span)?;
                }
            }
            ItemKind::Var(names, set) => {
                let domain = match set {
                    Some(s) => VarDomain::Set(self.set_named(s)?),
                    None => VarDomain::Real,
                };
                for n in names {
                    let key = self.plain_key(n)?;
                    let v = self.new_var(key.clone(), domain, false);
                    self.declare(key, Global::Var(v), n.span)?;
                }
            }
            ItemKind::Const(names, kind) => {
                for n in names {
                    let key = self.plain_key(n)?;
                    self.add_const(key, *kind, n.span)?;
                }
            }
            ItemKind::Fun(head, attr) => self.fun(head, attr.as_ref(), item.span)?,
            ItemKind::Def(head, body) => self.def(head, body, item.span)?,
            ItemKind::Assume(l, rel, r) => {
                let (lhs, a) = self.located(l)?;
                let (rhs, b) = self.located(r)?;
                self.relate(*rel, a, b, r, "the left side");
                self.p.assumptions.push((lhs, *rel, rhs));
            }
            ItemKind::Claim(name, l, rel, r) => {
                let (lhs, a) = self.located(l)?;
                self.scope.clear();
                let (rhs, b) = self.located(r)?;
                self.relate(*rel, a, b, r, "the left side");
                if let Some(n) = name {
                    if self.p.claims.iter().any(|c| c.name.as_ref() == Some(n)) {
                        return Err(err(
                            item.span,
                            format!("claim `{n}` is declared twice"),
                            None,
                        ));
                    }
                }
                self.p.claims.push(Claim {
                    name: name.clone(),
                    lhs,
                    relation: *rel,
                    rhs,
                    span: item.span,
                });
                if name.is_none() {
                    *pending_claim = Some(self.p.claims.len() - 1);
                }
            }
            ItemKind::Mdp {
                states,
                actions,
                horizon,
            } => self.mdp(states, actions, horizon, item.span)?,
            ItemKind::Sample {
                var,
                index,
                dist,
                lo,
                hi,
            } => {
                let key = self.plain_key(var)?;
                if self.families.contains_key(&key) {
                    return Err(err(
                        var.span,
                        format!("samples `{key}` are declared twice"),
                        None,
                    ));
                }
                let dist_span = dist.span;
                let dist = self.dist(dist, key.clone(), var.span)?;
                let Some(set) = dist.set else {
                    return Err(err(
                        dist_span,
                        "samples are drawn from distributions over finite sets, not from densities",
                        None,
                    ));
                };
                let lo = self.integer(lo, || "the first index of a sample".into())?;
                let hi = self.integer(hi, || "the last index of a sample".into())?;
                self.p.samples.push(SampleInfo {
                    name: key.clone(),
                    index: index.base_with_primes(),
                    dist,
                    set,
                    lo,
                    hi,
                });
                if let Some(j) = self.journal.as_mut() {
                    j.push(Journal::Family(key.clone()));
                }
                self.families.insert(key, self.p.samples.len() - 1);
            }
            ItemKind::Points(n) => self.p.points = Some(n.clone()),
            ItemKind::Milestone(e) => {
                let (l, _) = self.located(e)?;
                self.p.milestones.push(l);
            }
            ItemKind::Rubric(text) => self.p.rubric = Some((text.clone(), item.span)),
            ItemKind::Steps(list) => {
                for (label, e) in list {
                    self.scope.clear();
                    let (l, _) = self.located(e)?;
                    self.p.labelled_steps.push((label.clone(), l));
                }
            }
            ItemKind::Chain(chain) => {
                let claim = if let Some(name) = &chain.proves {
                    self.p
                        .claims
                        .iter()
                        .position(|c| c.name.as_ref() == Some(name))
                } else {
                    pending_claim.take()
                };
                let missing_claim = match (&chain.proves, claim) {
                    (Some(n), None) => Some(n.clone()),
                    _ => None,
                };
                let (resolved, vector_errors) = self.chain(chain);
                // A chain broken by other errors is not kept whatever the
                // parameters are; one with errors about vectors only is
                // dropped when they stand.
                let chain_index = resolved.is_ok().then_some(self.p.chains.len());
                self.vector_errors
                    .extend(vector_errors.into_iter().map(|error| VectorError {
                        error,
                        chain: chain_index,
                    }));
                match resolved {
                    Ok((start, steps)) => self.p.chains.push(ResolvedChain {
                        name: chain.name.clone(),
                        span: chain.span,
                        start,
                        steps,
                        claim,
                        missing_claim,
                    }),
                    Err(errors) => {
                        self.errors.extend(errors);
                        self.p.broken_chains += 1;
                    }
                }
            }
        }
        Ok(())
    }

    /// A chain's expressions, or the errors that break it; and apart, its
    /// errors about vectors, one an expression at most.
    fn chain(&mut self, chain: &ast::Chain) -> (ChainResolution, Vec<ResolveError>) {
        let mut errors = Vec::new();
        let mut vector_errors = Vec::new();
        let mut one = |r: &mut Resolver, e: &Expr, before: Option<(Relation, Shape)>| {
            r.scope.clear();
            r.binders_seen.clear();
            r.ranges.clear();
            r.vector_error = None;
            let resolved = r.located(e);
            if let (Ok((_, after)), Some((relation, before))) = (&resolved, before) {
                r.relate(relation, before, *after, e, "the previous expression");
            }
            let clean = match r.vector_error.take() {
                Some(e) => {
                    vector_errors.push(e);
                    false
                }
                None => true,
            };
            match resolved {
                Ok((l, shape)) => Some((l, shape, clean)),
                Err(x) => {
                    errors.push(x);
                    None
                }
            }
        };
        let start = one(self, &chain.start, None);
        // The shape of the expression before, when it is known to be right.
        let mut before = start.as_ref().and_then(|&(_, s, clean)| clean.then_some(s));
        let mut steps = Vec::with_capacity(chain.steps.len());
        for s in &chain.steps {
            let here = one(self, &s.expr, before.map(|b| (s.relation, b)));
            before = here.as_ref().and_then(|&(_, s, clean)| clean.then_some(s));
            if let Some((expr, _, _)) = here {
                steps.push(ResolvedStep {
                    relation: s.relation,
                    expr,
                    justification: s.justification.clone(),
                });
            }
        }
        let resolved = match start {
            Some((start, _, _)) if errors.is_empty() => Ok((start, steps)),
            _ => Err(errors),
        };
        (resolved, vector_errors)
    }

    /// An error about vectors when `relation` cannot relate a side of shape
    /// `before` (`what` it is) to `e`, of shape `after`.
    fn relate(&mut self, relation: Relation, before: Shape, after: Shape, e: &Expr, what: &str) {
        if Shape::related(relation, before, after) {
            return;
        }
        self.vector_misuse(e.span, |_| {
            let symbol = relation.symbol();
            let side = |s: Shape| {
                if s.is_vector() {
                    "a vector"
                } else {
                    "a number"
                }
            };
            match relation {
                Relation::Le | Relation::Ge => (
                    if before.is_vector() && after.is_vector() {
                        format!("`{symbol}` orders numbers, but both sides are vectors")
                    } else {
                        format!(
                            "`{symbol}` orders numbers, but {what} is {} and this side is {}",
                            side(before),
                            side(after)
                        )
                    },
                    "a vector has no order: compare numbers, such as one component written out"
                        .into(),
                ),
                _ => (
                    format!(
                        "`{symbol}` cannot relate a vector and a number: {what} is {}, this side {}",
                        side(before),
                        side(after)
                    ),
                    "a vector equals a vector or 0: is a gradient missing on one side?".into(),
                ),
            }
        });
    }

    fn plain_key(&self, n: &Name) -> R<String> {
        n.key().ok_or_else(|| {
            err(
                n.span,
                "a declared name's subscript must be a plain name",
                Some("write `a_t`, not `a_{t+1}`".into()),
            )
        })
    }

    fn add_set(&mut self, key: String, kind: SetKind, span: Span) -> R<SetId> {
        self.p.sets.push(SetInfo {
            name: key.clone(),
            kind,
            span,
        });
        let id = self.p.sets.len() - 1;
        self.declare(key, Global::Set(id), span)?;
        Ok(id)
    }

    fn add_const(&mut self, key: String, kind: ConstKind, span: Span) -> R<ConstId> {
        self.p.consts.push(ConstInfo {
            name: key.clone(),
            kind,
            span,
        });
        let id = self.p.consts.len() - 1;
        self.declare(key, Global::Const(id), span)?;
        Ok(id)
    }

    fn set_named(&self, n: &Name) -> R<SetId> {
        let key = self.plain_key(n)?;
        match self.globals.get(&key) {
            Some((Global::Set(s), _)) => Ok(*s),
            Some(_) => Err(err(n.span, format!("`{key}` is not a set"), None)),
            None => Err(err(
                n.span,
                format!("undeclared set `{key}`"),
                Some(format!("declare it with `set {key}`")),
            )),
        }
    }

    /// The domain of a name used as a head parameter.
    fn head_input(&mut self, n: &Name) -> R<(Input, String)> {
        let key = self.plain_key(n)?;
        if let Some(p) = self.global_param(n) {
            return Ok((Input::Param(p), key));
        }
        match self.var_domain_of(n) {
            Some(VarDomain::Set(s)) => Ok((Input::Set(s), key)),
            Some(_) | None => match self.globals.get(&key) {
                Some((Global::Var(_), _)) | None => Ok((Input::Real, key)),
                Some(_) => Err(err(
                    n.span,
                    format!("`{key}` is declared as something other than a variable"),
                    Some("use a variable or a new name here".into()),
                )),
            },
        }
    }

    /// The domain of a declared variable, or of a primed or subscripted
    /// variant of one (`s'`, `x_1`).
    fn var_domain_of(&self, n: &Name) -> Option<VarDomain> {
        let key = n.key_ref()?;
        if let Some((Global::Var(v), _)) = self.global_named(n, &key) {
            return Some(self.p.vars[*v].domain);
        }
        if let Some(v) = self.variants.get(&*key) {
            return Some(self.p.vars[*v].domain);
        }
        match self.globals.get(&n.base) {
            Some((Global::Var(v), _)) if n.primes > 0 || n.simple_sub().is_some() => {
                Some(self.p.vars[*v].domain)
            }
            _ => None,
        }
    }

    fn fun(&mut self, head: &ast::Head, attr: Option<&FunAttr>, span: Span) -> R<()> {
        let (name, slots) = self.head_name(&head.name)?;
        let mut inputs: Vec<Input> = slots.iter().map(|&p| Input::Param(p)).collect();
        let mut keys = Vec::new();
        for n in head.args.iter().chain(&head.cond) {
            let (input, key) = self.head_input(n)?;
            inputs.push(input);
            keys.push((key, n.span));
        }
        let kind = match attr {
            None => FunKind::Real,
            Some(FunAttr::Positive) => FunKind::Positive,
            Some(FunAttr::Vector) => {
                if let Some(&p) = slots.first() {
                    return Err(err(
                        head.name.span,
                        format!(
                            "a vector function takes no parameter, and `{name}` takes `{}`",
                            self.p.params[p].name
                        ),
                        Some(format!(
                            "write the parameter outside, as in `{}^T {name}(…)`",
                            self.p.params[p].name
                        )),
                    ));
                }
                self.vector_use.get_or_insert(head.name.span);
                FunKind::Vector
            }
            Some(FunAttr::Dist(x)) => {
                let key = self.plain_key(x)?;
                let pos = keys[..head.args.len()]
                    .iter()
                    .position(|(k, _)| *k == key)
                    .ok_or_else(|| {
                        err(
                            x.span,
                            format!("`{key}` is not an argument of `{name}` before the bar"),
                            Some(format!("write `fun {name}({key} | …) : dist {key}`")),
                        )
                    })?;
                let idx = slots.len() + pos;
                // Over a finite set a distribution; over a variable
                // declared `in ℝ` a density.
                let density = matches!(inputs[idx], Input::Real)
                    && self.var_domain_of(x) == Some(VarDomain::Real);
                if !matches!(inputs[idx], Input::Set(_)) && !density {
                    return Err(err(
                        x.span,
                        format!("a distribution's variable must range over a finite set or be declared in ℝ, and `{key}` does neither"),
                        Some(format!("declare it with `var {key} in SET`, or `var {key} in ℝ` for a density")),
                    ));
                }
                FunKind::Dist(idx)
            }
        };
        if kind == FunKind::Vector {
            if let Some(k) = inputs.iter().position(|i| matches!(i, Input::Param(_))) {
                let n = &head.args.iter().chain(&head.cond).nth(k - slots.len());
                return Err(err(
                    n.map_or(head.name.span, |n| n.span),
                    format!("a vector function takes no parameter, and `{name}` takes one"),
                    Some("write the parameter outside, as in `θ^T φ(s, a)`".into()),
                ));
            }
        }
        self.p.funs.push(FunInfo {
            name: name.clone(),
            inputs,
            n_slots: slots.len(),
            n_cond: head.cond.len(),
            kind,
            span,
        });
        self.declare(name, Global::Fun(self.p.funs.len() - 1), head.name.span)
    }

    fn def(&mut self, head: &ast::Head, body: &Expr, span: Span) -> R<()> {
        let (name, slots) = self.head_name(&head.name)?;
        let mut inputs: Vec<DefInput> = slots.iter().map(|&p| DefInput::Param(p)).collect();
        self.scope.clear();
        for n in head.args.iter().chain(&head.cond) {
            let (input, key) = self.head_input(n)?;
            match input {
                Input::Param(p) => inputs.push(DefInput::Param(p)),
                Input::Set(s) => {
                    let v = self.new_var(key, VarDomain::Set(s), true);
                    self.scope.push(Binding::Var(v));
                    inputs.push(DefInput::Var(v));
                }
                Input::Real => {
                    let v = self.new_var(key, VarDomain::Real, true);
                    self.scope.push(Binding::Var(v));
                    inputs.push(DefInput::Var(v));
                }
            }
        }
        let (body, shape) = self.value(body)?;
        self.scope.clear();
        let depth = self.p.expanded_depth(&body);
        if depth > MAX_EXPANDED_DEPTH {
            return Err(err(
                head.name.span,
                format!(
                    "`{name}` unfolds to an expression more than {MAX_EXPANDED_DEPTH} levels deep"
                ),
                Some("definitions may build on each other, but not this deeply".into()),
            ));
        }
        if self.vector_error.is_some() {
            self.defs_with_vector_errors.push(self.p.defs.len());
        }
        self.p.defs.push(DefInfo {
            name: name.clone(),
            inputs,
            n_slots: slots.len(),
            n_cond: head.cond.len(),
            body,
            vector: shape.is_vector(),
            depth,
            distribution: false,
            span,
        });
        self.declare(name, Global::Def(self.p.defs.len() - 1), head.name.span)
    }

    fn mdp(&mut self, states: &Name, actions: &Name, horizon: &Name, span: Span) -> R<()> {
        if self.mdp.is_some() {
            return Err(err(span, "a file may hold one `mdp`", None));
        }
        let sk = self.plain_key(states)?;
        let ak = self.plain_key(actions)?;
        let hk = self.plain_key(horizon)?;
        let s = self.add_set(sk.clone(), SetKind::Plain, states.span)?;
        let a = self.add_set(ak.clone(), SetKind::Plain, actions.span)?;
        let h = self.add_const(hk.clone(), ConstKind::Count, horizon.span)?;
        self.add_set(
            "Traj".into(),
            SetKind::Traj {
                states: s,
                actions: a,
                horizon: h,
            },
            span,
        )?;
        if !self.globals.contains_key("θ") {
            self.p.params.push(ParamInfo {
                name: "θ".into(),
                span,
            });
            self.declare("θ".into(), Global::Param(self.p.params.len() - 1), span)?;
        }
        self.mdp = Some(Mdp {
            state_var: "s".into(),
            action_var: "a".into(),
        });
        let text = format!(
            "var s in {sk}\nvar a in {ak}\nvar τ in Traj\n\
             fun ρ(s) : dist s\nfun P(s' | s, a) : dist s'\nfun π_θ(a | s) : dist a\nfun r(s, a)\n\
             def Pr_θ(τ) = ρ(s_0) [Π_{{t=0}}^{{{hk}-1}} π_θ(a_t | s_t)] [Π_{{t=0}}^{{{hk}-2}} P(s_{{t+1}} | s_t, a_t)]\n\
             def R(τ) = Σ_{{t=0}}^{{{hk}-1}} r(s_t, a_t)\n"
        );
        let parsed = parse_file(&text);
        if let Some(e) = parsed.errors.first() {
            return Err(err(
                span,
                format!("internal: the mdp definitions do not parse: {e:?}"),
                None,
            ));
        }
        for item in &parsed.items {
            let mut item = item.clone();
            item.span = span;
            self.scope.clear();
            let mut dummy = None;
            self.item(&item, &mut dummy).map_err(|mut e| {
                e.span = span;
                e
            })?;
        }
        // Pr_θ is a distribution over trajectories by construction.
        if let Some((Global::Def(d), _)) = self.globals.get("Pr") {
            self.p.defs[*d].distribution = true;
        }
        // The time index of the MDP, free in steps such as `log π_θ(a_t | s_t)`.
        let t = self.new_var("t".into(), VarDomain::Time(h), false);
        self.declare("t".into(), Global::Var(t), span)?;
        Ok(())
    }

    fn located(&mut self, e: &Expr) -> R<(Located, Shape)> {
        let (term, shape) = self.value(e)?;
        Ok((Located { term, span: e.span }, shape))
    }

    /// Resolve an expression that is a number or a vector (not a set
    /// element), with its shape.
    fn value(&mut self, e: &Expr) -> R<(Term, Shape)> {
        if !matches!(
            e.kind,
            ExprKind::Name(_) | ExprKind::Apply { .. } | ExprKind::Placeholder
        ) {
            return self.compound(e);
        }
        let (t, ty) = self.expr(e)?;
        match ty {
            Ty::Num(shape) => Ok((t, shape)),
            Ty::Elem(s) => Err(err(
                e.span,
                format!(
                    "this is an element of the set `{}`, not a number",
                    self.p.sets[s].name
                ),
                Some("apply a function to it, as in R(τ)".into()),
            )),
        }
    }

    /// [`Resolver::value`] where a number is needed: a vector there is an
    /// error about vectors, which `describe` words (message and hint), and
    /// the value counts as a number from then on.
    fn number(
        &mut self,
        e: &Expr,
        describe: impl FnOnce(&Self) -> (String, String),
    ) -> R<(Term, Shape)> {
        let (t, shape) = self.value(e)?;
        if !shape.is_vector() {
            return Ok((t, shape));
        }
        self.vector_misuse(e.span, describe);
        Ok((t, Shape::Real))
    }

    /// Keep the first error about vectors of the expression being resolved.
    /// None is kept while the parameters are known to be scalars.
    fn vector_misuse(&mut self, span: Span, describe: impl FnOnce(&Self) -> (String, String)) {
        if self.vector_error.is_none() && !self.p.scalar_params {
            let (message, hint) = describe(self);
            self.vector_error = Some(err(span, message, Some(hint)));
        }
    }

    /// An expression that must be an integer (a range bound, an index):
    /// `place` names what it is, for the error.
    fn integer(&mut self, e: &Expr, place: impl FnOnce() -> String) -> R<Term> {
        let (t, shape) = self.value(e)?;
        if shape.is_int() {
            return Ok(t);
        }
        Err(err(
            e.span,
            format!(
                "{} must be an integer, and {}",
                place(),
                self.why_not_integer(e)
            ),
            Some(
                "write it with whole numbers, `count` constants (`const N : count`) and range \
                 or time variables, joined by +, −, · and powers"
                    .into(),
            ),
        ))
    }

    /// Why `e`, not of an integer shape, is not an integer: its first part
    /// that is not.
    fn why_not_integer(&self, e: &Expr) -> String {
        let q = quote(e);
        match &e.kind {
            ExprKind::Number(_) => format!("`{q}` is not a whole number"),
            ExprKind::Binary(ast::BinOp::Div, ..) => format!("`{q}` is a quotient"),
            ExprKind::Binary(_, a, b) | ExprKind::Pow(a, b) => {
                let culprit = [a, b]
                    .into_iter()
                    .find(|x| !self.integer_form(x))
                    .map(|x| self.why_not_integer(x));
                match (culprit, &e.kind) {
                    (Some(why), _) => why,
                    (None, ExprKind::Pow(..)) => {
                        format!("`{q}` is a power whose exponent may be negative")
                    }
                    (None, _) => format!("`{q}` is not an integer expression"),
                }
            }
            ExprKind::Neg(x) | ExprKind::Abs(x) => self.why_not_integer(x),
            ExprKind::Name(n) => {
                let what = match n.key_ref().and_then(|k| self.name_kind(&k)) {
                    Some(Global::Const(_)) => "a real constant, not a `count`",
                    Some(Global::Var(_)) => "a real variable",
                    Some(Global::Param(_)) => "a parameter",
                    Some(Global::Def(_) | Global::Fun(_)) => "the value of a function",
                    _ => "not an integer",
                };
                format!("`{q}` is {what}")
            }
            ExprKind::Apply { .. } => format!("`{q}` is the value of a function"),
            ExprKind::Deriv { .. } => format!("`{q}` is a gradient"),
            _ => format!("`{q}` is not an integer expression"),
        }
    }

    /// Whether `e` has one of the integer forms, judged from its text and
    /// what its names are declared as (for messages; resolving decides).
    fn integer_form(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Number(n) => n.is_integer(),
            ExprKind::Binary(ast::BinOp::Div, ..) => false,
            ExprKind::Binary(_, a, b) => self.integer_form(a) && self.integer_form(b),
            ExprKind::Pow(a, b) => {
                self.integer_form(a)
                    && matches!(&b.kind, ExprKind::Number(k) if k.is_integer() && *k >= BigRational::from_integer(0.into()))
            }
            ExprKind::Neg(x) | ExprKind::Abs(x) => self.integer_form(x),
            ExprKind::Name(n) => {
                let Some(key) = n.key_ref() else {
                    return false;
                };
                if let Some(Binding::Var(v)) = self.lookup_scope(&key) {
                    return matches!(self.p.vars[v].domain, VarDomain::Int | VarDomain::Time(_));
                }
                match self.globals.get(&*key) {
                    Some((Global::Const(c), _)) => self.p.consts[*c].kind == ConstKind::Count,
                    Some((Global::Var(v), _)) => {
                        matches!(self.p.vars[*v].domain, VarDomain::Int | VarDomain::Time(_))
                    }
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// What a name (a key) refers to: a bound variable counts as a
    /// variable.
    fn name_kind(&self, key: &str) -> Option<Global> {
        match self.lookup_scope(key) {
            Some(Binding::Var(v)) => Some(Global::Var(v)),
            None => self.globals.get(key).map(|g| g.0),
        }
    }

    fn lookup_scope(&self, key: &str) -> Option<Binding> {
        self.scope
            .iter()
            .rev()
            .find(|Binding::Var(v)| self.p.vars[*v].name == key)
            .copied()
    }

    fn expr(&mut self, e: &Expr) -> R<(Term, Ty)> {
        match &e.kind {
            ExprKind::Name(n) => self.name(n),
            ExprKind::Placeholder => Err(err(
                e.span,
                "`·` stands for the drawn variable and belongs in a distribution",
                Some("write it inside E_{a~π_θ(·|s)}".into()),
            )),
            ExprKind::Apply { head, args, cond } => {
                if let Some(r) = self.gaussian(head, args, cond) {
                    return r;
                }
                self.apply(head, args, cond, e.span)
            }
            _ => {
                let (t, shape) = self.compound(e)?;
                Ok((t, Ty::Num(shape)))
            }
        }
    }

    /// An expression that is a number or a vector by its form: anything
    /// but a name, an application or `·`. `value` resolves these without
    /// going through `expr` and its type. Its shape is found in the same
    /// step, from the shapes of its parts.
    fn compound(&mut self, e: &Expr) -> R<(Term, Shape)> {
        let b = Box::new;
        match &e.kind {
            ExprKind::Name(_) | ExprKind::Apply { .. } | ExprKind::Placeholder => self.value(e),
            ExprKind::Number(n) => Ok((Term::Num(n.clone()), Shape::of_number(n))),
            ExprKind::Neg(x) => {
                let (t, shape) = self.value(x)?;
                Ok((Term::Neg(b(t)), shape))
            }
            ExprKind::Binary(op, l, r) => {
                let (tl, sl) = self.value(l)?;
                let (tr, sr) = self.value(r)?;
                let shape = match op {
                    ast::BinOp::Add | ast::BinOp::Sub => Shape::sum(sl, sr),
                    ast::BinOp::Mul => Shape::product(sl, sr),
                    ast::BinOp::Div => Shape::quotient(sl, sr),
                };
                let shape = shape.unwrap_or_else(|m| {
                    self.binary_misuse(m, *op, e.span, (l, sl), r);
                    Shape::Real
                });
                let (tl, tr) = (b(tl), b(tr));
                let t = match op {
                    ast::BinOp::Add => Term::Add(tl, tr),
                    ast::BinOp::Sub => Term::Sub(tl, tr),
                    ast::BinOp::Mul => Term::Mul(tl, tr),
                    ast::BinOp::Div => Term::Div(tl, tr),
                };
                Ok((t, shape))
            }
            ExprKind::Pow(base, x) => {
                let (tb, sb) = self.number(base, |_| {
                    (
                        format!("a power of a vector: `{}` is a vector", quote(base)),
                        "a vector has no powers: raise a number, such as one component written out"
                            .into(),
                    )
                })?;
                let (tx, sx) = self.number(x, |_| {
                    (
                        format!("a vector as an exponent: `{}` is a vector", quote(x)),
                        "an exponent is a number".into(),
                    )
                })?;
                // An integer to an integer power at least 0 is an integer;
                // the exponent's least value is asked for only then.
                let natural = sb.is_int()
                    && sx.is_int()
                    && range::interval(&tx, self)
                        .lo
                        .is_some_and(|l| l.never_negative());
                Ok((Term::Pow(b(tb), b(tx)), Shape::power(sb, natural)))
            }
            ExprKind::Func(f, x) => {
                let (t, _) = self.number(x, |_| {
                    (
                        format!("`{}` of a vector: `{}` is a vector", f.name(), quote(x)),
                        "log, exp and sqrt take numbers: apply them before differentiating, \
                         as in ∇_θ log Pr_θ(τ)"
                            .into(),
                    )
                })?;
                Ok((Term::Func(*f, b(t)), Shape::Real))
            }
            ExprKind::Inner { left, right, form } => {
                if *form == ast::InnerForm::TransposeT {
                    if let Some(t) = self.transpose_as_power(e, left, right)? {
                        return Ok(t);
                    }
                }
                let l = self.vector_operand(left, e)?;
                let r = self.vector_operand(right, e)?;
                self.vector_use.get_or_insert(e.span);
                Ok((Term::Inner(b(l), b(r)), Shape::Real))
            }
            ExprKind::Abs(x) => {
                let (t, shape) = self.number(x, |_| {
                    (
                        format!("the absolute value of a vector: `{}` is a vector", quote(x)),
                        "|…| takes a number, such as one component written out".into(),
                    )
                })?;
                Ok((Term::Abs(b(t)), shape.absolute()))
            }
            ExprKind::Deriv { param, body } => {
                let p = match param {
                    Some(n) => self.global_param(n).ok_or_else(|| {
                        let key = n.key().unwrap_or_else(|| n.base.clone());
                        err(
                            n.span,
                            format!("`{key}` is not a declared parameter"),
                            Some(format!("declare it with `param {key}`")),
                        )
                    })?,
                    None => {
                        if self.p.params.len() == 1 {
                            0
                        } else {
                            return Err(err(
                                e.span,
                                "`∇` without a subscript needs exactly one declared parameter",
                                Some("write ∇_θ".into()),
                            ));
                        }
                    }
                };
                let (body, _) = self.number(body, |_| {
                    (
                        format!(
                            "the gradient of a vector (a Hessian): `{}` is already a vector",
                            quote(body)
                        ),
                        "derivcheck checks first derivatives: differentiate a number".into(),
                    )
                })?;
                Ok((
                    Term::Grad {
                        param: p,
                        body: b(body),
                    },
                    Shape::Vector,
                ))
            }
            ExprKind::Big {
                op: ast::BigOp::Integral,
                var,
                domain,
                body,
            } => self.integral(var, domain, body),
            ExprKind::Big {
                op,
                var,
                domain,
                body,
            } => {
                let key = self.plain_key(var)?;
                let (vdomain, bdomain, values) = match &**domain {
                    ast::Domain::Declared => match self.var_domain_of(var) {
                        Some(VarDomain::Set(s)) => (VarDomain::Set(s), BigDomain::Set(s), None),
                        _ => {
                            return Err(err(
                                var.span,
                                format!("`{key}` is not declared as a variable of a set"),
                                Some(format!(
                                    "declare `var {key} in SET`, or write Σ_{{{key} ∈ SET}} or Σ_{{{key}=1}}^{{N}}"
                                )),
                            ))
                        }
                    },
                    ast::Domain::Set(s) => {
                        let s = self.set_named(s)?;
                        (VarDomain::Set(s), BigDomain::Set(s), None)
                    }
                    ast::Domain::Range(lo, hi) => {
                        let lo = self.integer(lo, || "the first index of a range".into())?;
                        let hi = self.integer(hi, || "the last index of a range".into())?;
                        // While the body is evaluated, the variable lies
                        // between the least first and the greatest last index.
                        let values = Interval::between(
                            range::interval(&lo, self).lo,
                            range::interval(&hi, self).hi,
                        );
                        (
                            VarDomain::Int,
                            BigDomain::Range(b(lo), b(hi)),
                            Some(values),
                        )
                    }
                };
                let v = self.new_var(key, vdomain, true);
                self.binders_seen.push(v);
                self.scope.push(Binding::Var(v));
                if let Some(values) = values {
                    self.ranges.push((v, values));
                }
                let body = if *op == ast::BigOp::Prod {
                    self.number(body, |_| {
                        (
                            format!("a product Π of vectors: `{}` is a vector", quote(body)),
                            "Π multiplies numbers; Σ adds vectors".into(),
                        )
                    })
                } else {
                    self.value(body)
                };
                if values.is_some() {
                    self.ranges.pop();
                }
                self.scope.pop();
                let (body, shape) = body?;
                Ok(big_term(*op, v, bdomain, body, shape))
            }
            ExprKind::Expect { draws, body } => {
                let depth = self.scope.len();
                let mut dists = Vec::new();
                for d in draws {
                    let key = self.plain_key(&d.var)?;
                    let dist = match self.dist(&d.dist, key, d.var.span) {
                        Ok(x) => x,
                        Err(x) => {
                            self.scope.truncate(depth);
                            return Err(x);
                        }
                    };
                    self.binders_seen.push(dist.var);
                    self.scope.push(Binding::Var(dist.var));
                    dists.push(dist);
                }
                let body = self.value(body);
                self.scope.truncate(depth);
                let (mut t, shape) = body?;
                for dist in dists.into_iter().rev() {
                    t = Term::Expect { dist, body: b(t) };
                }
                let shape = if shape.is_vector() {
                    Shape::Vector
                } else {
                    Shape::Real
                };
                Ok((t, shape))
            }
        }
    }

    /// The error about vectors of `l op r`, written at `span`, whose
    /// shapes do not combine.
    fn binary_misuse(
        &mut self,
        misuse: Misuse,
        op: ast::BinOp,
        span: Span,
        (l, left): (&Expr, Shape),
        r: &Expr,
    ) {
        let span = match misuse {
            Misuse::DivisionByVector => r.span,
            _ => span,
        };
        self.vector_misuse(span, |_| match misuse {
            Misuse::SumWithNumber => {
                let (v, n) = if left.is_vector() { (l, r) } else { (r, l) };
                let what = match (op, left.is_vector()) {
                    (ast::BinOp::Add, _) => "add a number to a vector",
                    (_, true) => "subtract a number from a vector",
                    (_, false) => "subtract a vector from a number",
                };
                (
                    format!(
                        "cannot {what}: `{}` is a vector and `{}` a number",
                        quote(v),
                        quote(n)
                    ),
                    "a vector adds to a vector or to 0: is a gradient missing?".into(),
                )
            }
            Misuse::ProductOfVectors => (
                format!(
                    "a product of two vectors: `{}` and `{}` are vectors",
                    quote(l),
                    quote(r)
                ),
                "multiply a vector by a number; the inner product of two vectors is written \
                 ⟨u, v⟩ or u^T v"
                    .into(),
            ),
            Misuse::DivisionByVector => (
                format!("division by a vector: `{}` is a vector", quote(r)),
                "divide by a number: a vector has no inverse".into(),
            ),
        });
    }

    /// A distribution `Pr_θ` or `π_θ(·|s)`, drawing a variable named `key`.
    fn dist(&mut self, e: &Expr, key: String, var_span: Span) -> R<Dist> {
        let (head, args, cond): (&Name, Vec<Option<&Expr>>, usize) = match &e.kind {
            ExprKind::Name(n) => (n, vec![None], 0),
            ExprKind::Apply { head, args, cond } => {
                let list: Vec<Option<&Expr>> = args
                    .iter()
                    .chain(cond)
                    .map(|a| match a.kind {
                        ExprKind::Placeholder => None,
                        _ => Some(a),
                    })
                    .collect();
                (head, list, cond.len())
            }
            _ => {
                return Err(err(
                    e.span,
                    "a distribution must be a name or an application with `·`",
                    Some("write Pr_θ or π_θ(·|s)".into()),
                ))
            }
        };
        let holes = args.iter().filter(|a| a.is_none()).count();
        if holes != 1 {
            return Err(err(
                e.span,
                "a distribution needs exactly one `·` for the drawn variable",
                Some("write π_θ(·|s)".into()),
            ));
        }
        let mut terms = Vec::with_capacity(head.sub.len() + args.len());
        let callee = match self.callee(head, &mut terms) {
            Ok(c) => c,
            Err(x) => return Err(self.not_a_function(head, e, &key).unwrap_or(x)),
        };
        let (n_inputs, n_slots, n_cond) = self.arity(callee);
        // A declared function is a distribution only when declared `: dist`;
        // a definition is one when it sums to 1, which the engines check.
        let dist_idx = match callee {
            Callee::Fun(f) => match self.p.funs[f].kind {
                FunKind::Dist(k) => Some(k),
                kind => {
                    let what = if kind == FunKind::Positive {
                        "a positive function"
                    } else {
                        "a real function"
                    };
                    return Err(err(
                        e.span,
                        format!(
                            "`{}` is {what}, not a distribution: `~` draws from a distribution",
                            self.callee_name(callee)
                        ),
                        Some(format!("declare it with `{}`", dist_declaration(e, &key))),
                    ));
                }
            },
            Callee::Def(d) => {
                if self.p.defs[d].vector {
                    self.vector_misuse(e.span, |r| {
                        (
                            format!("`{}` is a vector, not a distribution", r.p.defs[d].name),
                            "a distribution's values are numbers, which sum to 1".into(),
                        )
                    });
                }
                None
            }
        };
        let explicit = n_inputs - n_slots;
        // `Pr_θ` for a distribution whose only argument is drawn; inputs that
        // are parameters are passed as themselves.
        let args: Vec<Option<&Expr>> = if matches!(e.kind, ExprKind::Name(_)) {
            if explicit != 1 {
                let name = self.callee_name(callee);
                return Err(err(
                    e.span,
                    format!("`{name}` takes {explicit} arguments; say which one is drawn"),
                    Some(format!("write {name}(·|…)")),
                ));
            }
            args
        } else {
            if args.len() != explicit || cond != n_cond {
                return Err(err(
                    e.span,
                    format!(
                        "`{}` takes {} argument(s) before the bar and {n_cond} after it",
                        self.callee_name(callee),
                        explicit - n_cond
                    ),
                    None,
                ));
            }
            args
        };
        let hole = n_slots + args.iter().position(|a| a.is_none()).unwrap_or(0);
        if let Some(k) = dist_idx {
            if k != hole {
                return Err(err(
                    e.span,
                    format!(
                        "`{}` is a distribution over another argument",
                        self.callee_name(callee)
                    ),
                    Some("put `·` where the distribution's variable is".into()),
                ));
            }
        }
        let set = match self.input(callee, hole) {
            Input::Set(s) => Some(s),
            // A declared density: the drawn variable ranges over ℝ.
            Input::Real if dist_idx.is_some() => None,
            _ => {
                return Err(err(
                    e.span,
                    "the drawn variable must range over a finite set (or be the variable of a declared density)",
                    None,
                ))
            }
        };
        let declared = self
            .lookup_scope(&key)
            .map(|Binding::Var(v)| self.p.vars[v].domain)
            .or_else(|| match self.globals.get(&key) {
                Some((Global::Var(v), _)) => Some(self.p.vars[*v].domain),
                _ => None,
            });
        if set.is_none() && matches!(declared, Some(d) if d != VarDomain::Real) {
            return Err(err(
                var_span,
                format!("`{key}` is not a real variable, but this density is over ℝ"),
                None,
            ));
        }
        if let (Some(VarDomain::Set(s)), Some(set)) = (declared, set) {
            if s != set {
                return Err(err(
                    var_span,
                    format!(
                        "`{key}` is declared in `{}`, but this distribution is over `{}`",
                        self.p.sets[s].name, self.p.sets[set].name
                    ),
                    None,
                ));
            }
        }
        let domain = set.map_or(VarDomain::Real, VarDomain::Set);
        let v = self.new_var(key, domain, true);
        for (k, a) in args.iter().enumerate() {
            match a {
                None => terms.push(Term::Var(v)),
                Some(a) => {
                    let input = self.input(callee, n_slots + k);
                    terms.push(self.input_arg(a, input, callee, k)?);
                }
            }
        }
        Ok(Dist {
            var: v,
            set,
            weight: Box::new(callee.term(terms)),
        })
    }

    /// When `head` (used as a function) names something declared that is
    /// not a function, an error that says what it is.
    fn not_a_function(&self, head: &Name, e: &Expr, drawn: &str) -> Option<ResolveError> {
        let key = head.key_ref()?;
        let what = match self.lookup_scope(&key) {
            Some(_) => "a bound variable",
            None => match self.globals.get(&*key)?.0 {
                Global::Set(_) => "a set",
                Global::Param(_) => "a parameter",
                Global::Const(_) => "a constant",
                Global::Var(_) => "a variable",
                Global::Fun(_) | Global::Def(_) => return None,
            },
        };
        Some(err(
            e.span,
            format!("`{}` is {what}, not a distribution", &*key),
            Some(format!(
                "`~` draws from a distribution, declared as in `fun p({drawn}) : dist {drawn}`, \
                 or from a definition"
            )),
        ))
    }

    /// How many inputs a callee has, how many of them are subscript slots,
    /// and how many come after the bar.
    fn arity(&self, c: Callee) -> (usize, usize, usize) {
        match c {
            Callee::Fun(f) => {
                let i = &self.p.funs[f];
                (i.inputs.len(), i.n_slots, i.n_cond)
            }
            Callee::Def(d) => {
                let i = &self.p.defs[d];
                (i.inputs.len(), i.n_slots, i.n_cond)
            }
        }
    }

    /// What input `k` of a callee takes; a definition's variable input
    /// takes what the variable ranges over.
    fn input(&self, c: Callee, k: usize) -> Input {
        match c {
            Callee::Fun(f) => self.p.funs[f].inputs[k],
            Callee::Def(d) => match self.p.defs[d].inputs[k] {
                DefInput::Param(p) => Input::Param(p),
                DefInput::Var(v) => match self.p.vars[v].domain {
                    VarDomain::Set(s) => Input::Set(s),
                    _ => Input::Real,
                },
            },
        }
    }

    fn callee_name(&self, c: Callee) -> &str {
        match c {
            Callee::Fun(f) => &self.p.funs[f].name,
            Callee::Def(d) => &self.p.defs[d].name,
        }
    }

    /// The function or definition a head names; its subscript parameters
    /// are pushed onto `slots` as terms.
    fn callee(&self, head: &Name, slots: &mut Vec<Term>) -> R<Callee> {
        // The whole name first (`π_opt`), then the base with subscript
        // parameters (`Pr_θ`).
        // A whole key with a subscript holds `_` (see `global_named`).
        let key = if head.sub.is_empty() || self.underscored_globals > 0 {
            head.key_ref()
        } else {
            None
        };
        if let Some(key) = key {
            match self.globals.get(&*key) {
                Some((Global::Fun(f), _))
                    if self.p.funs[*f].n_slots == 0 || head.sub.is_empty() =>
                {
                    return self.with_slots(Callee::Fun(*f), head, 0, slots)
                }
                Some((Global::Def(d), _))
                    if self.p.defs[*d].n_slots == 0 || head.sub.is_empty() =>
                {
                    return self.with_slots(Callee::Def(*d), head, 0, slots)
                }
                _ => {}
            }
        }
        let base = head.base_key();
        match self.globals.get(&*base) {
            Some((Global::Fun(f), _)) => {
                self.with_slots(Callee::Fun(*f), head, head.sub.len(), slots)
            }
            Some((Global::Def(d), _)) => {
                self.with_slots(Callee::Def(*d), head, head.sub.len(), slots)
            }
            _ => Err(self.undeclared(head, true)),
        }
    }

    fn with_slots(&self, c: Callee, head: &Name, given: usize, slots: &mut Vec<Term>) -> R<Callee> {
        let (_, n_slots, _) = self.arity(c);
        if given != n_slots {
            let name = self.callee_name(c);
            let want: Vec<String> = (0..n_slots)
                .filter_map(|k| match self.input(c, k) {
                    Input::Param(p) => Some(self.p.params[p].name.clone()),
                    _ => None,
                })
                .collect();
            return Err(err(
                head.span,
                format!(
                    "`{name}` depends on {} through its subscript",
                    if want.is_empty() {
                        "nothing".to_string()
                    } else {
                        want.join(", ")
                    }
                ),
                Some(if want.is_empty() {
                    format!("write `{name}` without a subscript")
                } else {
                    format!("write `{name}_{}`", want.join(","))
                }),
            ));
        }
        for s in &head.sub[..given] {
            let p = match &s.kind {
                ExprKind::Name(m) => self.global_param(m),
                _ => None,
            };
            match p {
                Some(p) => slots.push(Term::Param(p)),
                None => {
                    return Err(err(
                        s.span,
                        format!(
                            "the subscript of `{}` must be a declared parameter",
                            self.callee_name(c)
                        ),
                        None,
                    ))
                }
            }
        }
        Ok(c)
    }

    /// Argument `k` of a call, for an input that takes `input`.
    fn input_arg(&mut self, a: &Expr, input: Input, c: Callee, k: usize) -> R<Term> {
        match input {
            Input::Param(_) => {
                let p = match &a.kind {
                    ExprKind::Name(n) => self.global_param(n),
                    _ => None,
                };
                p.map(Term::Param).ok_or_else(|| {
                    err(
                        a.span,
                        format!(
                            "argument {} of `{}` must be a declared parameter",
                            k + 1,
                            self.callee_name(c)
                        ),
                        None,
                    )
                })
            }
            Input::Set(s) => {
                let (t, ty) = self.expr(a)?;
                if ty == Ty::Elem(s) {
                    Ok(t)
                } else {
                    Err(err(
                        a.span,
                        format!(
                            "argument {} of `{}` must be an element of `{}`",
                            k + 1,
                            self.callee_name(c),
                            self.p.sets[s].name
                        ),
                        Some(format!(
                            "pass a variable declared `in {}`",
                            self.p.sets[s].name
                        )),
                    ))
                }
            }
            Input::Real => {
                let (t, _) = self.number(a, |r| {
                    (
                        format!(
                            "a vector as argument {} of `{}`: `{}` is a vector",
                            k + 1,
                            r.callee_name(c),
                            quote(a)
                        ),
                        "functions and definitions take numbers, elements of sets and parameters"
                            .into(),
                    )
                })?;
                Ok(t)
            }
        }
    }

    fn apply(&mut self, head: &Name, args: &[Expr], cond: &[Expr], span: Span) -> R<(Term, Ty)> {
        let mut terms = Vec::with_capacity(head.sub.len() + args.len() + cond.len());
        let callee = match self.callee(head, &mut terms) {
            Ok(c) => c,
            Err(e) => {
                // `c(x + 1)` with `c` a value is a product.
                if cond.is_empty() && args.len() == 1 {
                    if let Ok((t, Ty::Num(left))) = self.name(head) {
                        let (x, right) = self.value(&args[0])?;
                        let shape = Shape::product(left, right).unwrap_or_else(|m| {
                            let factor = Expr::new(ExprKind::Name(head.clone()), head.span);
                            self.binary_misuse(m, ast::BinOp::Mul, span, (&factor, left), &args[0]);
                            Shape::Real
                        });
                        return Ok((Term::Mul(Box::new(t), Box::new(x)), Ty::Num(shape)));
                    }
                }
                return Err(e);
            }
        };
        let (n_inputs, n_slots, n_cond) = self.arity(callee);
        let n_args = n_inputs - n_slots - n_cond;
        if args.len() != n_args || cond.len() != n_cond {
            let shape = if n_cond > 0 {
                format!("{n_args} argument(s) before `|` and {n_cond} after it")
            } else {
                format!("{n_args} argument(s)")
            };
            return Err(err(
                span,
                format!(
                    "`{}` takes {shape}, but {} {} given",
                    self.callee_name(callee),
                    args.len() + cond.len(),
                    if args.len() + cond.len() == 1 {
                        "is"
                    } else {
                        "are"
                    }
                ),
                None,
            ));
        }
        for (k, a) in args.iter().chain(cond).enumerate() {
            let input = self.input(callee, n_slots + k);
            terms.push(self.input_arg(a, input, callee, k)?);
        }
        let shape = self.callee_shape(callee, span);
        Ok((callee.term(terms), Ty::Num(shape)))
    }

    /// The shape of a callee's values: a definition's is its body's. A use
    /// of a definition whose body has an error about vectors has one too.
    fn callee_shape(&mut self, c: Callee, span: Span) -> Shape {
        let d = match c {
            Callee::Def(d) => d,
            Callee::Fun(f) if self.p.funs[f].kind == FunKind::Vector => return Shape::Vector,
            Callee::Fun(_) => return Shape::Real,
        };
        if self.defs_with_vector_errors.contains(&d) {
            self.vector_misuse(span, |r| {
                let name = &r.p.defs[d].name;
                (
                    format!("`{name}` cannot be used: its definition has an error about vectors"),
                    format!("correct the definition of `{name}`"),
                )
            });
        }
        if self.p.defs[d].vector {
            Shape::Vector
        } else {
            Shape::Real
        }
    }

    fn name(&mut self, n: &Name) -> R<(Term, Ty)> {
        if let Some(key) = n.key_ref() {
            if let Some(b) = self.lookup_scope(&key) {
                let Binding::Var(v) = b;
                return Ok(self.var_term(v));
            }
            if let Some(&(g, _)) = self.global_named(n, &key) {
                return self.global_value(g, n);
            }
        }
        if n.sub.len() == 1 {
            let bp = n.base_key();
            if let Some(&fam) = self.families.get(&*bp) {
                let index = self.index(n, Indexed::Draw(fam))?;
                let set = self.p.samples[fam].set;
                return Ok((
                    Term::Sample {
                        family: fam,
                        index: Box::new(index),
                    },
                    Ty::Elem(set),
                ));
            }
            if let Some(m) = &self.mdp {
                let field = if *bp == m.state_var {
                    Some(Field::State)
                } else if *bp == m.action_var {
                    Some(Field::Action)
                } else {
                    None
                };
                if let Some(field) = field {
                    let traj = match self.lookup_scope("τ") {
                        Some(Binding::Var(v)) => v,
                        _ => match self.globals.get("τ") {
                            Some((Global::Var(v), _)) => *v,
                            _ => return Err(self.undeclared(n, false)),
                        },
                    };
                    let (set, horizon) = match self.p.vars[traj].domain {
                        VarDomain::Set(s) => match self.p.sets[s].kind {
                            SetKind::Traj {
                                states,
                                actions,
                                horizon,
                            } => {
                                if field == Field::State {
                                    (states, horizon)
                                } else {
                                    (actions, horizon)
                                }
                            }
                            SetKind::Plain => return Err(self.undeclared(n, false)),
                        },
                        _ => return Err(self.undeclared(n, false)),
                    };
                    let time = self.index(n, Indexed::Time(horizon))?;
                    return Ok((
                        Term::Component {
                            traj,
                            field,
                            time: Box::new(time),
                        },
                        Ty::Elem(set),
                    ));
                }
            }
        }
        // A primed or subscripted variant of a declared variable.
        if let (Some(key), Some(domain)) = (n.key_ref(), self.var_domain_of(n)) {
            let v = match self.variants.get(&*key) {
                Some(v) => *v,
                None => {
                    let key = key.to_string();
                    let v = self.new_var(key.clone(), domain, false);
                    if let Some(j) = self.journal.as_mut() {
                        j.push(Journal::Variant(key.clone()));
                    }
                    self.variants.insert(key, v);
                    v
                }
            };
            return Ok(self.var_term(v));
        }
        Err(self.undeclared(n, false))
    }

    fn var_term(&self, v: VarId) -> (Term, Ty) {
        let ty = match self.p.vars[v].domain {
            VarDomain::Set(s) => Ty::Elem(s),
            VarDomain::Int | VarDomain::Time(_) => Ty::Num(Shape::Int),
            VarDomain::Real => Ty::Num(Shape::Real),
        };
        (Term::Var(v), ty)
    }

    /// The index of a draw `τ_i` or the time of `s_t`: an integer that lies
    /// in the declared range for every value of the counts.
    fn index(&mut self, n: &Name, indexed: Indexed) -> R<Term> {
        let e = &n.sub[0];
        let t = self.integer(e, || format!("the index of `{}`", quote_name(n)))?;
        let (first, last) = match indexed {
            Indexed::Draw(fam) => {
                let f = &self.p.samples[fam];
                (range::interval(&f.lo, self), range::interval(&f.hi, self))
            }
            Indexed::Time(h) => (
                Interval::point(Linear::constant(0)),
                Linear::count(h)
                    .and_then(|h| h.shifted(-1))
                    .map_or(Interval::UNKNOWN, Interval::point),
            ),
        };
        let values = range::interval(&t, self);
        match range::inside(values, first, last) {
            Ok(()) => Ok(t),
            Err(outside) => Err(self.outside(n, indexed, outside)),
        }
    }

    /// The error for an index that may lie outside its range.
    fn outside(&self, n: &Name, indexed: Indexed, outside: Outside) -> ResolveError {
        let count = |c: ConstId| self.p.consts[c].name.clone();
        let name = quote_name(n);
        // What the range is, what an index of it is called, and the words
        // for an index below and above it.
        let (range, what, below, above, hint) = match indexed {
            Indexed::Draw(fam) => {
                let f = &self.p.samples[fam];
                let first = print_term_index(&f.lo, self);
                let last = print_term_index(&f.hi, self);
                let draw = |k: &str| {
                    if k.chars().all(char::is_alphanumeric) {
                        format!("{}_{k}", f.name)
                    } else {
                        format!("{}_{{{k}}}", f.name)
                    }
                };
                (
                    format!("the declared draws are {} … {}", draw(&first), draw(&last)),
                    "index",
                    format!("before the first draw, {}", draw(&first)),
                    format!("past the last draw, {}", draw(&last)),
                    format!(
                        "index the draws within {first} … {last}, as declared by \
                         `sample {}_{} ~ … for {} = {first}..{last}`",
                        f.name, f.index, f.index
                    ),
                )
            }
            Indexed::Time(h) => {
                let h = &self.p.consts[h].name;
                (
                    format!("a trajectory is s_0, a_0, …, s_{{{h}-1}}, a_{{{h}-1}}"),
                    "time",
                    "before the start of the trajectory".to_string(),
                    "past the end of the trajectory".to_string(),
                    format!(
                        "times run from 0 to {h} - 1: a sum over the steps is Σ_{{t=0}}^{{{h}-1}}"
                    ),
                )
            }
        };
        let message = match outside {
            Outside::Unknown => format!("cannot show that `{name}` exists: {range}"),
            Outside::Below { gap, .. } | Outside::Above { gap, .. } if gap.needs().is_some() => {
                let (c, least) = gap.needs().unwrap_or_default();
                let c = count(c);
                format!(
                    "`{name}` exists only when {c} ≥ {least}, and {c} may be any count from 1: \
                     {range}"
                )
            }
            Outside::Below { can_be, .. } => format!(
                "`{name}` may not exist: its {what} can be {}, {below}; {range}",
                can_be.show(&count)
            ),
            Outside::Above { can_be, .. } => format!(
                "`{name}` may not exist: its {what} can be {}, {above}; {range}",
                can_be.show(&count)
            ),
        };
        err(n.sub[0].span, message, Some(hint))
    }

    fn global_value(&mut self, g: Global, n: &Name) -> R<(Term, Ty)> {
        let key = || n.key().unwrap_or_default();
        match g {
            Global::Param(p) => {
                self.p.scalar_params = true;
                Ok((Term::Param(p), Ty::Num(Shape::Real)))
            }
            Global::Const(c) => {
                let shape = if self.p.consts[c].kind == ConstKind::Count {
                    Shape::Int
                } else {
                    Shape::Real
                };
                Ok((Term::Const(c), Ty::Num(shape)))
            }
            Global::Var(v) => Ok(self.var_term(v)),
            Global::Set(_) => {
                let key = key();
                Err(err(
                    n.span,
                    format!("`{key}` is a set, not a value"),
                    Some(format!("sum over it with Σ_{{x ∈ {key}}}")),
                ))
            }
            Global::Fun(f) if self.p.funs[f].inputs.is_empty() => Ok((
                Term::Call {
                    fun: f,
                    args: vec![],
                },
                Ty::Num(Shape::Real),
            )),
            Global::Def(d) if self.p.defs[d].inputs.is_empty() => {
                let shape = self.callee_shape(Callee::Def(d), n.span);
                Ok((
                    Term::DefCall {
                        def: d,
                        args: vec![],
                    },
                    Ty::Num(shape),
                ))
            }
            Global::Fun(_) | Global::Def(_) => {
                let key = key();
                Err(err(
                    n.span,
                    format!("`{key}` is a function: apply it to its arguments"),
                    Some(format!("write {key}(…)")),
                ))
            }
        }
    }

    fn undeclared(&self, n: &Name, applied: bool) -> ResolveError {
        let key = n.key().unwrap_or_else(|| n.base_with_primes());
        if self
            .binders_seen
            .iter()
            .rev()
            .any(|v| self.p.vars[*v].name == key)
        {
            return err(
                n.span,
                format!("`{key}` is used outside the Σ, Π or E that binds it"),
                Some(format!("bring this inside the brackets of the operator that binds `{key}`, or declare `var {key} in SET`")),
            );
        }
        let close = self
            .globals
            .keys()
            .filter(|k| {
                key.chars().count() >= 2 && edit_distance(k, &key) <= key.chars().count() / 3
            })
            // Ties go to the first name in order, not in hash order, so
            // the hint is the same on every run.
            .min_by_key(|k| (edit_distance(k, &key), k.as_str()))
            .cloned();
        let hint = match close {
            Some(c) => format!("did you mean `{c}`?"),
            None if applied => {
                let sub = n
                    .simple_sub()
                    .map(|s| format!("_{}", s.base_with_primes()))
                    .unwrap_or_default();
                format!(
                    "declare it, for example with `fun {}{sub}(x)` or `def {}{sub}(x) = …`",
                    n.base_with_primes(),
                    n.base_with_primes()
                )
            }
            None => format!("declare it with `const {key}`, `var {key} in SET` or `param {key}`"),
        };
        err(n.span, format!("undeclared name `{key}`"), Some(hint))
    }
}

/// The declaration that makes `e`, written after `~` to draw `drawn`, a
/// distribution: `fun R(τ) : dist τ`, `fun q(a | s) : dist a`.
fn dist_declaration(e: &Expr, drawn: &str) -> String {
    let drawn_name = || {
        let n = Name {
            base: drawn.to_string(),
            primes: 0,
            sub: vec![],
            span: e.span,
        };
        Expr::new(ExprKind::Name(n), e.span)
    };
    let head = match &e.kind {
        ExprKind::Name(n) => Expr::new(
            ExprKind::Apply {
                head: Box::new(n.clone()),
                args: vec![drawn_name()],
                cond: vec![],
            },
            e.span,
        ),
        ExprKind::Apply { head, args, cond } => {
            let fill = |list: &[Expr]| -> Vec<Expr> {
                list.iter()
                    .map(|a| match a.kind {
                        ExprKind::Placeholder => drawn_name(),
                        _ => a.clone(),
                    })
                    .collect()
            };
            Expr::new(
                ExprKind::Apply {
                    head: head.clone(),
                    args: fill(args),
                    cond: fill(cond),
                },
                e.span,
            )
        }
        _ => return format!("fun p({drawn}) : dist {drawn}"),
    };
    format!(
        "fun {} : dist {drawn}",
        crate::syntax::print::print_expr(&head)
    )
}

/// `e` as written, for a message: shortened past 40 characters.
fn quote(e: &Expr) -> String {
    let text = crate::syntax::print::print_expr(e);
    match text.char_indices().nth(40) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

/// A name as written, for a message.
fn quote_name(n: &Name) -> String {
    quote(&Expr::new(ExprKind::Name(n.clone()), n.span))
}

/// An end of a declared range, for a message: its bounds when it is one
/// linear form, else `?`.
fn print_term_index(t: &Term, r: &Resolver) -> String {
    let i = range::interval(t, r);
    match (i.lo, i.hi) {
        (Some(lo), Some(hi)) if lo == hi => lo.show(&|c| r.p.consts[c].name.clone()),
        _ => "?".into(),
    }
}

/// What an index indexes.
#[derive(Clone, Copy, Debug)]
enum Indexed {
    /// The draws of a sample family.
    Draw(SampleId),
    /// The times of a trajectory with this horizon.
    Time(ConstId),
}

impl range::Bounds for Resolver {
    fn is_count(&self, c: ConstId) -> bool {
        self.p.consts[c].kind == ConstKind::Count
    }

    fn var(&self, v: VarId) -> Interval {
        match self.p.vars[v].domain {
            VarDomain::Time(h) => Interval::between(
                Some(Linear::constant(0)),
                Linear::count(h).and_then(|h| h.shifted(-1)),
            ),
            VarDomain::Int => self
                .ranges
                .iter()
                .rev()
                .find(|r| r.0 == v)
                .map_or(Interval::UNKNOWN, |r| r.1),
            VarDomain::Set(_) | VarDomain::Real => Interval::UNKNOWN,
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Callee {
    Fun(FunId),
    Def(DefId),
}

impl Callee {
    /// The call of this callee on its inputs.
    fn term(self, args: Vec<Term>) -> Term {
        match self {
            Callee::Fun(fun) => Term::Call { fun, args },
            Callee::Def(def) => Term::DefCall { def, args },
        }
    }
}

/// Deepest a term may be once every definition in it is unfolded; bounds
/// the recursion of every engine. Default: 1,600.
pub const MAX_EXPANDED_DEPTH: usize = 1600;

impl Program {
    /// The depth of a term with every definition unfolded.
    pub fn expanded_depth(&self, t: &Term) -> usize {
        let mut children: Vec<&Term> = Vec::new();
        let extra = match t {
            Term::DefCall { def, .. } => self.defs[*def].depth,
            Term::Expect { dist, .. } => self.expanded_depth(&dist.weight),
            _ => 0,
        };
        match t {
            Term::Num(_)
            | Term::Param(_)
            | Term::ParamVector(_)
            | Term::Const(_)
            | Term::Var(_) => {}
            Term::Component { time, .. } => children.push(time),
            Term::Sample { index, .. } => children.push(index),
            Term::Call { args, .. } | Term::DefCall { args, .. } => children.extend(args),
            Term::Add(a, b)
            | Term::Sub(a, b)
            | Term::Mul(a, b)
            | Term::Div(a, b)
            | Term::Pow(a, b)
            | Term::Inner(a, b) => {
                children.push(a);
                children.push(b);
            }
            Term::Neg(a) | Term::Func(_, a) | Term::Abs(a) => children.push(a),
            Term::Grad { body, .. } => children.push(body),
            Term::Big { domain, body, .. } => {
                if let BigDomain::Range(lo, hi) = domain {
                    children.push(lo);
                    children.push(hi);
                }
                children.push(body);
            }
            Term::Expect { body, .. } => children.push(body),
        }
        1 + extra.max(
            children
                .iter()
                .map(|c| self.expanded_depth(c))
                .max()
                .unwrap_or(0),
        )
    }

    /// Whether `t` depends on parameter `p`: a function depends on the
    /// parameters that are its subscript or arguments; a definition on what
    /// its body depends on, with its parameter inputs replaced by the ones
    /// passed.
    pub fn depends_on(&self, t: &Term, p: ParamId) -> bool {
        match t {
            Term::Num(_) | Term::Const(_) | Term::Var(_) => false,
            Term::Param(q) | Term::ParamVector(q) => *q == p,
            Term::Component { time, .. } => self.depends_on(time, p),
            Term::Sample { index, .. } => self.depends_on(index, p),
            Term::Call { args, .. } => args.iter().any(|a| self.depends_on(a, p)),
            Term::DefCall { def, args } => {
                let info = &self.defs[*def];
                let shadowed = info.inputs.contains(&DefInput::Param(p));
                if !shadowed && self.depends_on(&info.body, p) {
                    return true;
                }
                info.inputs.iter().zip(args).any(|(input, a)| match input {
                    DefInput::Param(q) => {
                        matches!(a, Term::Param(x) if *x == p) && self.depends_on(&info.body, *q)
                    }
                    DefInput::Var(_) => self.depends_on(a, p),
                })
            }
            Term::Add(a, b)
            | Term::Sub(a, b)
            | Term::Mul(a, b)
            | Term::Div(a, b)
            | Term::Pow(a, b)
            | Term::Inner(a, b) => self.depends_on(a, p) || self.depends_on(b, p),
            Term::Neg(a) | Term::Func(_, a) | Term::Abs(a) => self.depends_on(a, p),
            Term::Grad { body, .. } => self.depends_on(body, p),
            Term::Big { domain, body, .. } => {
                self.depends_on(body, p)
                    || match domain {
                        BigDomain::Range(lo, hi) => {
                            self.depends_on(lo, p) || self.depends_on(hi, p)
                        }
                        BigDomain::Set(_) | BigDomain::Real => false,
                    }
            }
            Term::Expect { dist, body } => {
                self.depends_on(&dist.weight, p) || self.depends_on(body, p)
            }
        }
    }

    /// For each function and definition, the names of the parameters it
    /// depends on (for reports and `fmt`).
    pub fn dependencies(&self) -> Vec<(String, Vec<String>)> {
        let mut out = Vec::new();
        for f in &self.funs {
            let ps = f
                .inputs
                .iter()
                .filter_map(|i| match i {
                    Input::Param(p) => Some(self.params[*p].name.clone()),
                    _ => None,
                })
                .collect();
            out.push((f.name.clone(), ps));
        }
        for d in &self.defs {
            let ps = (0..self.params.len())
                .filter(|&p| d.inputs.contains(&DefInput::Param(p)) || self.depends_on(&d.body, p))
                .map(|p| self.params[p].name.clone())
                .collect();
            out.push((d.name.clone(), ps));
        }
        out
    }
}

#[cfg(test)]
mod tests;

/// A Σ, Π or ∫ over `var` and `domain` of a resolved body of `shape`: a
/// vector when its body is one, else a real number.
fn big_term(
    op: ast::BigOp,
    var: usize,
    domain: BigDomain,
    body: Term,
    shape: Shape,
) -> (Term, Shape) {
    let shape = if shape.is_vector() {
        Shape::Vector
    } else {
        Shape::Real
    };
    let body = Box::new(body);
    (
        Term::Big {
            op,
            var,
            domain,
            body,
        },
        shape,
    )
}
