//! The protocol's framing on a byte stream: `Content-Length` headers,
//! then a JSON-RPC message.
//!
//! In: bytes from the client (standard input). Out: [`Message`]s on a
//! [`Connection`]'s channel, and the server's messages written back. The
//! reader is bounded and never gives up on the stream: a header line is
//! read up to [`MAX_HEADER_LINE`] bytes, a message up to [`MAX_MESSAGE`];
//! a malformed header, a body that is not UTF-8 or not JSON, and a
//! message too large are each answered with a JSON-RPC error (`-32700`
//! parse error, `-32600` invalid request; the id is `null` when it cannot
//! be read, as JSON-RPC asks) and reading goes on with the next message.
//! (lsp-server's own stdio transport ends the connection at the first
//! malformed message, and reads any length it is told.)

use crate::syntax::parser::MAX_FILE_BYTES;
use crossbeam_channel::{Receiver, Sender};
use lsp_server::{Connection, ErrorCode, Message};
use serde_json::{json, Value};
use std::io::{self, BufRead, Write};
use std::thread::JoinHandle;

/// Longest header line read. Default: 8 KiB.
pub const MAX_HEADER_LINE: usize = 8 << 10;

/// Largest message read: a document of the largest size a file may have,
/// with room for JSON's escapes (`\u00e9` is six bytes for two).
/// Default: 4 × 4 MiB.
pub const MAX_MESSAGE: usize = 4 * MAX_FILE_BYTES;

/// Most messages waiting to be written. Default: 64.
const QUEUED: usize = 64;

/// What the reader makes of the next message on the stream.
#[derive(Debug)]
pub enum Incoming {
    /// A message.
    Message(Message),
    /// Something that is not one: the error response to send back.
    Malformed(Value),
    /// The end of the stream.
    End,
}

/// The error response to a message that could not be read.
pub fn error_response(id: Value, code: ErrorCode, message: String) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code as i32, "message": message}})
}

/// Read the next message. Lines that are not headers (text left over
/// from a message whose length was given too short runs into the next
/// header; a header line too long) are passed over when a
/// `Content-Length` follows, as the message they belong to was answered
/// already; without one they are the error.
pub fn read_message(input: &mut impl BufRead) -> io::Result<Incoming> {
    let mut length: Option<usize> = None;
    let mut bad_length: Option<String> = None;
    let mut junk: Option<String> = None;
    let mut any = false;
    loop {
        let Some(line) = read_header_line(input)? else {
            if any {
                return Ok(Incoming::Malformed(parse_error(
                    "the stream ended inside a message's headers".into(),
                )));
            }
            return Ok(Incoming::End);
        };
        let line = match line {
            Line::Text(l) => l,
            Line::TooLong => {
                any = true;
                junk.get_or_insert_with(|| {
                    format!("a header line is longer than {MAX_HEADER_LINE} bytes")
                });
                continue;
            }
        };
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if !any {
                // Blank lines between messages are skipped.
                continue;
            }
            break;
        }
        any = true;
        let header = match find_ignore_case(line, "content-length:") {
            Some(at) => &line[at..],
            None => {
                if !line.contains(':') {
                    junk.get_or_insert_with(|| format!("malformed header `{}`", shorten(line)));
                }
                // Another header (Content-Type): nothing to use.
                continue;
            }
        };
        let value = header["content-length:".len()..].trim();
        match value.parse::<usize>() {
            Ok(n) => length = Some(n),
            Err(_) => bad_length = Some(format!("malformed Content-Length `{}`", shorten(value))),
        }
    }
    let length = match (length, bad_length) {
        (Some(n), None) => n,
        (_, Some(why)) => return Ok(Incoming::Malformed(parse_error(why))),
        (None, None) => {
            return Ok(Incoming::Malformed(parse_error(junk.unwrap_or_else(
                || "a message without a Content-Length header".into(),
            ))))
        }
    };
    if length > MAX_MESSAGE {
        skip(input, length)?;
        return Ok(Incoming::Malformed(error_response(
            Value::Null,
            ErrorCode::InvalidRequest,
            format!("a message of {length} bytes is larger than the bound of {MAX_MESSAGE} bytes"),
        )));
    }
    let mut body = vec![0; length];
    if let Err(e) = input.read_exact(&mut body) {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            return Ok(Incoming::Malformed(parse_error(
                "the stream ended inside a message".into(),
            )));
        }
        return Err(e);
    }
    Ok(parse_body(&body))
}

/// A message's body: a [`Message`], or the error to answer it with.
pub fn parse_body(body: &[u8]) -> Incoming {
    let Ok(text) = std::str::from_utf8(body) else {
        return Incoming::Malformed(parse_error("the message is not UTF-8".into()));
    };
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return Incoming::Malformed(parse_error(format!("the message is not JSON: {e}"))),
    };
    let id = match &value {
        Value::Object(o) => o
            .get("id")
            .cloned()
            .filter(|id| id.is_number() || id.is_string()),
        _ => None,
    };
    let why = match &value {
        Value::Array(_) => "batches of messages are not part of the protocol".to_string(),
        Value::Object(_) => match serde_json::from_value::<Message>(value) {
            // A request whose id is not one the protocol has (an integer of
            // 32 bits or a string) reads as a notification: answer it.
            Ok(Message::Notification(_)) if id.is_some() => {
                "a request's id is an integer of 32 bits or a string".to_string()
            }
            Ok(m) => return Incoming::Message(m),
            Err(e) => format!("not a request, response or notification: {e}"),
        },
        _ => "a message is a JSON object".to_string(),
    };
    Incoming::Malformed(error_response(
        id.unwrap_or(Value::Null),
        ErrorCode::InvalidRequest,
        why,
    ))
}

fn parse_error(message: String) -> Value {
    error_response(Value::Null, ErrorCode::ParseError, message)
}

enum Line {
    Text(String),
    TooLong,
}

/// One line (its `\n` included), at most [`MAX_HEADER_LINE`] bytes kept;
/// `None` at the end of the stream.
fn read_header_line(input: &mut impl BufRead) -> io::Result<Option<Line>> {
    let mut line = Vec::new();
    let mut too_long = false;
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            if line.is_empty() && !too_long {
                return Ok(None);
            }
            break;
        }
        let (take, done) = match memchr::memchr(b'\n', buf) {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        if line.len() + take > MAX_HEADER_LINE {
            too_long = true;
            line.clear();
        } else {
            line.extend_from_slice(&buf[..take]);
        }
        input.consume(take);
        if done {
            break;
        }
    }
    if too_long {
        return Ok(Some(Line::TooLong));
    }
    Ok(Some(Line::Text(
        String::from_utf8_lossy(&line).into_owned(),
    )))
}

/// Read and drop `n` bytes, a buffer at a time.
fn skip(input: &mut impl BufRead, mut n: usize) -> io::Result<()> {
    while n > 0 {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        let k = buf.len().min(n);
        input.consume(k);
        n -= k;
    }
    Ok(())
}

fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .to_ascii_lowercase()
        .find(needle)
        .filter(|at| haystack.is_char_boundary(*at))
}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// Write one framed message.
pub fn write_framed(output: &mut impl Write, text: &str) -> io::Result<()> {
    write!(output, "Content-Length: {}\r\n\r\n", text.len())?;
    output.write_all(text.as_bytes())?;
    output.flush()
}

fn write_message(output: &mut impl Write, message: &Message) -> io::Result<()> {
    let mut value = serde_json::to_value(message)?;
    if let Value::Object(o) = &mut value {
        o.insert("jsonrpc".into(), Value::String("2.0".into()));
    }
    write_framed(output, &value.to_string())
}

/// The threads of a connection over a byte stream.
pub struct Threads {
    writer: Option<JoinHandle<()>>,
}

impl Threads {
    /// Wait until everything the server sent is written (the server has
    /// dropped its side of the connection). The reader is not waited for:
    /// it may be blocked on input that never comes.
    pub fn join(self) {
        if let Some(w) = self.writer {
            let _ = w.join();
        }
    }
}

/// A connection over standard input and output.
pub fn stdio() -> (Connection, Threads) {
    connect(io::BufReader::new(io::stdin()), io::stdout())
}

/// A connection over any byte streams: a reader thread that frames and
/// parses the input (answering what it cannot read), and a writer thread.
/// The reader stops after `exit`, at the end of the input, or when the
/// server is gone.
pub fn connect<R, W>(mut input: R, mut output: W) -> (Connection, Threads)
where
    R: BufRead + Send + 'static,
    W: Write + Send + 'static,
{
    // Bounded both ways, so memory stays bounded: a client that sends
    // faster than the server reads, or reads slower than it writes, waits.
    let (to_server, from_client) = crossbeam_channel::bounded::<Message>(0);
    let (to_client, from_server) = crossbeam_channel::bounded::<Message>(QUEUED);
    let (errors, reader_errors) = crossbeam_channel::bounded::<Value>(QUEUED);
    std::thread::Builder::new()
        .name("lsp reader".into())
        .spawn(move || reader(&mut input, &to_server, &errors))
        .ok();
    let writer = std::thread::Builder::new()
        .name("lsp writer".into())
        .spawn(move || writer(&mut output, &from_server, &reader_errors))
        .ok();
    (
        Connection {
            sender: to_client,
            receiver: from_client,
        },
        Threads { writer },
    )
}

fn reader(input: &mut impl BufRead, to_server: &Sender<Message>, errors: &Sender<Value>) {
    loop {
        match read_message(input) {
            Ok(Incoming::Message(m)) => {
                let exit = matches!(&m, Message::Notification(n) if n.method == "exit");
                if to_server.send(m).is_err() || exit {
                    return;
                }
            }
            Ok(Incoming::Malformed(e)) => {
                if errors.send(e).is_err() {
                    return;
                }
            }
            Ok(Incoming::End) | Err(_) => return,
        }
    }
}

fn writer(output: &mut impl Write, from_server: &Receiver<Message>, errors: &Receiver<Value>) {
    let mut errors = Some(errors);
    loop {
        let never = crossbeam_channel::never();
        let written = crossbeam_channel::select! {
            recv(from_server) -> m => match m {
                Ok(m) => write_message(output, &m),
                Err(_) => return,
            },
            recv(errors.unwrap_or(&never)) -> e => match e {
                Ok(e) => write_framed(output, &e.to_string()),
                Err(_) => {
                    errors = None;
                    Ok(())
                }
            },
        };
        if written.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    fn all(input: &str) -> Vec<String> {
        let mut r = io::Cursor::new(input.as_bytes().to_vec());
        let mut out = Vec::new();
        loop {
            match read_message(&mut r).unwrap() {
                Incoming::End => return out,
                Incoming::Message(m) => {
                    out.push(format!("message {}", serde_json::to_string(&m).unwrap()))
                }
                Incoming::Malformed(e) => out.push(format!("error {e}")),
            }
        }
    }

    const SHUTDOWN: &str = r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;

    #[test]
    fn framed_messages_are_read_in_order() {
        let input = frame(SHUTDOWN) + &frame(r#"{"jsonrpc":"2.0","method":"exit"}"#);
        let got = all(&input);
        assert_eq!(got.len(), 2);
        assert!(got[0].contains(r#""method":"shutdown""#), "{got:?}");
        assert!(got[1].contains(r#""method":"exit""#), "{got:?}");
    }

    #[test]
    fn a_body_that_is_not_json_is_a_parse_error_and_reading_goes_on() {
        let input = frame("{not json") + &frame(SHUTDOWN);
        let got = all(&input);
        assert!(
            got[0].contains(r#""code":-32700"#) && got[0].contains(r#""id":null"#),
            "{got:?}"
        );
        assert!(got[1].starts_with("message"), "{got:?}");
    }

    #[test]
    fn json_that_is_not_a_message_is_an_invalid_request_with_its_id() {
        let got = all(&(frame(r#"{"jsonrpc":"2.0","id":7}"#)
            + &frame("[1, 2]")
            + &frame("42")
            + &frame(r#"{"jsonrpc":"2.0","id":"x","method":3}"#)));
        assert!(
            got[0].contains(r#""code":-32600"#) && got[0].contains(r#""id":7"#),
            "{got:?}"
        );
        assert!(got[1].contains("batches"), "{got:?}");
        assert!(got[2].contains(r#""id":null"#), "{got:?}");
        assert!(got[3].contains(r#""id":"x""#), "{got:?}");
        let got = all(&frame(
            r#"{"jsonrpc":"2.0","id":3000000000,"method":"shutdown"}"#,
        ));
        assert!(got[0].contains(r#""id":3000000000"#), "{got:?}");
        assert!(got[0].contains("32 bits"), "{got:?}");
    }

    #[test]
    fn malformed_headers_are_answered_and_the_next_message_read() {
        let input = String::from("Content-Length: twelve\r\n\r\n")
            + "Content-Type: x\r\n\r\n"
            + &frame(SHUTDOWN);
        let got = all(&input);
        assert!(got[0].contains("malformed Content-Length"), "{got:?}");
        assert!(got[1].contains("without a Content-Length"), "{got:?}");
        assert!(got[2].starts_with("message"), "{got:?}");
    }

    #[test]
    fn a_length_given_too_short_leaves_junk_that_is_answered() {
        let body = SHUTDOWN;
        let input = format!("Content-Length: {}\r\n\r\n{body}", body.len() - 1) + &frame(SHUTDOWN);
        let got = all(&input);
        // The cut body is not JSON; its last byte runs into the next
        // header, which is still read.
        assert!(got[0].contains("-32700"), "{got:?}");
        assert!(got[1].starts_with("message"), "{got:?}");
        assert_eq!(got.len(), 2);
        let got = all(&(String::from("garbage\r\n\r\n") + &frame(SHUTDOWN)));
        assert!(got[0].contains("malformed header `garbage`"), "{got:?}");
        assert!(got[1].starts_with("message"), "{got:?}");
    }

    #[test]
    fn a_message_past_the_bound_is_skipped_not_read() {
        let input = format!("Content-Length: {}\r\n\r\n", MAX_MESSAGE + 1)
            + &" ".repeat(MAX_MESSAGE + 1)
            + &frame(SHUTDOWN);
        let got = all(&input);
        assert!(got[0].contains("larger than the bound"), "{got:?}");
        assert!(got[1].starts_with("message"), "{got:?}");
    }

    #[test]
    fn a_header_line_past_the_bound_is_not_kept() {
        let input = "X".repeat(MAX_HEADER_LINE * 3) + "\r\n\r\n" + &frame(SHUTDOWN);
        let got = all(&input);
        assert!(got[0].contains("longer than"), "{got:?}");
        assert!(got[1].starts_with("message"), "{got:?}");
        let got = all("Content-Length: 10\r\n\r\nabc");
        assert_eq!(got.len(), 1);
        assert!(
            got[0].contains("the stream ended inside a message"),
            "{got:?}"
        );
    }

    #[test]
    fn the_writer_frames_each_message_with_its_length() {
        let mut out = Vec::new();
        let m = Message::Response(lsp_server::Response::new_ok(1.into(), "é"));
        write_message(&mut out, &m).unwrap();
        let text = String::from_utf8(out).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert_eq!(head, format!("Content-Length: {}", body.len()));
        assert!(body.contains(r#""jsonrpc":"2.0""#), "{body}");
    }
}
