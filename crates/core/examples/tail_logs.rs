//! Tail a function's logs: print new lines as they are written (the stream
//! resumes by itself after a dropped connection).
//!
//! `cargo run -p flowengine --example tail_logs -- <function-id> [max-lines]`
use flowengine::{Client, Error, StreamItem};

pub async fn run(fe: &Client, function_id: &str, max_lines: usize) -> Result<(), Error> {
    let mut tail = fe.tail_logs(function_id).await?;
    let mut seen = 0;
    while let Some(item) = tail.next().await {
        if let StreamItem::Line(line) = item? {
            println!("  | {line}");
            seen += 1;
            if seen >= max_lines {
                tail.close();
                break;
            }
        }
    }
    Ok(())
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let id = args.next().expect("usage: tail_logs <function-id> [max-lines]");
    let max = args.next().and_then(|n| n.parse().ok()).unwrap_or(usize::MAX);
    run(&Client::from_env()?, &id, max).await
}
