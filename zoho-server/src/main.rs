//! The `zoho-server` command line; everything it does lives in `zoho_server::cli`.

use std::process::ExitCode;

use clap::Parser;

// The server allocates a little for every call (request and response bodies, JSON values, the
// upstream HTTP exchange); glibc's malloc showed up as over 12% of its profile under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = zoho_server::cli::Cli::parse();
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    // Read here, so a bad value is an error that names it instead of tokio's panic.
    match zoho_server::cli::worker_threads() {
        Ok(Some(threads)) => {
            builder.worker_threads(threads);
        }
        Ok(None) => {}
        Err(err) => {
            eprintln!("zoho-server: {err}");
            return ExitCode::FAILURE;
        }
    }
    match builder.enable_all().build() {
        Ok(runtime) => runtime.block_on(zoho_server::cli::run(cli)),
        Err(err) => {
            eprintln!("zoho-server: cannot start the async runtime: {err}");
            ExitCode::FAILURE
        }
    }
}
