//! `rayc completions SHELL`: a completion script from clap's own command tree.

use clap::CommandFactory;

use super::Cli;

#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "Examples:
  rayc completions bash > ~/.local/share/bash-completion/completions/rayc
  rayc completions zsh > \"${fpath[1]}/_rayc\"
  rayc completions fish > ~/.config/fish/completions/rayc.fish
  rayc completions powershell >> $PROFILE")]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

pub fn run(args: &CompletionsArgs) -> u8 {
    let shell = match args.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::Powershell => clap_complete::Shell::PowerShell,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "rayc", &mut script);
    super::write_stdout(&script)
}
