//! Questions on a terminal: a yes/no confirmation, and hidden input for
//! keys and secret values (rpassword reads /dev/tty without echo). Without
//! a terminal, secrets come from stdin.
use crate::error::{CliError, Result};
use std::io::{BufRead, Write};

/// Asks "question [y/N]" on stderr and reads the answer from stdin.
pub fn confirm(question: &str) -> bool {
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// Reads a secret: hidden on a terminal, else the first line of stdin.
pub fn secret(prompt: &str, stdin_tty: bool) -> Result<String> {
    let value = if stdin_tty {
        rpassword::prompt_password(prompt)
            .map_err(|e| CliError::usage(format!("cannot read from the terminal: {e}")))?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| CliError::usage(format!("cannot read stdin: {e}")))?;
        line
    };
    Ok(value.trim_end_matches(['\r', '\n']).to_string())
}

/// All of stdin (for `fe chat -`).
pub fn stdin_all() -> Result<String> {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
        .map_err(|e| CliError::usage(format!("cannot read stdin: {e}")))?;
    Ok(text)
}
