//! Provenance: for the fields `lower` writes into an object, the position of
//! the spec node each came from (as `resolve` keeps the source of every spec
//! value). A finding on a compiled object is placed at the longest recorded
//! prefix of its path, so it points at the spec line that caused it.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::list_key;
use crate::diag::FieldPath;
use crate::diag::path::Seg;
use crate::load::node::{Node, Pos, Value};

/// Output path → spec position, for one lowered object.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Provenance {
    at: BTreeMap<FieldPath, Pos>,
}

impl Provenance {
    /// `out` came from the spec node at `pos`; later records of a path win.
    pub(super) fn record(&mut self, out: FieldPath, pos: Option<Pos>) {
        if let Some(pos) = pos.filter(|p| *p != Pos::UNKNOWN) {
            self.at.insert(out, pos);
        }
    }

    /// Records every node of a pass-through fragment (`template`, `kuberay`,
    /// a volume `source`) merged into the output at `out`: `fragment` is the
    /// spec node, `output` the value the object holds at `out`. List items
    /// that merge by name are found by name, as `merge_json` put them.
    pub(super) fn fragment(&mut self, out: &FieldPath, fragment: &Node, output: Option<&Json>) {
        match &fragment.value {
            Value::Map(entries) => {
                for e in entries {
                    let path = out.key(&e.key);
                    self.record(path.clone(), Some(e.key_pos));
                    self.fragment(&path, &e.value, output.and_then(|o| o.get(&e.key)));
                }
            }
            Value::Seq(items) => {
                let placed = output.and_then(Json::as_array);
                let json: Vec<Json> = items.iter().map(Node::to_json).collect();
                let key = list_key(&json);
                for (i, (item, value)) in items.iter().zip(&json).enumerate() {
                    let index = match (key, placed) {
                        (Some(k), Some(placed)) => placed
                            .iter()
                            .position(|p| p.get(k) == value.get(k))
                            .unwrap_or(i),
                        _ => i,
                    };
                    let path = out.index(index);
                    self.record(path.clone(), Some(item.pos));
                    self.fragment(&path, item, placed.and_then(|p| p.get(index)));
                }
            }
            _ => {}
        }
    }

    /// The spec position for a finding at `path` of the object: that of the
    /// longest recorded prefix.
    pub fn locate(&self, path: &FieldPath) -> Option<Pos> {
        let segs = path.segments();
        (0..=segs.len()).rev().find_map(|n| {
            let prefix = segs[..n].iter().fold(FieldPath::root(), |p, s| match s {
                Seg::Key(k) => p.key(k),
                Seg::Index(i) => p.index(*i),
            });
            self.at.get(&prefix).copied()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_recorded_prefix_places_a_path() {
        let mut p = Provenance::default();
        let at = |line| Some(Pos { line, col: 1 });
        p.record(FieldPath::root(), at(1));
        p.record(FieldPath::parse("spec.a"), at(2));
        p.record(FieldPath::parse("spec.a.b[0]"), at(3));
        p.record(FieldPath::parse("spec.x"), Some(Pos::UNKNOWN));
        assert_eq!(p.locate(&FieldPath::parse("spec.a.b[0].c")), at(3));
        assert_eq!(p.locate(&FieldPath::parse("spec.a.b[1]")), at(2));
        assert_eq!(p.locate(&FieldPath::parse("spec.x")), at(1));
    }

    #[test]
    fn fragment_items_that_merge_by_name_are_found_by_name() {
        let text = "containers:\n- name: side\n  image: s\n";
        let node: Node = serde_saphyr::from_str(text).unwrap();
        let output =
            serde_json::json!({"containers": [{"name": "ray"}, {"name": "side", "image": "s"}]});
        let mut p = Provenance::default();
        p.fragment(&FieldPath::parse("t"), &node, Some(&output));
        assert_eq!(
            p.locate(&FieldPath::parse("t.containers[1].image")),
            Some(Pos { line: 3, col: 3 })
        );
        assert_eq!(
            p.locate(&FieldPath::parse("t.containers[0].image")),
            Some(Pos { line: 1, col: 1 })
        );
    }
}
