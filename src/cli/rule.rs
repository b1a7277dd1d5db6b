//! `rayc rule CODE`: the documentation page of any code (the text of
//! `docs/rules/CODE.md` or `docs/codes/CODE.md`).

use super::EXIT_USAGE;
use crate::diag::codes;
use crate::rules::docs;

#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "Examples:
  rayc rule RAY201
  rayc rule min-above-max
  rayc rule RAY101")]
pub struct RuleArgs {
    /// A code (`RAY201`, any case) or a rule name (`min-above-max`).
    #[arg(value_name = "CODE")]
    pub code: String,
}

pub fn run(args: &RuleArgs) -> u8 {
    if let Some(info) = codes::lookup(&args.code) {
        return super::write_stdout(docs::code_page(&info).as_bytes());
    }
    eprintln!("error: unknown code or rule `{}`", args.code);
    match suggest(&args.code) {
        Some(near) => eprintln!("  = help: did you mean `{near}`?"),
        None => {
            eprintln!(
                "  = help: codes look like RAY201; see docs/rules/README.md and docs/codes/README.md"
            )
        }
    }
    EXIT_USAGE
}

/// Every name `--ignore` and `rayc rule` accept: codes and rule names.
pub fn known_names() -> Vec<&'static str> {
    let mut names = Vec::new();
    for info in codes::all() {
        names.push(info.code.as_str());
        if info.rule.is_some() {
            names.push(info.name);
        }
    }
    names
}

/// The closest known code or rule name, when one is close enough.
pub fn suggest(given: &str) -> Option<&'static str> {
    let wanted = given.trim();
    known_names()
        .into_iter()
        .map(|name| {
            let distance = if name.starts_with("RAY") {
                strsim::levenshtein(&wanted.to_ascii_uppercase(), name)
            } else {
                strsim::levenshtein(wanted, name)
            };
            (distance, name)
        })
        .filter(|(d, name)| *d <= (name.len() / 3).max(1))
        .min()
        .map(|(_, name)| name)
}
