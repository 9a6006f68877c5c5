//! The `wiresift` binary: everything lives in the library; `main` only owns the exit code.

fn main() -> std::process::ExitCode {
    wiresift::cli::main()
}
