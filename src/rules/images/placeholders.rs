//! Unexpanded `$VAR` / `${VAR}` placeholders in image references.

use crate::rules::registry::Check;
use crate::rules::view::{child, clusters};
use crate::rules::{Input, Sink};

/// The first `$VAR`, `${VAR}` or `$(VAR)` in `text`.
pub(crate) fn find_placeholder(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    for (i, _) in text.match_indices('$') {
        let rest = &bytes[i + 1..];
        let len = match rest.first() {
            Some(b'{') => rest.iter().position(|b| *b == b'}').map(|e| e + 2),
            Some(b'(') => rest.iter().position(|b| *b == b')').map(|e| e + 2),
            Some(b) if b.is_ascii_alphabetic() || *b == b'_' => Some(
                rest.iter()
                    .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                    .count()
                    + 1,
            ),
            _ => None,
        };
        if let Some(len) = len {
            return text.get(i..i + len);
        }
    }
    None
}

declare_rule! {
    /// ## What it does
    /// Flags an image reference that still contains a placeholder such as
    /// `$REGISTRY`, `${TAG}` or `$(TAG)`.
    ///
    /// ## Why is this bad?
    /// Kubernetes does not expand variables in `image`; the kubelet tries to
    /// pull the literal text and the pod hangs in `InvalidImageName` or
    /// `ErrImagePull`. Usually a templating step was skipped.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: ray-head
    ///     image: ${REGISTRY}/ray:2.52.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// containers:
    ///   - name: ray-head
    ///     image: registry.example.com/ray:2.52.0
    /// ```
    /// (in a rayc spec, write `{{ vars.registry }}/ray:2.52.0`: rayc expands it).
    pub(crate) struct ImagePlaceholder;
}

impl Check for ImagePlaceholder {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            let mut images = Vec::new();
            if let Some(n) =
                child(cluster.spec, "autoscalerOptions").and_then(|a| child(a, "image"))
            {
                images.push((n, cluster.at("autoscalerOptions.image")));
            }
            for group in cluster.groups() {
                for c in group
                    .init_containers()
                    .into_iter()
                    .chain(group.containers())
                {
                    if let Some(n) = c.image() {
                        images.push((n, c.at("image")));
                    }
                }
            }
            for (node, path) in images {
                let Some(image) = node.as_str() else { continue };
                if let Some(var) = find_placeholder(image) {
                    sink.report(
                        cluster.obj,
                        node.pos,
                        path,
                        format!("image `{image}` contains the unexpanded placeholder `{var}`"),
                        "write the full image reference; Kubernetes does not expand variables in images",
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::find_placeholder;

    #[test]
    fn finds_placeholders() {
        assert_eq!(
            find_placeholder("${REGISTRY}/ray:2.52.0"),
            Some("${REGISTRY}")
        );
        assert_eq!(find_placeholder("ray:$TAG"), Some("$TAG"));
        assert_eq!(find_placeholder("ray:$(TAG)"), Some("$(TAG)"));
        assert_eq!(find_placeholder("rayproject/ray:2.52.0"), None);
        assert_eq!(find_placeholder("odd$"), None);
    }
}
