use std::process::ExitCode;

// Every request builds and drops many small values (rows, GraphQL values, JSON) on several
// threads; glibc's allocator spent a quarter of the server's CPU on them under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    qcdc::cli::run()
}
