//! Finding and reading the files of a run: directories are searched
//! recursively for `.deriv`, `.tex` and `.md` files; a file that cannot be
//! read is that file's error, and the batch goes on.

use super::{check_text_with, FileResult, Options, Prelude};
use crate::latex::InputFormat;

/// Every `.deriv`, `.tex` and `.md` file under the given paths
/// (directories recursively, in name order; a file named directly is taken
/// whatever its extension); a path that cannot be read is an `Err` with
/// the reason.
pub fn collect_files(
    paths: &[std::path::PathBuf],
) -> Vec<Result<std::path::PathBuf, (String, String)>> {
    fn walk(dir: &std::path::Path, out: &mut Vec<Result<std::path::PathBuf, (String, String)>>) {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                out.push(Err((dir.display().to_string(), e.to_string())));
                return;
            }
        };
        let mut list: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        list.sort();
        for p in list {
            if p.is_dir() {
                walk(&p, out);
            } else if p
                .extension()
                .and_then(|x| x.to_str())
                .and_then(InputFormat::from_extension)
                .is_some()
            {
                out.push(Ok(p));
            }
        }
    }
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out);
        } else {
            out.push(Ok(p.clone()));
        }
    }
    out
}

/// Check files and directories. A file that cannot be read, or is not
/// UTF-8, is reported as that file's error; the batch goes on.
pub fn check_paths(paths: &[std::path::PathBuf], opts: &Options) -> Vec<FileResult> {
    check_paths_with(paths, None, opts)
}

/// Like [`check_paths`], with declarations for the `.tex` and `.md` files
/// (`check --with`). The prelude's own problems come first, once, under
/// its name, unless it is itself one of the files checked.
pub fn check_paths_with(
    paths: &[std::path::PathBuf],
    prelude: Option<&Prelude>,
    opts: &Options,
) -> Vec<FileResult> {
    let files = collect_files(paths);
    let mut out = Vec::new();
    if let Some(p) = prelude {
        let own = std::fs::canonicalize(&p.source.name).ok();
        let checked_too = own.is_some()
            && files
                .iter()
                .any(|f| matches!(f, Ok(path) if std::fs::canonicalize(path).ok() == own));
        let report = p.report();
        if !report.errors.is_empty() && !checked_too {
            out.push(report);
        }
    }
    out.extend(files.into_iter().map(|p| match p {
        Err((path, e)) => FileResult::unreadable(&path, format!("cannot read `{path}`: {e}")),
        Ok(path) => {
            let name = path.display().to_string();
            let takes_prelude = InputFormat::from_path(&path) != InputFormat::Deriv;
            match read_bounded(&path) {
                Ok(text) => check_text_with(&name, &text, prelude.filter(|_| takes_prelude), opts),
                Err(e) => FileResult::unreadable(&name, e),
            }
        }
    }));
    out
}

/// Read a file of at most [`crate::syntax::parser::MAX_FILE_BYTES`] as UTF-8.
pub fn read_bounded(path: &std::path::Path) -> Result<String, String> {
    use std::io::Read;
    let name = path.display();
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read `{name}`: {e}"))?;
    let limit = crate::syntax::parser::MAX_FILE_BYTES as u64;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read `{name}`: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "`{name}` is larger than the limit of {limit} bytes"
        ));
    }
    String::from_utf8(bytes).map_err(|e| format!("`{name}` is not UTF-8 text: {e}"))
}
