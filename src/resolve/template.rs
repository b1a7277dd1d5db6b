//! Sandboxed minijinja templating of spec values and overlay patches.
//!
//! The context holds only `spec`, `env`, `vars`, `params` and `env_var`
//! (allow-listed process variables). There is no template loader, so no
//! `include`/`import`/`extends`; no clock, no randomness, no network. Undefined
//! names are errors. Work per render is bounded by fuel.
//!
//! Knows nothing of merging or overlays: it turns strings into values.

use std::collections::BTreeMap;

use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior, Value};
use serde::Serialize;
use serde_json::Value as Json;

use crate::load::node::Pos;

use super::tree::{TNode, TValue, child_path};

/// Instructions one render may run; plenty for real overlays, stops runaway loops.
const FUEL: u64 = 2_000_000;
/// Nesting limit for templates.
const RECURSION_LIMIT: usize = 64;
/// Largest text one render may produce.
pub(crate) const MAX_OUTPUT: usize = 1 << 20;

/// What templates can see.
#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct Scope {
    /// The spec document being resolved (as far as it is resolved).
    pub spec: Json,
    /// `{name}` of the environment; left out when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env: Option<EnvInfo>,
    pub vars: BTreeMap<String, Json>,
    /// Parameters, inside overlays only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<BTreeMap<String, Json>>,
    /// Allow-listed process variables that are set.
    pub env_var: BTreeMap<String, String>,
    /// The target KubeRay version: `{version: "v1.7", minor: 7}`, so overlays
    /// can use a field only where the operator has it.
    pub kuberay: KubeRayInfo,
}

#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct KubeRayInfo {
    pub version: String,
    pub minor: u32,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct EnvInfo {
    pub name: String,
}

/// A failed render: the message, and the 1-based line in the template text.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TemplateError {
    pub message: String,
    pub line: Option<usize>,
}

/// The sandboxed environment; build once, render many.
pub(crate) struct Templater {
    env: Environment<'static>,
}

impl Default for Templater {
    fn default() -> Self {
        Self::new()
    }
}

impl Templater {
    pub fn new() -> Templater {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| AutoEscape::None);
        env.set_fuel(Some(FUEL));
        env.set_recursion_limit(RECURSION_LIMIT);
        // `debug()` dumps the whole context, allow-listed secrets included.
        env.remove_global("debug");
        env.add_filter("tojson", tojson);
        env.add_function("fail", fail);
        Templater { env }
    }

    /// Renders a whole text template (an overlay's `patch` text).
    pub fn render_text(&self, source: &str, scope: &Scope) -> Result<String, TemplateError> {
        let ctx = Value::from(minijinja::value::Serde(scope));
        let out = self.env.render_str(source, ctx).map_err(|e| describe(&e))?;
        if out.len() > MAX_OUTPUT {
            return Err(TemplateError {
                message: format!("the rendered text is larger than {MAX_OUTPUT} bytes"),
                line: None,
            });
        }
        Ok(out)
    }

    /// Renders one string value. `None`: the string has no template syntax.
    /// A string that is exactly one `{{ expr }}` keeps the expression's type.
    pub fn render_value(&self, source: &str, scope: &Scope) -> Result<Option<Json>, TemplateError> {
        if !has_template_syntax(source) {
            return Ok(None);
        }
        let ctx = Value::from(minijinja::value::Serde(scope));
        if let Some(expr) = single_expression(source) {
            let compiled = self
                .env
                .compile_expression(expr)
                .map_err(|e| describe(&e))?;
            let value = compiled.eval(ctx).map_err(|e| describe(&e))?;
            if value.is_undefined() {
                return Err(TemplateError {
                    message: format!("`{}` is undefined", expr.trim()),
                    line: Some(1),
                });
            }
            let json = serde_json::to_value(&value).map_err(|e| TemplateError {
                message: format!("the value of `{}` cannot be used: {e}", expr.trim()),
                line: Some(1),
            })?;
            return Ok(Some(json));
        }
        let text = self.env.render_str(source, ctx).map_err(|e| describe(&e))?;
        if text.len() > MAX_OUTPUT {
            return Err(TemplateError {
                message: format!("the rendered text is larger than {MAX_OUTPUT} bytes"),
                line: None,
            });
        }
        Ok(Some(Json::String(text)))
    }
}

/// One templating failure in a tree: where, and what.
#[derive(Clone, Debug)]
pub(crate) struct TreeError {
    pub pos: Pos,
    pub path: String,
    pub layer: usize,
    pub error: TemplateError,
}

/// Renders every string of `node` in place, value by value, collecting errors.
/// Mapping keys are not templated.
pub(crate) fn render_tree(
    templater: &Templater,
    node: &mut TNode,
    path: &str,
    scope: &Scope,
    errors: &mut Vec<TreeError>,
) {
    match &mut node.value {
        TValue::Str(s) => match templater.render_value(s, scope) {
            Ok(None) => {}
            Ok(Some(json)) => *node = TNode::from_json(&json, node.pos, node.layer),
            Err(error) => errors.push(TreeError {
                pos: node.pos,
                path: path.to_owned(),
                layer: node.layer,
                error,
            }),
        },
        TValue::Seq(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                render_tree(templater, item, &format!("{path}[{i}]"), scope, errors);
            }
        }
        TValue::Map(entries) => {
            for e in entries.iter_mut() {
                let p = child_path(path, &e.key);
                render_tree(templater, &mut e.value, &p, scope, errors);
            }
        }
        _ => {}
    }
}

pub(crate) fn has_template_syntax(s: &str) -> bool {
    s.contains("{{") || s.contains("{%") || s.contains("{#")
}

/// The expression of a string that is exactly `{{ expr }}` (whitespace control allowed).
fn single_expression(s: &str) -> Option<&str> {
    let inner = s.strip_prefix("{{")?.strip_suffix("}}")?;
    if ["{{", "}}", "{%", "%}", "{#", "#}"]
        .iter()
        .any(|m| inner.contains(m))
    {
        return None;
    }
    let inner = inner.strip_prefix(['-', '+']).unwrap_or(inner);
    let inner = inner.strip_suffix(['-', '+']).unwrap_or(inner);
    (!inner.trim().is_empty()).then_some(inner)
}

/// A message that says what failed and quotes the template text at fault.
fn describe(err: &Error) -> TemplateError {
    let what = match err.kind() {
        ErrorKind::UndefinedError => "undefined value".to_owned(),
        ErrorKind::SyntaxError => "syntax error".to_owned(),
        ErrorKind::OutOfFuel => "the template runs too long (loop too large?)".to_owned(),
        ErrorKind::TemplateNotFound | ErrorKind::BadInclude => {
            "templates cannot include, import or extend other templates".to_owned()
        }
        ErrorKind::UnknownFunction => "unknown function".to_owned(),
        ErrorKind::UnknownFilter => "unknown filter".to_owned(),
        ErrorKind::UnknownTest => "unknown test".to_owned(),
        _ => String::new(),
    };
    let detail = err.detail().unwrap_or_default();
    let message = match (what.is_empty(), detail.is_empty()) {
        (false, false) => format!("{what}: {detail}"),
        (false, true) => what,
        (true, false) => detail.to_owned(),
        (true, true) => err.kind().to_string(),
    };
    TemplateError {
        message,
        line: err.line(),
    }
}

/// `{{ value | tojson }}`: compact JSON, which is also valid YAML flow syntax.
fn tojson(value: &Value) -> Result<Value, Error> {
    let json = serde_json::to_string(value).map_err(|e| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("cannot convert to JSON: {e}"),
        )
    })?;
    Ok(Value::from_safe_string(json))
}

/// `{{ fail("message") }}`: stops with the overlay author's message.
fn fail(message: String) -> Result<Value, Error> {
    Err(Error::new(ErrorKind::InvalidOperation, message))
}
