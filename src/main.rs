//! The `rayc` binary: everything lives in the library (`cli::run`).

// rayc allocates many small, short-lived values (trees, strings, maps): with
// mimalloc a large build takes about a sixth less CPU than with glibc's malloc
// (docs/adr/0007).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    rayc::cli::run()
}
