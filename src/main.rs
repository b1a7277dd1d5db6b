//! The `rayc` binary: everything lives in the library (`cli::run`).

fn main() -> std::process::ExitCode {
    rayc::cli::run()
}
