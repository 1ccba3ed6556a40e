//! The protocol loop: the server's life (initialize, shutdown, exit) and
//! the requests and notifications it answers.
//!
//! In: messages from the client on a [`Connection`]. Out: responses,
//! `textDocument/publishDiagnostics` for every finished check, and the
//! exit status. The loop never waits for a check: documents are checked
//! by the [`Worker`], and hover and inlay-hint requests are answered at
//! once from the last check that finished.
//!
//! Errors, as JSON-RPC and the protocol ask: a request before
//! `initialize` gets `-32002` (server not initialized), after `shutdown`
//! `-32600` (invalid request); an unknown method `-32601`; parameters
//! that do not fit the method `-32602`. A notification is never answered:
//! one that cannot be used is logged to the client (`window/logMessage`)
//! and dropped. `exit` ends the loop with status 0 after `shutdown`, 1
//! without.

use super::convert::{self, Places};
use super::documents::{path_of, Checked, Document, Documents};
use super::position::{Encoding, LineIndex};
use super::worker::{Declarations, Finished, Job, Worker, DEBOUNCE, MAX_RUNNING};
use crate::check::{FileResult, Options};
use crate::latex::InputFormat;
use crate::syntax::parser::MAX_FILE_BYTES;
use crossbeam_channel::{after, never, select};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    DiagnosticSeverity, DidChangeConfigurationParams, DidChangeTextDocumentParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, HoverParams, HoverProviderCapability,
    InitializeParams, InitializeResult, InlayHintParams, LogMessageParams, MarkupKind, MessageType,
    OneOf, PublishDiagnosticsParams, Range, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions, Uri,
};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How the server runs.
#[derive(Clone, Debug)]
pub struct Settings {
    /// How long a document must stay unchanged before it is checked.
    /// Default: [`DEBOUNCE`].
    pub debounce: Duration,
    /// Most checks at once. Default: [`MAX_RUNNING`].
    pub max_running: usize,
    /// Engines, seed, trials and samples, as for `check`. Default: `check`'s.
    pub options: Options,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            debounce: DEBOUNCE,
            max_running: MAX_RUNNING,
            options: Options::default(),
        }
    }
}

/// What the client can show, from its capabilities.
#[derive(Clone, Copy, Debug, Default)]
struct Client {
    /// Inlay hints: they carry the verdicts of valid steps, not hint
    /// diagnostics (unless the `hints` setting says otherwise).
    inlay_hints: bool,
    /// `workspace/inlayHint/refresh`: asked after each check.
    refresh_inlay_hints: bool,
    /// Markdown in hovers.
    markdown: bool,
}

/// Serve one client on `connection` until `exit` (or until the client is
/// gone). Returns the exit status: 0 after `shutdown` and `exit`, 1
/// otherwise.
pub fn serve(connection: &Connection, settings: Settings) -> i32 {
    let Some((id, params)) = wait_for_initialize(connection) else {
        return 1;
    };
    let mut server = Server::new(connection, settings, &params);
    let result = InitializeResult {
        capabilities: server.capabilities(),
        server_info: Some(ServerInfo {
            name: "derivcheck".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
    };
    server.respond(Response::new_ok(id, result));
    server.run()
}

/// Answer everything before `initialize` as the protocol asks, until it
/// comes; `None` when the client exits or goes first.
fn wait_for_initialize(connection: &Connection) -> Option<(RequestId, InitializeParams)> {
    loop {
        match connection.receiver.recv().ok()? {
            Message::Request(r) if r.method == "initialize" => {
                match serde_json::from_value::<InitializeParams>(r.params) {
                    Ok(p) => return Some((r.id, p)),
                    Err(e) => {
                        let reply = Response::new_err(
                            r.id,
                            ErrorCode::InvalidParams as i32,
                            format!("invalid initialize parameters: {e}"),
                        );
                        let _ = connection.sender.send(reply.into());
                    }
                }
            }
            Message::Request(r) => {
                let reply = Response::new_err(
                    r.id,
                    ErrorCode::ServerNotInitialized as i32,
                    format!("`{}` before `initialize`", r.method),
                );
                let _ = connection.sender.send(reply.into());
            }
            Message::Notification(n) if n.method == "exit" => return None,
            Message::Notification(_) | Message::Response(_) => {}
        }
    }
}

struct Server<'c> {
    connection: &'c Connection,
    settings: Settings,
    encoding: Encoding,
    client: Client,
    /// The workspace's folder, against which a relative `with` is read.
    root: Option<PathBuf>,
    /// The declarations file for `.tex` and `.md` documents, if set.
    with: Option<PathBuf>,
    /// Valid steps are hint diagnostics (else only inlay hints).
    hint_diagnostics: bool,
    documents: Documents,
    worker: Worker,
    /// The last generation given to a document.
    generation: u64,
    shut_down: bool,
    /// The last id of a request to the client.
    requests: u64,
}

impl<'c> Server<'c> {
    fn new(connection: &'c Connection, settings: Settings, params: &InitializeParams) -> Self {
        let caps = &params.capabilities;
        let text = caps.text_document.as_ref();
        let client = Client {
            inlay_hints: text.and_then(|t| t.inlay_hint.as_ref()).is_some(),
            refresh_inlay_hints: caps
                .workspace
                .as_ref()
                .and_then(|w| w.inlay_hint.as_ref())
                .and_then(|i| i.refresh_support)
                .unwrap_or(false),
            markdown: text
                .and_then(|t| t.hover.as_ref())
                .and_then(|h| h.content_format.as_ref())
                .is_some_and(|f| f.contains(&MarkupKind::Markdown)),
        };
        let encoding = Encoding::negotiate(
            caps.general
                .as_ref()
                .and_then(|g| g.position_encodings.as_deref()),
        );
        #[allow(deprecated)]
        let root = params
            .workspace_folders
            .as_ref()
            .and_then(|f| f.first())
            .and_then(|f| path_of(&f.uri))
            .or_else(|| params.root_uri.as_ref().and_then(path_of))
            .or_else(|| params.root_path.as_ref().map(PathBuf::from));
        let mut server = Server {
            connection,
            worker: Worker::new(settings.debounce, settings.max_running),
            settings,
            encoding,
            client,
            root,
            with: None,
            hint_diagnostics: !client.inlay_hints,
            documents: Documents::default(),
            generation: 0,
            shut_down: false,
            requests: 0,
        };
        if let Some(options) = &params.initialization_options {
            server.configure(options);
        }
        server
    }

    fn capabilities(&self) -> ServerCapabilities {
        ServerCapabilities {
            position_encoding: Some(self.encoding.kind()),
            text_document_sync: Some(TextDocumentSyncCapability::Options(
                TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    ..TextDocumentSyncOptions::default()
                },
            )),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            inlay_hint_provider: Some(OneOf::Left(true)),
            ..ServerCapabilities::default()
        }
    }

    /// The loop: messages, finished checks and due checks, until `exit`.
    fn run(&mut self) -> i32 {
        let results = self.worker.results().clone();
        loop {
            self.start_due_checks();
            let timer = self
                .worker
                .timeout(Instant::now())
                .map_or_else(never, after);
            select! {
                recv(self.connection.receiver) -> m => match m {
                    Ok(m) => {
                        if let Some(status) = self.handle(m) {
                            return status;
                        }
                    }
                    Err(_) => return 1,
                },
                recv(results) -> f => {
                    if let Ok(f) = f {
                        self.finished(f);
                    }
                }
                recv(timer) -> _ => {}
            }
        }
    }

    fn handle(&mut self, message: Message) -> Option<i32> {
        match message {
            Message::Request(r) => self.request(r),
            Message::Notification(n) if n.method == "exit" => {
                return Some(if self.shut_down { 0 } else { 1 });
            }
            Message::Notification(n) => {
                if !self.shut_down {
                    self.notification(n);
                }
            }
            // Answers to our refresh requests: nothing to do.
            Message::Response(_) => {}
        }
        None
    }

    fn request(&mut self, r: Request) {
        let Request { id, method, params } = r;
        if self.shut_down {
            return self.respond(Response::new_err(
                id,
                ErrorCode::InvalidRequest as i32,
                format!("`{method}` after `shutdown`"),
            ));
        }
        match method.as_str() {
            "shutdown" => {
                self.shut_down = true;
                self.worker.stop_all();
                self.respond(Response::new_ok(id, ()));
            }
            "initialize" => self.respond(Response::new_err(
                id,
                ErrorCode::InvalidRequest as i32,
                "`initialize` was received already".into(),
            )),
            "textDocument/hover" => {
                let reply = parse::<HoverParams>(params).map(|p| {
                    let at = p.text_document_position_params;
                    self.with_checked(&at.text_document.uri, |result, places| {
                        convert::hover(result, places, at.position, self.client.markdown)
                    })
                    .flatten()
                });
                self.reply(id, &method, reply);
            }
            "textDocument/inlayHint" => {
                let reply = parse::<InlayHintParams>(params).map(|p| {
                    self.with_checked(&p.text_document.uri, |result, places| {
                        convert::inlay_hints(result, places, p.range)
                    })
                    .unwrap_or_default()
                });
                self.reply(id, &method, reply);
            }
            _ => self.respond(Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("derivcheck does not answer `{method}`"),
            )),
        }
    }

    /// Run `f` on a document's last finished check, if it has one.
    fn with_checked<T>(&self, uri: &Uri, f: impl FnOnce(&FileResult, &Places) -> T) -> Option<T> {
        let checked = self.documents.get(uri)?.checked.as_ref()?;
        let places = Places {
            text: &checked.analysis.result.source.text,
            index: &checked.index,
            encoding: self.encoding,
        };
        Some(f(&checked.analysis.result, &places))
    }

    fn reply<T: serde::Serialize>(&self, id: RequestId, method: &str, reply: Result<T, String>) {
        self.respond(match reply {
            Ok(v) => Response::new_ok(id, v),
            Err(e) => Response::new_err(
                id,
                ErrorCode::InvalidParams as i32,
                format!("invalid parameters for `{method}`: {e}"),
            ),
        });
    }

    fn notification(&mut self, n: Notification) {
        let Notification { method, params } = n;
        let outcome = match method.as_str() {
            "textDocument/didOpen" => parse(params).map(|p| self.did_open(p)),
            "textDocument/didChange" => parse(params).map(|p| self.did_change(p)),
            "textDocument/didClose" => parse(params).map(|p| self.did_close(p)),
            "workspace/didChangeConfiguration" => {
                parse(params).map(|p: DidChangeConfigurationParams| {
                    let (with, hints) = self.configure(&p.settings);
                    if with {
                        self.recheck_dependents();
                    }
                    if hints {
                        for uri in self.documents.uris() {
                            self.publish_checked(&uri);
                        }
                    }
                })
            }
            // `initialized`, `$/cancelRequest` (every request is answered
            // at once), `didSave`, and anything else: nothing to do.
            _ => Ok(()),
        };
        if let Err(e) = outcome {
            self.log(format!(
                "derivcheck ignored `{method}`: invalid parameters: {e}"
            ));
        }
    }

    fn did_open(&mut self, p: DidOpenTextDocumentParams) {
        let d = p.text_document;
        let document = Document::open(&d.uri, &d.language_id, d.version, d.text);
        self.documents.open(d.uri.clone(), document);
        self.changed(&d.uri, true);
    }

    fn did_change(&mut self, p: DidChangeTextDocumentParams) {
        let uri = p.text_document.uri;
        let Some(d) = self.documents.get_mut(&uri) else {
            return self.log(format!(
                "derivcheck ignored a change of `{}`, which is not open",
                uri.as_str()
            ));
        };
        d.apply(p.text_document.version, p.content_changes, self.encoding);
        self.changed(&uri, false);
    }

    fn did_close(&mut self, p: DidCloseTextDocumentParams) {
        let uri = p.text_document.uri;
        self.worker.forget(&uri);
        if let Some(d) = self.documents.close(&uri) {
            self.publish(&uri, vec![], None);
            if self.is_declarations(&d) {
                self.recheck_dependents();
            }
        }
    }

    /// A document's text changed (or it was opened): check it again, and
    /// the documents that take their declarations from it.
    fn changed(&mut self, uri: &Uri, at_once: bool) {
        self.generation += 1;
        let generation = self.generation;
        let Some(d) = self.documents.get_mut(uri) else {
            return;
        };
        d.generation = generation;
        if d.too_large() {
            d.checked = None;
            let version = d.version;
            self.worker.forget(uri);
            let message = format!(
                "the document is larger than the bound of {MAX_FILE_BYTES} bytes a file may have, so it is not checked (reopen it once it is smaller)"
            );
            let error = convert::plain(Range::default(), DiagnosticSeverity::ERROR, message);
            self.publish(uri, vec![error], Some(version));
            return;
        }
        self.worker.schedule(uri, Instant::now(), at_once);
        let declarations = self
            .documents
            .get(uri)
            .is_some_and(|d| self.is_declarations(d));
        if declarations {
            self.recheck_dependents();
        }
    }

    /// Whether a document is the declarations file of the others.
    fn is_declarations(&self, d: &Document) -> bool {
        match (&self.with, &d.path) {
            (Some(with), Some(path)) => {
                let canonical = |p: &std::path::Path| {
                    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
                };
                canonical(with) == canonical(path)
            }
            _ => false,
        }
    }

    /// Check again every document that takes declarations from a file.
    fn recheck_dependents(&mut self) {
        for uri in self.documents.uris() {
            let dependent = self
                .documents
                .get(&uri)
                .is_some_and(|d| d.format != InputFormat::Deriv && !d.too_large());
            if dependent {
                self.generation += 1;
                if let Some(d) = self.documents.get_mut(&uri) {
                    d.generation = self.generation;
                }
                self.worker.schedule(&uri, Instant::now(), false);
            }
        }
    }

    /// Read the settings: `with` (`{"with": "decls.deriv"}`; `null` or
    /// `""` unsets it) and `hints` (`"diagnostics"`: valid steps are hint
    /// diagnostics even for a client that shows inlay hints, as a client
    /// may have them switched off; `"inlay"`: inlay hints alone), at the
    /// top or under `"derivcheck"`. A setting left out is left as it is.
    /// Says whether each changed.
    fn configure(&mut self, settings: &Value) -> (bool, bool) {
        let scoped = settings.get("derivcheck").unwrap_or(settings);
        let old = (self.with.clone(), self.hint_diagnostics);
        if let Some(with) = scoped.get("with") {
            self.with = with.as_str().filter(|s| !s.is_empty()).map(|s| {
                let p = PathBuf::from(s);
                match &self.root {
                    Some(root) if p.is_relative() => root.join(p),
                    _ => p,
                }
            });
        }
        match scoped.get("hints").and_then(Value::as_str) {
            Some("diagnostics") => self.hint_diagnostics = true,
            Some("inlay") => self.hint_diagnostics = false,
            _ => {}
        }
        (old.0 != self.with, old.1 != self.hint_diagnostics)
    }

    fn start_due_checks(&mut self) {
        let Server {
            worker,
            documents,
            with,
            settings,
            ..
        } = self;
        worker.start_due(Instant::now(), |uri| {
            let d = documents.get(uri)?;
            let declarations = match with {
                Some(path) if d.format != InputFormat::Deriv => {
                    Some(match documents.find_path(path) {
                        Some((_, open)) if open.text.is_some() => Declarations::Open {
                            path: path.clone(),
                            text: open.text.clone().unwrap_or_default(),
                        },
                        _ => Declarations::File(path.clone()),
                    })
                }
                _ => None,
            };
            Some(Job {
                uri: uri.clone(),
                generation: d.generation,
                name: d.name.clone(),
                text: d.text.clone()?,
                format: d.format,
                declarations,
                options: settings.options.clone(),
            })
        });
    }

    /// A check ended: publish it if it is the document's latest.
    fn finished(&mut self, f: Finished) {
        self.worker.finished(&f);
        let Some(analysis) = f.analysis else {
            return;
        };
        let Some(d) = self.documents.get_mut(&f.uri) else {
            return;
        };
        if d.generation != f.generation {
            return;
        }
        d.checked = Some(Checked {
            index: LineIndex::new(&analysis.result.source.text),
            analysis,
            version: d.version,
        });
        self.publish_checked(&f.uri);
        if self.client.inlay_hints && self.client.refresh_inlay_hints {
            self.requests += 1;
            let id = RequestId::from(format!("derivcheck-{}", self.requests));
            let refresh = Request::new(id, "workspace/inlayHint/refresh".into(), ());
            self.send(refresh.into());
        }
    }

    /// Publish the diagnostics of a document's last finished check.
    fn publish_checked(&self, uri: &Uri) {
        let Some(checked) = self.documents.get(uri).and_then(|d| d.checked.as_ref()) else {
            return;
        };
        let places = Places {
            text: &checked.analysis.result.source.text,
            index: &checked.index,
            encoding: self.encoding,
        };
        let diagnostics =
            convert::diagnostics(&checked.analysis, &places, uri, self.hint_diagnostics);
        self.publish(uri, diagnostics, Some(checked.version));
    }

    fn publish(&self, uri: &Uri, diagnostics: Vec<lsp_types::Diagnostic>, version: Option<i32>) {
        let params = PublishDiagnosticsParams {
            uri: uri.clone(),
            diagnostics,
            version,
        };
        self.send(Notification::new("textDocument/publishDiagnostics".into(), params).into());
    }

    fn log(&self, message: String) {
        let params = LogMessageParams {
            typ: MessageType::WARNING,
            message,
        };
        self.send(Notification::new("window/logMessage".into(), params).into());
    }

    fn respond(&self, response: Response) {
        self.send(response.into());
    }

    /// Send a message; a client that is gone is noticed by the loop, when
    /// its side of the connection closes.
    fn send(&self, message: Message) {
        let _ = self.connection.sender.send(message);
    }
}

/// A message's parameters, or why they do not fit its method.
fn parse<P: DeserializeOwned>(params: Value) -> Result<P, String> {
    serde_json::from_value(params).map_err(|e| e.to_string())
}
