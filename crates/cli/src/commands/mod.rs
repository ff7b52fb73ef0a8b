//! One module per group of commands.
mod account;
mod chat;
mod deploy;
mod domain;
mod env;
mod functions;
mod usage;

use crate::cli::Command;
use crate::ctx::Ctx;
use crate::error::Result;

pub async fn dispatch(ctx: &Ctx, command: Command) -> Result<()> {
    match command {
        Command::Login => account::login(ctx).await,
        Command::Logout => account::logout(ctx),
        Command::Whoami => account::whoami(ctx).await,
        Command::Deploy(args) => deploy::run(ctx, args).await,
        Command::List => functions::list(ctx).await,
        Command::Show { function } => functions::show(ctx, &function).await,
        Command::Logs(args) => functions::logs(ctx, args).await,
        Command::Delete { function, yes } => functions::delete(ctx, &function, yes).await,
        Command::Env(cmd) => env::run(ctx, cmd).await,
        Command::Domain(cmd) => domain::run(ctx, cmd).await,
        Command::Usage(args) => usage::run(ctx, args).await,
        Command::Chat(args) => chat::run(ctx, args).await,
        Command::Completions { .. } => Ok(()), // handled before the runtime starts
    }
}
