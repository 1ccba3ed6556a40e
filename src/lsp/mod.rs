//! `derivcheck lsp`: the language server, a front end over the library
//! like the command line.
//!
//! An editor sends documents as the user types; the server checks each
//! with [`crate::check::check_text_as`] and sends back every step's
//! verdict as a diagnostic (or an inlay hint), and answers hovers with how
//! a step was decided. No engine logic is here: only the protocol.
//!
//! - [`transport`]: the framing on standard input and output, bounded, a
//!   malformed message answered with a JSON-RPC error;
//! - [`protocol`]: the loop: initialize, requests, notifications,
//!   shutdown and exit;
//! - [`documents`]: the open documents, their text and last result;
//! - [`worker`]: debounced checks on threads of their own, stopped when
//!   their document changes again;
//! - [`convert`]: a check's result as diagnostics, inlay hints, hovers;
//! - [`position`]: byte offsets and the protocol's UTF-16 (or UTF-8)
//!   positions.

pub mod convert;
pub mod documents;
pub mod position;
pub mod protocol;
pub mod transport;
pub mod worker;

pub use protocol::{serve, Settings};

/// Serve one client on standard input and output; the exit status.
pub fn serve_stdio() -> i32 {
    let (connection, threads) = transport::stdio();
    let status = serve(&connection, Settings::default());
    drop(connection);
    threads.join();
    status
}
