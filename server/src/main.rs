//! `ward`: the whole identity provider in one binary.
use clap::Parser;
use server::cli::{Cli, Command, OutpostCommand};
use server::config::Config;
use server::protocols::proxy::remote;
use server::startup::{Application, shutdown_signal};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command.unwrap_or(Command::Serve)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {}", server::telemetry::error_report(&e));
            ExitCode::FAILURE
        }
    }
}

/// A signal while starting or during a command ends it early: dropping the future stops an
/// embedded cluster it had started.
async fn run(command: Command) -> anyhow::Result<()> {
    let config = Config::from_env()?;
    server::telemetry::init(&config.log_level, config.log_json);
    let mut stop = Box::pin(shutdown_signal());
    match command {
        Command::Serve => {
            let app = tokio::select! {
                app = Application::build(config) => app?,
                () = &mut stop => return Ok(()),
            };
            app.run_until(stop).await
        }
        Command::Outpost(OutpostCommand::Proxy) => {
            remote::run(remote::RemoteSettings::from_env()?, stop).await
        }
        other => tokio::select! {
            done = server::cli::run(other, config) => done,
            () = &mut stop => anyhow::bail!("interrupted"),
        },
    }
}
