//! The language server driven over the protocol, as an editor drives it:
//! one behaviour a test. Most run the server in this process on an
//! in-memory connection (`Connection::memory`); the last ones run the
//! binary, `derivcheck lsp`, on real standard input and output.

use derivcheck::lsp::{serve, Settings};
use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(120);

/// An editor's side of a connection to a server running on a thread.
struct Client {
    connection: Connection,
    server: Option<JoinHandle<i32>>,
    /// Messages received but not asked for yet.
    inbox: VecDeque<Message>,
    next_id: i32,
}

impl Client {
    fn start() -> Client {
        Client::with_settings(Settings::default())
    }

    fn with_settings(settings: Settings) -> Client {
        let (server_side, connection) = Connection::memory();
        let server = std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(move || serve(&server_side, settings))
            .unwrap();
        Client {
            connection,
            server: Some(server),
            inbox: VecDeque::new(),
            next_id: 0,
        }
    }

    /// Initialize with these capabilities and initialization options; the
    /// server's result.
    fn initialize(&mut self, capabilities: Value, options: Value) -> Value {
        let root = format!("file://{}", env!("CARGO_MANIFEST_DIR"));
        let result = self.request(
            "initialize",
            json!({"processId": null, "rootUri": root, "capabilities": capabilities,
                   "initializationOptions": options}),
        );
        self.notify("initialized", json!({}));
        result.response_result.expect("initialize succeeds")
    }

    /// A server initialized for a client with no particular capabilities
    /// (positions in UTF-16, no inlay hints).
    fn initialized() -> Client {
        let mut c = Client::start();
        c.initialize(json!({}), Value::Null);
        c
    }

    fn send(&self, m: Message) {
        self.connection.sender.send(m).unwrap();
    }

    fn notify(&self, method: &str, params: Value) {
        self.send(Notification::new(method.into(), params).into());
    }

    fn request(&mut self, method: &str, params: Value) -> Response {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        self.send(Request::new(id.clone(), method.into(), params).into());
        self.response(&id)
    }

    /// The next message that `wanted` takes, keeping the others.
    fn receive(&mut self, mut wanted: impl FnMut(&Message) -> bool) -> Message {
        if let Some(i) = self.inbox.iter().position(&mut wanted) {
            return self.inbox.remove(i).unwrap();
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let m = self
                .connection
                .receiver
                .recv_timeout(left)
                .expect("the server answers in time");
            if wanted(&m) {
                return m;
            }
            self.inbox.push_back(m);
        }
    }

    fn response(&mut self, id: &RequestId) -> Response {
        match self.receive(|m| matches!(m, Message::Response(r) if &r.id == id)) {
            Message::Response(r) => r,
            _ => unreachable!(),
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Published {
        let m = self.receive(|m| {
            matches!(m, Message::Notification(n)
                if n.method == "textDocument/publishDiagnostics" && n.params["uri"] == uri)
        });
        match m {
            Message::Notification(n) => Published(n.params),
            _ => unreachable!(),
        }
    }

    /// Whatever arrives within `d` that `wanted` takes.
    fn within(&mut self, d: Duration, mut wanted: impl FnMut(&Message) -> bool) -> Vec<Message> {
        let deadline = Instant::now() + d;
        let mut got = Vec::new();
        while let Ok(m) = self
            .connection
            .receiver
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            if wanted(&m) {
                got.push(m);
            } else {
                self.inbox.push_back(m);
            }
        }
        got
    }

    fn open(&self, uri: &str, language: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language, "version": version, "text": text}}),
        );
    }

    fn change(&self, uri: &str, version: i32, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        );
    }

    fn hover(&mut self, uri: &str, line: u32, character: u32) -> Value {
        let r = self.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
        );
        r.response_result.expect("hover succeeds")
    }

    /// Shut down and exit; the server's exit status.
    fn shutdown_and_exit(mut self) -> i32 {
        let r = self.request("shutdown", Value::Null);
        assert_eq!(r.response_result.unwrap(), Value::Null);
        self.notify("exit", Value::Null);
        self.server.take().unwrap().join().unwrap()
    }
}

/// One `publishDiagnostics`.
struct Published(Value);

impl Published {
    fn version(&self) -> Option<i64> {
        self.0["version"].as_i64()
    }

    fn all(&self) -> Vec<Value> {
        self.0["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Those of a severity: 1 error, 2 warning, 3 information, 4 hint.
    fn of(&self, severity: i64) -> Vec<Value> {
        self.all()
            .into_iter()
            .filter(|d| d["severity"] == severity)
            .collect()
    }
}

/// `(line, character)` of a diagnostic's range start and end.
fn range(d: &Value) -> ((u64, u64), (u64, u64)) {
    let p = |p: &Value| {
        (
            p["line"].as_u64().unwrap(),
            p["character"].as_u64().unwrap(),
        )
    };
    (p(&d["range"]["start"]), p(&d["range"]["end"]))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn file_uri(path: &str) -> String {
    format!("file://{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

/// UTF-16 code units of a string: the protocol's default count.
fn utf16(s: &str) -> u64 {
    s.encode_utf16().count() as u64
}

const DROPPED_LOG: &str = "derivations/flawed/dropped_log.deriv";

/// The line (0-based) of `dropped_log.deriv` with the refuted step, and
/// that step's expression.
const REFUTED_LINE: u64 = 24;
const REFUTED_EXPR: &str = "Σ_τ Pr_θ(τ) ∇_θ Pr_θ(τ) R(τ)";

#[test]
fn initialize_offers_hover_inlay_hints_incremental_sync_and_negotiates_utf8() {
    let mut c = Client::start();
    let caps = json!({"general": {"positionEncodings": ["utf-16", "utf-8"]}});
    let result = c.initialize(caps, Value::Null);
    let caps = &result["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-8", "{result}");
    assert_eq!(caps["hoverProvider"], true, "{result}");
    assert_eq!(caps["inlayHintProvider"], true, "{result}");
    assert_eq!(
        caps["textDocumentSync"]["change"], 2,
        "incremental: {result}"
    );
    assert_eq!(caps["textDocumentSync"]["openClose"], true, "{result}");
    assert_eq!(result["serverInfo"]["name"], "derivcheck");
    assert_eq!(c.shutdown_and_exit(), 0);

    let mut c = Client::start();
    let result = c.initialize(json!({}), Value::Null);
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-16");
    let mut c2 = Client::start();
    let result = c2.initialize(
        json!({"general": {"positionEncodings": ["utf-32"]}}),
        Value::Null,
    );
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(c.shutdown_and_exit(), 0);
    assert_eq!(c2.shutdown_and_exit(), 0);
}

#[test]
fn a_refuted_step_is_an_error_with_its_counterexample_at_its_utf16_range() {
    let mut c = Client::initialized();
    let uri = file_uri(DROPPED_LOG);
    c.open(&uri, "", 7, &read(DROPPED_LOG));
    let p = c.diagnostics(&uri);
    assert_eq!(p.version(), Some(7));
    let errors = p.of(1);
    assert_eq!(errors.len(), 1, "{:?}", p.0);
    let e = &errors[0];
    let message = e["message"].as_str().unwrap();
    assert!(message.starts_with("step `=` is refuted"), "{message}");
    assert!(message.contains("counterexample: |T| = "), "{message}");
    assert!(message.contains("left side = "), "{message}");
    assert_eq!(e["code"], "refuted");
    assert_eq!(e["source"], "derivcheck");
    // The expression after `  = `: 28 UTF-16 units (its Greek letters and
    // ∇ are one unit each, but two or three bytes).
    assert_eq!(utf16(REFUTED_EXPR), 28);
    assert_eq!(
        range(e),
        ((REFUTED_LINE, 4), (REFUTED_LINE, 4 + utf16(REFUTED_EXPR)))
    );
    let related = &e["relatedInformation"][0];
    assert_eq!(related["message"], "does not follow from this one");
    assert_eq!(related["location"]["uri"], uri.as_str());
    assert_eq!(
        range(&related["location"]),
        ((23, 4), (23, 4 + utf16("Σ_τ ∇_θ Pr_θ(τ) R(τ)")))
    );
    // The other steps are proved (the last one follows from the wrong
    // one): hints; the claim is not met: a warning.
    let hints = p.of(4);
    let lines: Vec<u64> = hints.iter().map(|h| range(h).0 .0).collect();
    assert_eq!(lines, [22, 23, 25], "{hints:?}");
    assert!(hints[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("proved (symbolic: "));
    let warnings = p.of(2);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("claim not met"));
    assert_eq!(range(&warnings[0]).0, (20, 0));
    assert_eq!(c.shutdown_and_exit(), 0);
}

/// A step after `𝔼` (two UTF-16 units, four bytes) on its line, refuted.
const ASTRAL: &str = "param θ\nset T\nvar τ in T\nfun R(τ)\nfun Pr_θ(τ) : dist τ\n\n\
    𝔼_{τ~Pr_θ}[R(τ)] = Σ_τ Pr_θ(τ) R(τ) = Σ_τ R(τ)\n";

#[test]
fn columns_count_utf16_units_past_a_surrogate_pair_or_bytes_in_utf8() {
    let line = ASTRAL.lines().nth(6).unwrap();
    let at = line.rfind("Σ_τ R(τ)").unwrap();
    for (offered, start, end) in [
        (
            json!({}),
            utf16(&line[..at]),
            utf16(&line[..at]) + utf16("Σ_τ R(τ)"),
        ),
        (
            json!({"general": {"positionEncodings": ["utf-8"]}}),
            at as u64,
            line.len() as u64,
        ),
    ] {
        let mut c = Client::start();
        c.initialize(offered, Value::Null);
        c.open("file:///astral.deriv", "", 1, ASTRAL);
        let p = c.diagnostics("file:///astral.deriv");
        let errors = p.of(1);
        assert_eq!(errors.len(), 1, "{:?}", p.0);
        assert_eq!(range(&errors[0]), ((6, start), (6, end)));
        // 𝔼 counts 2 in UTF-16: the start is one more than in characters.
        assert_ne!(start, line[..at].chars().count() as u64);
        let h = c.hover("file:///astral.deriv", 6, start as u32 + 1);
        assert!(h["contents"]["value"].as_str().unwrap().contains("refuted"));
        assert_eq!(h["range"]["start"]["character"], start);
        assert_eq!(c.shutdown_and_exit(), 0);
    }
}

#[test]
fn an_incremental_change_is_rechecked_and_published_with_its_version() {
    let mut c = Client::initialized();
    let uri = file_uri(DROPPED_LOG);
    let text = read(DROPPED_LOG);
    c.open(&uri, "deriv", 1, &text);
    assert_eq!(c.diagnostics(&uri).of(1).len(), 1);
    // Put the log back: insert `log ` after `∇_θ ` on the refuted line, at
    // a UTF-16 column.
    let line = text.lines().nth(REFUTED_LINE as usize).unwrap();
    let at = utf16(&line[..line.find("∇_θ Pr_θ(τ) R(τ)").unwrap()]) + utf16("∇_θ ");
    let insert = |l: u64, ch: u64, s: &str| {
        json!([{"range": {"start": {"line": l, "character": ch},
                          "end": {"line": l, "character": ch}}, "text": s}])
    };
    c.change(&uri, 2, insert(REFUTED_LINE, at, "log "));
    let p = c.diagnostics(&uri);
    assert_eq!(p.version(), Some(2));
    // Now the next step drops the log: the error moves there.
    let errors = p.of(1);
    assert_eq!(errors.len(), 1, "{:?}", p.0);
    assert_eq!(range(&errors[0]).0, (REFUTED_LINE + 1, 4));
    let next = text.lines().nth(REFUTED_LINE as usize + 1).unwrap();
    let at = utf16(&next[..next.find("∇_θ Pr_θ(τ) R(τ)").unwrap()]) + utf16("∇_θ ");
    c.change(&uri, 3, insert(REFUTED_LINE + 1, at, "log "));
    let p = c.diagnostics(&uri);
    assert_eq!(p.version(), Some(3));
    assert!(p.of(1).is_empty(), "{:?}", p.0);
    assert!(p.of(2).is_empty(), "the claim is met now: {:?}", p.0);
    assert_eq!(p.of(4).len(), 4);
    // A whole-text change replaces everything.
    c.change(&uri, 4, json!([{"text": "const c\n\nc\n  = c + 1\n"}]));
    let p = c.diagnostics(&uri);
    assert_eq!((p.version(), p.of(1).len()), (Some(4), 1));
    assert_eq!(c.shutdown_and_exit(), 0);
}

#[test]
fn hovers_say_how_each_step_was_decided() {
    let mut c = Client::start();
    c.initialize(
        json!({"textDocument": {"hover": {"contentFormat": ["markdown", "plaintext"]}}}),
        Value::Null,
    );
    let uri = file_uri(DROPPED_LOG);
    // Before any check: nothing to say, and no error.
    c.open(&uri, "", 1, &read(DROPPED_LOG));
    c.diagnostics(&uri);
    let refuted = c.hover(&uri, REFUTED_LINE as u32, 10);
    assert_eq!(refuted["contents"]["kind"], "markdown");
    let text = refuted["contents"]["value"].as_str().unwrap();
    assert!(
        text.starts_with(
            "**✗ refuted (numeric)** — step `=` at line 25, decided by the numeric engine"
        ),
        "{text}"
    );
    assert!(text.contains("by the log-derivative trick"), "{text}");
    assert!(text.contains("counterexample: |T| = "), "{text}");
    assert!(text.contains("left side = "), "{text}");
    // On the justification, the step of the line.
    let proved = c.hover(&uri, 22, 40);
    let text = proved["contents"]["value"].as_str().unwrap();
    assert!(text.starts_with("**✓ proved (symbolic: "), "{text}");
    assert!(text.contains("by definition of J"), "{text}");
    // On the chain's first line: the chain.
    let chain = c.hover(&uri, 20, 3);
    let text = chain["contents"]["value"].as_str().unwrap();
    assert!(text.contains("not valid"), "{text}");
    assert!(text.contains("claim not met"), "{text}");
    // On a declaration: nothing.
    assert_eq!(c.hover(&uri, 13, 2), Value::Null);
    // Of a document not open: nothing.
    assert_eq!(c.hover("file:///nowhere.deriv", 0, 0), Value::Null);
    assert_eq!(c.shutdown_and_exit(), 0);
}

#[test]
fn inlay_hints_carry_the_verdicts_when_the_client_shows_them() {
    let mut c = Client::start();
    c.initialize(
        json!({"textDocument": {"inlayHint": {}}, "workspace": {"inlayHint": {"refreshSupport": true}}}),
        Value::Null,
    );
    let uri = file_uri(DROPPED_LOG);
    let text = read(DROPPED_LOG);
    c.open(&uri, "", 1, &text);
    let p = c.diagnostics(&uri);
    assert!(p.of(4).is_empty(), "no hints: inlay hints say it {:?}", p.0);
    assert_eq!(p.of(1).len(), 1);
    // The server asks the client to fetch the hints again.
    let refresh = c
        .receive(|m| matches!(m, Message::Request(r) if r.method == "workspace/inlayHint/refresh"));
    if let Message::Request(r) = refresh {
        c.send(Response::new_ok(r.id, Value::Null).into());
    }
    let r = c.request(
        "textDocument/inlayHint",
        json!({"textDocument": {"uri": uri},
               "range": {"start": {"line": 0, "character": 0}, "end": {"line": 30, "character": 0}}}),
    );
    let hints = r.response_result.unwrap();
    let hints = hints.as_array().unwrap();
    let shown: Vec<(u64, u64, &str)> = hints
        .iter()
        .map(|h| {
            (
                h["position"]["line"].as_u64().unwrap(),
                h["position"]["character"].as_u64().unwrap(),
                h["label"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(shown.len(), 4, "{shown:?}");
    for (k, (line, character, label)) in shown.iter().enumerate() {
        assert_eq!(*line, 22 + k as u64);
        // At the end of the line, after the justification.
        let l = text.lines().nth(*line as usize).unwrap();
        assert_eq!(*character, utf16(l), "{l}");
        let want = if k == 2 {
            "✗ refuted (numeric)"
        } else {
            "✓ proved (symbolic: "
        };
        assert!(label.starts_with(want), "{label}");
    }
    assert_eq!(hints[0]["paddingLeft"], true);
    assert!(hints[2]["tooltip"]
        .as_str()
        .unwrap()
        .contains("counterexample"));
    // Only the hints of the range asked for.
    let r = c.request(
        "textDocument/inlayHint",
        json!({"textDocument": {"uri": uri},
               "range": {"start": {"line": 24, "character": 0}, "end": {"line": 24, "character": 200}}}),
    );
    assert_eq!(r.response_result.unwrap().as_array().unwrap().len(), 1);
    // A client may have inlay hints switched off: the setting brings the
    // hint diagnostics back, published again at once.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"derivcheck": {"hints": "diagnostics"}}}),
    );
    let p = c.diagnostics(&uri);
    assert_eq!((p.version(), p.of(4).len(), p.of(1).len()), (Some(1), 3, 1));
    assert_eq!(c.shutdown_and_exit(), 0);
}

#[test]
fn latex_and_markdown_documents_use_their_own_declarations() {
    let mut c = Client::initialized();
    let tex = file_uri("derivations/latex/flawed_dropped_log.tex");
    c.open(
        &tex,
        "latex",
        1,
        &read("derivations/latex/flawed_dropped_log.tex"),
    );
    let p = c.diagnostics(&tex);
    let errors = p.of(1);
    assert_eq!(errors.len(), 1, "{:?}", p.0);
    assert!(errors[0]["message"].as_str().unwrap().contains("refuted"));
    assert_eq!(range(&errors[0]).0 .0, 28, "{:?}", errors[0]);
    // The language follows the languageId: Markdown read as Markdown, even
    // under another extension.
    let md = "file:///chat.txt";
    c.open(
        md,
        "markdown",
        1,
        &read("derivations/latex/flawed_gradient_inside.md"),
    );
    let p = c.diagnostics(md);
    let errors = p.of(1);
    assert_eq!(errors.len(), 1, "{:?}", p.0);
    assert!(errors[0]["message"].as_str().unwrap().contains("refuted"));
    assert_eq!(c.shutdown_and_exit(), 0);
}

/// A student's LaTeX without declarations: they come from a `.deriv` file.
const STUDENT: &str = "\\begin{align*}\n\\nabla_\\theta J(\\theta)\n  &= \\sum_\\tau \\nabla_\\theta \\Pr_\\theta(\\tau) R(\\tau) \\\\\n  &= \\sum_\\tau \\Pr_\\theta(\\tau) \\nabla_\\theta \\Pr_\\theta(\\tau) R(\\tau)\n\\end{align*}\n";

#[test]
fn the_with_setting_gives_declarations_to_tex_documents() {
    // Without it the declarations are inferred from use: J is then a
    // function of θ like any other, so the step that unfolds it is
    // refuted, as the wrong one is.
    let mut c = Client::initialized();
    c.open("file:///student.tex", "latex", 1, STUDENT);
    let p = c.diagnostics("file:///student.tex");
    let errors = p.of(1);
    assert_eq!(errors.len(), 2, "{:?}", p.0);
    assert!(
        errors
            .iter()
            .all(|e| e["message"].as_str().unwrap().contains("refuted")),
        "{:?}",
        p.0
    );
    assert_eq!(range(&errors[0]).0 .0, 2);
    let notes = p.of(3);
    assert_eq!(notes.len(), 1, "{:?}", p.0);
    let note = notes[0]["message"].as_str().unwrap();
    assert!(
        note.contains("inferred from use") && note.contains("\nfun J(θ)\n"),
        "{note}"
    );
    // A relative path is read from the workspace's folder.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"derivcheck": {"with": "derivations/policy_gradient.deriv"}}}),
    );
    let p = c.diagnostics("file:///student.tex");
    let errors = p.of(1);
    assert_eq!(errors.len(), 1, "{:?}", p.0);
    assert!(errors[0]["message"].as_str().unwrap().contains("refuted"));
    assert_eq!(range(&errors[0]).0 .0, 3);
    assert_eq!(c.shutdown_and_exit(), 0);

    // In the initialization options; a file that cannot be read is an
    // error, and the document is checked without it.
    let mut c = Client::start();
    c.initialize(json!({}), json!({"with": "derivations/no_such_file.deriv"}));
    c.open("file:///student.tex", "latex", 1, STUDENT);
    let p = c.diagnostics("file:///student.tex");
    let first = &p.of(1)[0];
    assert!(
        first["message"]
            .as_str()
            .unwrap()
            .contains("cannot be read"),
        "{:?}",
        p.0
    );
    assert_eq!(range(first), ((0, 0), (0, 0)));
    // A .deriv document never takes them: it has its own.
    c.open("file:///own.deriv", "", 1, "const c\n\nc\n  = c\n");
    let p = c.diagnostics("file:///own.deriv");
    assert!(p.of(1).is_empty(), "{:?}", p.0);
    assert_eq!(c.shutdown_and_exit(), 0);
}

#[test]
fn a_claim_of_the_declarations_no_chain_proves_points_into_them() {
    let dir = tempfile::tempdir().unwrap();
    let decls = dir.path().join("decls.deriv");
    std::fs::write(&decls, "const c\n\nclaim main: c = c + 0\n").unwrap();
    let mut c = Client::start();
    c.initialize(json!({}), json!({"with": decls.to_str().unwrap()}));
    c.open("file:///notes.md", "markdown", 1, "$$ c = c $$\n");
    let p = c.diagnostics("file:///notes.md");
    let warnings = p.of(2);
    assert_eq!(warnings.len(), 1, "{:?}", p.0);
    let w = &warnings[0];
    assert!(
        w["message"]
            .as_str()
            .unwrap()
            .starts_with("claim `c = c + 0` is not met"),
        "{w}"
    );
    assert_eq!(range(w), ((0, 0), (0, 0)));
    let related = &w["relatedInformation"][0]["location"];
    assert!(
        related["uri"].as_str().unwrap().ends_with("/decls.deriv"),
        "{w}"
    );
    assert_eq!(range(related).0, (2, 0));
    assert_eq!(c.shutdown_and_exit(), 0);
}

#[test]
fn declarations_open_in_the_editor_are_used_as_typed() {
    let mut c = Client::start();
    c.initialize(
        json!({}),
        json!({"with": "/tmp/derivcheck-lsp-test-decls.deriv"}),
    );
    let decls = "file:///tmp/derivcheck-lsp-test-decls.deriv";
    c.open(decls, "", 1, "const a\n");
    c.diagnostics(decls);
    c.open("file:///notes.md", "markdown", 1, "$$ a + b = b + a $$\n");
    let p = c.diagnostics("file:///notes.md");
    assert!(
        p.of(1).iter().any(|e| e["message"]
            .as_str()
            .unwrap()
            .contains("undeclared name `b`")),
        "{:?}",
        p.0
    );
    // Declaring `b` in the declarations' buffer checks the notes again.
    c.change(decls, 2, json!([{"text": "const a\nconst b\n"}]));
    let p = loop {
        let p = c.diagnostics("file:///notes.md");
        if p.of(1).is_empty() {
            break p;
        }
    };
    assert_eq!(p.of(4).len(), 1, "{:?}", p.0);
    // An error in them is an error of the notes, pointing into them.
    c.change(decls, 3, json!([{"text": "const a\nconst b\nfun (\n"}]));
    let p = loop {
        let p = c.diagnostics("file:///notes.md");
        if !p.of(1).is_empty() {
            break p;
        }
    };
    let e = &p.of(1)[0];
    assert!(
        e["message"].as_str().unwrap().contains("has 1 error"),
        "{e}"
    );
    assert_eq!(e["relatedInformation"][0]["location"]["uri"], decls);
    assert_eq!(range(&e["relatedInformation"][0]["location"]).0 .0, 2);
    assert_eq!(c.shutdown_and_exit(), 0);
}

#[test]
fn parse_and_declaration_errors_are_errors_at_their_place() {
    let mut c = Client::initialized();
    let text =
        "param θ\nset T\nvar τ in T\nfun R(τ)\n\nΣ_τ R(τ)\n  = Σ_τ (R(τ) + 0\n\nΣ_τ V(τ)\n  = 0\n";
    c.open("file:///broken.deriv", "", 1, text);
    let p = c.diagnostics("file:///broken.deriv");
    let errors = p.of(1);
    let messages: Vec<&str> = errors
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(messages[0].starts_with("unclosed `(`"), "{messages:?}");
    assert_eq!(range(&errors[0]).0, (6, 8));
    assert!(messages[1].contains("undeclared name `V`"), "{messages:?}");
    assert_eq!(range(&errors[1]).0, (8, 4));
    assert_eq!(c.shutdown_and_exit(), 0);
}

#[test]
fn changes_within_the_debounce_are_checked_once_at_the_last_version() {
    let mut c = Client::initialized();
    let uri = "file:///typing.deriv";
    c.open(uri, "", 1, "const c\n\nc\n  = c\n");
    assert_eq!(c.diagnostics(uri).version(), Some(1));
    let started = Instant::now();
    for (version, text) in [(2, "c + 1"), (3, "c + 0"), (4, "2 c - c")] {
        c.change(
            uri,
            version,
            json!([{"range": {"start": {"line": 3, "character": 4}, "end": {"line": 3, "character": 99}},
                    "text": text}]),
        );
    }
    let p = c.diagnostics(uri);
    assert!(started.elapsed() >= Duration::from_millis(250), "debounced");
    assert_eq!(p.version(), Some(4));
    assert_eq!(p.of(4).len(), 1, "`2 c - c` is proved: {:?}", p.0);
    let more = c.within(
        Duration::from_millis(800),
        |m| matches!(m, Message::Notification(n) if n.method == "textDocument/publishDiagnostics"),
    );
    assert!(
        more.is_empty(),
        "versions 2 and 3 are never published: {more:?}"
    );
    assert_eq!(c.shutdown_and_exit(), 0);
}

/// A `≈` step: the Monte Carlo engine replicates the estimator thousands
/// of times, the slowest kind of step.
fn slow_document() -> String {
    let text = read("derivations/monte_carlo.deriv");
    let end = text
        .find("\nderivation \"policy gradient estimate")
        .unwrap();
    text[..end].to_string()
}

#[test]
fn a_slow_step_delays_no_answer_and_a_change_supersedes_it() {
    let mut c = Client::with_settings(Settings {
        options: derivcheck::check::Options {
            samples: 200_000,
            ..Default::default()
        },
        ..Settings::default()
    });
    c.initialize(json!({}), Value::Null);
    let fast = "file:///fast.deriv";
    c.open(fast, "", 1, "const c\n\nc\n  = c + 1\n");
    c.diagnostics(fast);
    let slow = "file:///slow.deriv";
    c.open(slow, "", 1, &slow_document());
    std::thread::sleep(Duration::from_millis(100));
    // While the slow step runs, a hover is answered at once, and another
    // document is checked.
    let asked = Instant::now();
    let h = c.hover(fast, 3, 4);
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "{:?}",
        asked.elapsed()
    );
    assert!(h["contents"]["value"].as_str().unwrap().contains("refuted"));
    c.change(fast, 2, json!([{"text": "const c\n\nc\n  = c\n"}]));
    let p = c.diagnostics(fast);
    assert_eq!(p.version(), Some(2));
    assert!(
        !c.inbox
            .iter()
            .any(|m| matches!(m, Message::Notification(n) if n.params["uri"] == slow)),
        "the slow document is still being checked"
    );
    // Changing the slow document stops its check: version 1 is never
    // published, version 2 is, without waiting for the slow step.
    let changed = Instant::now();
    c.change(slow, 2, json!([{"text": "const c\n\nc\n  = c\n"}]));
    let p = c.diagnostics(slow);
    assert_eq!(p.version(), Some(2), "{:?}", p.0);
    assert!(
        changed.elapsed() < Duration::from_secs(5),
        "{:?}",
        changed.elapsed()
    );
    assert_eq!(c.shutdown_and_exit(), 0);
}

#[test]
fn closing_a_document_clears_its_diagnostics() {
    let mut c = Client::initialized();
    let uri = file_uri(DROPPED_LOG);
    c.open(&uri, "", 1, &read(DROPPED_LOG));
    assert!(!c.diagnostics(&uri).all().is_empty());
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    let p = c.diagnostics(&uri);
    assert!(p.all().is_empty() && p.version().is_none(), "{:?}", p.0);
    assert_eq!(c.hover(&uri, REFUTED_LINE as u32, 10), Value::Null);
    assert_eq!(c.shutdown_and_exit(), 0);
}

#[test]
fn a_document_past_the_size_bound_is_an_error_not_a_check() {
    let mut c = Client::initialized();
    let big = "x".repeat(derivcheck::syntax::parser::MAX_FILE_BYTES + 1);
    c.open("file:///big.deriv", "", 1, &big);
    let p = c.diagnostics("file:///big.deriv");
    let errors = p.of(1);
    assert_eq!(errors.len(), 1);
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .contains("larger than the bound"));
    // Sent whole again, smaller, it is checked.
    c.change(
        "file:///big.deriv",
        2,
        json!([{"text": "const c\n\nc\n  = c\n"}]),
    );
    let p = c.diagnostics("file:///big.deriv");
    assert_eq!((p.version(), p.of(1).len(), p.of(4).len()), (Some(2), 0, 1));
    assert_eq!(c.shutdown_and_exit(), 0);
}

#[test]
fn wrong_requests_get_json_rpc_errors_and_the_server_goes_on() {
    let mut c = Client::start();
    // Before initialize: -32002, and notifications are dropped.
    c.open("file:///early.deriv", "", 1, "const c\n");
    let r = c.request("textDocument/hover", json!({}));
    assert_eq!(r.response_result.unwrap_err().code, -32002);
    // Invalid initialize parameters: -32602, and it can be sent again.
    let r = c.request("initialize", json!({"capabilities": 5}));
    assert_eq!(r.response_result.unwrap_err().code, -32602);
    c.initialize(json!({}), Value::Null);
    let r = c.request("initialize", json!({"capabilities": {}}));
    assert_eq!(r.response_result.unwrap_err().code, -32600);
    let r = c.request("textDocument/definition", json!({}));
    let e = r.response_result.unwrap_err();
    assert_eq!(e.code, -32601);
    assert!(
        e.message.contains("textDocument/definition"),
        "{}",
        e.message
    );
    let r = c.request("textDocument/hover", json!({"textDocument": 3}));
    assert_eq!(r.response_result.unwrap_err().code, -32602);
    // A notification that cannot be used is logged and dropped.
    c.notify("textDocument/didOpen", json!({"nonsense": true}));
    c.change("file:///never-opened.deriv", 2, json!([{"text": "x"}]));
    for _ in 0..2 {
        let log =
            c.receive(|m| matches!(m, Message::Notification(n) if n.method == "window/logMessage"));
        if let Message::Notification(n) = log {
            assert!(
                n.params["message"]
                    .as_str()
                    .unwrap()
                    .contains("derivcheck ignored"),
                "{n:?}"
            );
        }
    }
    // Unknown notifications are dropped silently; the server still works.
    c.notify("$/unknown", json!({}));
    c.open("file:///late.deriv", "", 1, "const c\n\nc\n  = c\n");
    assert_eq!(c.diagnostics("file:///late.deriv").of(4).len(), 1);
    // After shutdown: -32600 for requests, and exit ends with 0.
    let r = c.request("shutdown", Value::Null);
    assert!(r.response_result.is_ok());
    let r = c.request("textDocument/hover", json!({}));
    assert_eq!(r.response_result.unwrap_err().code, -32600);
    c.notify("exit", Value::Null);
    assert_eq!(c.server.take().unwrap().join().unwrap(), 0);
}

#[test]
fn exit_without_shutdown_is_status_1() {
    let mut c = Client::initialized();
    c.notify("exit", Value::Null);
    assert_eq!(c.server.take().unwrap().join().unwrap(), 1);
    let c = Client::start();
    drop(c.connection);
    assert_eq!(c.server.unwrap().join().unwrap(), 1, "the client went away");
}

/// Frame a message as the protocol does.
fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

/// Read framed messages from the binary's output.
fn read_framed(out: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if out.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    out.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// `derivcheck lsp` as a process: it, its input and its output.
fn spawn_server() -> (Child, ChildStdin, BufReader<ChildStdout>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_derivcheck"))
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    (child, stdin, out)
}

#[test]
fn the_binary_answers_malformed_input_on_stdin_and_goes_on() {
    let (mut child, mut stdin, mut out) = spawn_server();
    let mut input = Vec::new();
    input.extend(frame("{this is not json"));
    input.extend(b"no header here\r\n\r\n");
    input.extend(frame(
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#,
    ));
    input.extend(frame(
        r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#,
    ));
    input.extend(frame(
        r#"{"jsonrpc":"2.0","id":2,"method":"nonsense/method"}"#,
    ));
    input.extend(frame(r#"[{"jsonrpc":"2.0","id":3,"method":"shutdown"}]"#));
    input.extend(frame(r#"{"jsonrpc":"2.0","id":4,"method":"shutdown"}"#));
    input.extend(frame(r#"{"jsonrpc":"2.0","method":"exit"}"#));
    stdin.write_all(&input).unwrap();
    let mut got = Vec::new();
    while let Some(v) = read_framed(&mut out) {
        got.push(v);
    }
    let status = child.wait().unwrap();
    let codes: Vec<i64> = got
        .iter()
        .filter_map(|v| v["error"]["code"].as_i64())
        .collect();
    assert_eq!(codes.iter().filter(|c| **c == -32700).count(), 2, "{got:?}");
    assert!(codes.contains(&-32601), "{got:?}");
    assert!(codes.contains(&-32600), "the batch: {got:?}");
    assert!(got.iter().all(|v| v["jsonrpc"] == "2.0"), "{got:?}");
    let parse_error = got.iter().find(|v| v["error"]["code"] == -32700).unwrap();
    assert_eq!(parse_error["id"], Value::Null);
    let init = got.iter().find(|v| v["id"] == 1).unwrap();
    assert_eq!(init["result"]["capabilities"]["positionEncoding"], "utf-16");
    let shutdown = got.iter().find(|v| v["id"] == 4).unwrap();
    assert_eq!(shutdown["result"], Value::Null);
    assert_eq!(status.code(), Some(0), "{got:?}");
}

#[test]
fn the_binary_checks_a_document_sent_to_it() {
    let (mut child, mut stdin, mut out) = spawn_server();
    let open = json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": file_uri(DROPPED_LOG), "languageId": "", "version": 1, "text": read(DROPPED_LOG)}}});
    let mut input = Vec::new();
    input.extend(frame(
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#,
    ));
    input.extend(frame(
        r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#,
    ));
    input.extend(frame(&open.to_string()));
    stdin.write_all(&input).unwrap();
    let published = loop {
        let v = read_framed(&mut out).expect("the server publishes");
        if v["method"] == "textDocument/publishDiagnostics" {
            break v;
        }
    };
    let errors: Vec<&Value> = published["params"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == 1)
        .collect();
    assert_eq!(errors.len(), 1, "{published}");
    assert_eq!(errors[0]["range"]["start"]["line"], REFUTED_LINE);
    stdin
        .write_all(&frame(r#"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#))
        .unwrap();
    stdin
        .write_all(&frame(r#"{"jsonrpc":"2.0","method":"exit"}"#))
        .unwrap();
    while read_framed(&mut out).is_some() {}
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
