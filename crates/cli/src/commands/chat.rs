//! `fe chat "message"`: the reply is printed as it streams in (NDJSON
//! chunks with --json); Ctrl-C stops it.
use crate::cli::ChatArgs;
use crate::ctx::Ctx;
use crate::error::{code, CliError, Result, CHAT_FLAGS};
use crate::output::{write_stdout, Style};
use crate::prompt;
use flowengine::StreamItem;
use serde_json::json;

pub async fn run(ctx: &Ctx, args: ChatArgs) -> Result<()> {
    let out = &ctx.out;
    let message = match args.message.as_deref() {
        // `echo hi | fe chat` sends "hi": the line ending(s) that end the
        // input are not part of the message (inner ones and spaces are).
        Some("-") | None if !out.stdin_tty => without_final_newlines(prompt::stdin_all()?),
        Some("-") | None => {
            return Err(CliError::usage(
                "no message: fe chat \"your message\" (or pipe it on stdin)",
            )
            .with_flag("<MESSAGE>"))
        }
        Some(m) => m.to_string(),
    };
    if message.trim().is_empty() {
        return Err(CliError::usage("the message is empty").with_flag("<MESSAGE>"));
    }
    let client = ctx.client()?;
    let mut stream = client
        .chat_stream(&message, args.model.as_str(), args.conversation.as_deref())
        .await
        .map_err(|e| CliError::from_core(e, CHAT_FLAGS))?;
    let mut conversation: Option<String> = None;
    let mut ended_with_newline = true;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        tokio::select! {
            _ = &mut ctrl_c => {
                stream.close();
                if !out.json && !ended_with_newline {
                    write_stdout("\n");
                }
                return Err(CliError::new(code::INTERRUPTED, "interrupted"));
            }
            item = stream.next() => match item {
                Some(Ok(StreamItem::Chunk(c))) => {
                    if c.conversation_id.is_some() {
                        conversation = c.conversation_id.clone();
                    }
                    if out.json {
                        out.json_line(&json!({ "content": c.content, "finish_reason": c.finish_reason, "conversation_id": c.conversation_id }));
                    } else if !c.content.is_empty() {
                        write_stdout(&c.content);
                        ended_with_newline = c.content.ends_with('\n');
                    }
                }
                Some(Ok(StreamItem::Line(_))) => {}
                Some(Err(e)) => {
                    if !out.json && !ended_with_newline {
                        write_stdout("\n");
                    }
                    return Err(e.into());
                }
                None => break,
            }
        }
    }
    if !out.json && !ended_with_newline {
        write_stdout("\n");
    }
    if let Some(id) = conversation {
        out.note(&out.e(
            Style::Dim,
            &format!("(conversation {id}: continue with --conversation {id})"),
        ));
    }
    Ok(())
}

/// The text without the line endings (`\n`, `\r\n`) at its end.
fn without_final_newlines(mut text: String) -> String {
    let kept = text.trim_end_matches(['\r', '\n']).len();
    text.truncate(kept);
    text
}

#[cfg(test)]
mod tests {
    use super::without_final_newlines;

    #[test]
    fn only_the_final_line_endings_go() {
        assert_eq!(without_final_newlines("hi\n".into()), "hi");
        assert_eq!(without_final_newlines("hi\r\n".into()), "hi");
        assert_eq!(without_final_newlines("a\n\nb \n\n".into()), "a\n\nb ");
        assert_eq!(without_final_newlines("  hi  ".into()), "  hi  ");
    }
}
