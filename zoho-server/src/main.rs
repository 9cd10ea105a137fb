//! The `zoho-server` command line; everything it does lives in `zoho_server::cli`.

use std::process::ExitCode;

use clap::Parser;

// The server allocates a little for every call (request and response bodies, JSON values, the
// upstream HTTP exchange); glibc's malloc showed up as over 12% of its profile under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = zoho_server::cli::Cli::parse();
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(zoho_server::cli::run(cli)),
        Err(err) => {
            eprintln!("zoho-server: cannot start the async runtime: {err}");
            ExitCode::FAILURE
        }
    }
}
