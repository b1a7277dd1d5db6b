fn main() -> std::process::ExitCode {
    rayc::cli::run()
}
