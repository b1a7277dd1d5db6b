//! The `rayc` binary: everything lives in the library (`cli::run`).

// rayc allocates many small, short-lived values (trees, strings, maps); mimalloc
// spends about a third of what glibc's malloc does on them (docs/adr/0007).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    rayc::cli::run()
}
