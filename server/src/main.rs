//! `ward`: the whole identity provider in one binary.
use clap::Parser;
use server::cli::{Cli, Command};
use server::config::Config;
use server::startup::Application;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::from_env()?;
    server::telemetry::init(&config.log_level, config.log_json);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => Application::build(config).await?.run_until_stopped().await,
        other => server::cli::run(other, config).await,
    }
}
