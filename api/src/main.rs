use std::process::ExitCode;

fn main() -> ExitCode {
    qcdc::cli::run()
}
