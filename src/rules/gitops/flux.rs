//! `${…}` that Flux post-build substitution would replace.

use crate::rules::registry::Check;
use crate::rules::view::walk_strings;
use crate::rules::{GitOps, Input, Sink};

const DISABLE_ANNOTATION: &str = "kustomize.toolkit.fluxcd.io/substitute";

/// The first `${…}` not escaped as `$${…}`.
fn substitution(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    text.match_indices("${").find_map(|(i, _)| {
        if i > 0 && b[i - 1] == b'$' {
            return None;
        }
        let end = text[i..].find('}').map_or(text.len(), |e| i + e + 1);
        text.get(i..end)
    })
}

declare_rule! {
    /// ## What it does
    /// When the project syncs with Flux, flags `${…}` in any string of an
    /// object (entrypoints, runtime environments, shell scripts in
    /// ConfigMaps, env values) unless the object opts out with
    /// `kustomize.toolkit.fluxcd.io/substitute: disabled`.
    ///
    /// ## Why is this bad?
    /// Flux's post-build substitution replaces every `${VAR}` in the
    /// manifests it applies, with an empty string when the variable is not
    /// defined: `echo ${HOME}` in an entrypoint silently becomes `echo `.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   entrypoint: python train.py --out ${OUTPUT_DIR}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   entrypoint: python train.py --out $${OUTPUT_DIR}
    /// ```
    /// or annotate the object with `kustomize.toolkit.fluxcd.io/substitute: disabled`.
    ///
    /// ## References
    /// - [Flux post-build variable substitution](https://fluxcd.io/flux/components/kustomize/kustomizations/#post-build-variable-substitution)
    pub(crate) struct FluxSubstitution;
}

impl Check for FluxSubstitution {
    fn check(input: &Input, sink: &mut Sink) {
        if input.ctx.gitops != GitOps::Flux {
            return;
        }
        for obj in input.objects {
            if obj
                .annotation(DISABLE_ANNOTATION)
                .is_some_and(|v| v.eq_ignore_ascii_case("disabled"))
            {
                continue;
            }
            let mut found = Vec::new();
            walk_strings(obj.node, "", &mut |node, path, text| {
                if let Some(var) = substitution(text) {
                    found.push((node.pos, path.to_owned(), var.to_owned()));
                }
            });
            for (pos, path, var) in found {
                sink.report(
                    obj,
                    pos,
                    path,
                    format!("`{var}` would be replaced by Flux post-build substitution (empty if undefined)"),
                    format!("escape it as `${var}`, or annotate the object with {DISABLE_ANNOTATION}: disabled"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::substitution;

    #[test]
    fn finds_unescaped_substitutions() {
        assert_eq!(substitution("echo ${HOME}/x"), Some("${HOME}"));
        assert_eq!(substitution("echo $${HOME}"), None);
        assert_eq!(substitution("echo $HOME"), None);
        assert_eq!(substitution("a $${X} b ${Y:=1}"), Some("${Y:=1}"));
    }
}
