//! Stream a chat reply, printing each delta as it arrives.
//!
//! `cargo run -p flowengine --example stream_chat -- "Create a calculator workflow"`
use flowengine::{Client, Error, StreamItem};
use std::io::Write;

pub async fn run(fe: &Client, message: &str) -> Result<(), Error> {
    let mut stream = fe.chat_stream(message, "regular", None).await?;
    let mut conversation = None;
    while let Some(item) = stream.next().await {
        if let StreamItem::Chunk(chunk) = item? {
            print!("{}", chunk.content);
            std::io::stdout().flush().ok();
            conversation = chunk.conversation_id.or(conversation);
        }
    }
    println!("\n(conversation {})", conversation.as_deref().unwrap_or("-"));
    Ok(())
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> Result<(), Error> {
    let message = std::env::args().nth(1).unwrap_or_else(|| "Hello!".into());
    run(&Client::from_env()?, &message).await
}
