//! Errors that stop a run (exit code 2). Row-level problems are findings,
//! not errors.

use std::fmt;
use std::io;

/// A run-stopping error: a one-line message naming what is wrong (the file,
/// and the line or column where it applies), and a hint where one helps.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    hint: Option<String>,
    source: Option<io::Error>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad arguments or flags.
    Usage,
    /// A policy that cannot be used: unknown preset, bad policy file.
    Policy,
    /// An input file that cannot be read as what it should be.
    Input,
    /// An output that cannot be written.
    Output,
}

impl Error {
    pub fn usage(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Usage, message.into())
    }

    /// A policy problem; `message` names the file, line and column.
    pub fn policy(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Policy, message.into())
    }

    /// An input problem: `what` is the file's name as the user gave it.
    pub fn input(path: &str, message: impl fmt::Display) -> Error {
        Error::new(ErrorKind::Input, format!("{path}: {message}"))
    }

    pub fn output(path: &str, err: io::Error) -> Error {
        let message = format!("{path}: cannot write: {}", describe_io(&err));
        let mut error = Error::new(ErrorKind::Output, message);
        error.source = Some(err);
        error
    }

    /// A scratch file (`--memory-limit` spill) that cannot be written or
    /// read back.
    pub fn scratch(err: io::Error) -> Error {
        let message = format!(
            "scratch file in {}: {}",
            std::env::temp_dir().display(),
            describe_io(&err)
        );
        let mut error = Error::new(ErrorKind::Output, message)
            .with_hint("point TMPDIR at a disk with room, or raise --memory-limit");
        error.source = Some(err);
        error
    }

    fn new(kind: ErrorKind, message: String) -> Error {
        Error {
            kind,
            message,
            hint: None,
            source: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Error {
        self.hint = Some(hint.into());
        self
    }

    /// The message without its hint.
    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// Whether the error is a closed pipe on the way out (`| head`), which
    /// is not worth reporting.
    pub fn is_broken_pipe(&self) -> bool {
        self.source
            .as_ref()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as _)
    }
}

/// An I/O error in words, without Rust's `(os error 2)` suffix.
pub fn describe_io(err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::IsADirectory => "is a directory".to_string(),
        // Decoders say where the bad bytes are; keep their words.
        io::ErrorKind::InvalidData if err.get_ref().is_some() => err.to_string(),
        io::ErrorKind::InvalidData => "not valid text".to_string(),
        _ => {
            let text = err.to_string();
            match text.find(" (os error") {
                Some(cut) => text[..cut].to_lowercase(),
                None => text,
            }
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
