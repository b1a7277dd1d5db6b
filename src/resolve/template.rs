//! Sandboxed minijinja templating of spec values and overlay patches.
//!
//! The context holds only `spec`, `env`, `vars`, `params` and `env_var`
//! (allow-listed process variables). There is no template loader, so no
//! `include`/`import`/`extends`; no clock, no randomness, no network. Undefined
//! names are errors.
//!
//! Every render is bounded: its source (length, operators per tag: the parser
//! and compiler recurse on them), its fuel (instructions and the data it
//! creates), its output and the depth and size of the values it hands out;
//! one [`Templater`] also caps the fuel and output of all its renders (one
//! build). The context is built once per batch of values and `spec` is a view
//! of the tree, so cost grows with what templates read, not with the spec.
//!
//! Knows nothing of merging or overlays: it turns strings into values.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use minijinja::value::{Serde, ValueKind};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, State, UndefinedBehavior, Value};
use serde::Serialize;
use serde_json::Value as Json;

use crate::load::node::{LayerId, Node, Pos, Value as NodeValue};

use super::tree::{self, child_path};

/// Work one render may do: about one fuel per instruction plus one per 64
/// bytes of data it creates (minijinja 3), so it bounds time and memory
/// (about 4 MB), and how deep a value a loop can nest (about 10 000 levels,
/// which minijinja's recursive printing and comparing survive).
pub(crate) const FUEL: u64 = 60_000;
/// Fuel all the templates of one build may use together.
pub(crate) const TOTAL_FUEL: u64 = 20_000_000;
/// Nesting limit of template statements and calls at run time.
const RECURSION_LIMIT: usize = 64;
/// Largest text (or JSON of a value) one render may produce.
pub(crate) const MAX_OUTPUT: usize = 1 << 20;
/// Output all the templates of one build may produce together.
pub(crate) const TOTAL_OUTPUT: usize = 16 << 20;
/// Longest template text.
pub(crate) const MAX_SOURCE: usize = 64 << 10;
/// Most operators, brackets, dots and filters in one `{{ }}` or `{% %}` tag:
/// each can add a level to the syntax tree, which minijinja builds, compiles
/// and drops recursively.
pub(crate) const MAX_TAG_OPERATORS: usize = 500;
/// Deepest list or mapping a template may print or hand out.
pub(crate) const MAX_VALUE_DEPTH: usize = 64;
/// Longest message quoted from a template (`fail("...")`, error details).
const MAX_MESSAGE: usize = 500;
/// Where a lone expression's value is kept while it renders.
const VALUE_SLOT: &str = "__rayc_value";

/// What templates can see.
#[derive(Clone, Debug, Default)]
pub(crate) struct Scope {
    /// The spec document being resolved (as far as it is resolved), a
    /// `SpecView` of the tree.
    pub spec: Value,
    /// `{name}` of the environment; left out when there is none.
    pub env: Option<EnvInfo>,
    pub vars: BTreeMap<String, Json>,
    /// Parameters, inside overlays only.
    pub params: Option<BTreeMap<String, Json>>,
    /// Allow-listed process variables that are set.
    pub env_var: BTreeMap<String, String>,
    /// The target KubeRay version: `{version: "v1.7", minor: 7}`, so overlays
    /// can use a field only where the operator has it.
    pub kuberay: KubeRayInfo,
}

impl Scope {
    /// The template context: built once, shared by every value of a batch.
    pub fn context(&self) -> Value {
        let mut ctx = BTreeMap::new();
        ctx.insert("spec", self.spec.clone());
        if let Some(env) = &self.env {
            ctx.insert("env", Value::from(Serde(env)));
        }
        ctx.insert("vars", Value::from(Serde(&self.vars)));
        if let Some(params) = &self.params {
            ctx.insert("params", Value::from(Serde(params)));
        }
        ctx.insert("env_var", Value::from(Serde(&self.env_var)));
        ctx.insert("kuberay", Value::from(Serde(&self.kuberay)));
        Value::from(ctx)
    }
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

impl TemplateError {
    fn new(message: impl Into<String>) -> TemplateError {
        TemplateError {
            message: message.into(),
            line: None,
        }
    }
}

/// The sandboxed environment and the budget of one build; build once, render many.
/// Shared by the threads that resolve specs: the budget is atomic, and
/// [`Templater::ran_out`] tells when it ran out (then which render it stopped
/// depends on thread timing, and the caller renders again in order from a
/// [`Budget`] mark).
pub(crate) struct Templater {
    env: Environment<'static>,
    fuel_left: AtomicU64,
    output_left: AtomicUsize,
}

/// What was left of a [`Templater`]'s budget at one point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Budget {
    fuel: u64,
    output: usize,
}

impl fmt::Debug for Templater {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Templater")
            .field("budget", &self.budget())
            .finish_non_exhaustive()
    }
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
        // Printing a value walks it recursively: refuse deep ones first.
        env.set_formatter(|out, state, value| {
            bounded_size(state, value, MAX_OUTPUT)?;
            minijinja::escape_formatter(out, state, value)
        });
        // `debug()` dumps the whole context, allow-listed secrets included.
        env.remove_global("debug");
        env.add_filter("tojson", tojson);
        env.add_filter("string", string);
        env.add_function("fail", fail);
        Templater {
            env,
            fuel_left: AtomicU64::new(TOTAL_FUEL),
            output_left: AtomicUsize::new(TOTAL_OUTPUT),
        }
    }

    /// Compiles a text template once for every later render of the same
    /// text (an overlay's `patch`, used by many specs and environments). A
    /// text past the source limits or that does not compile is left out: it
    /// fails when rendered, with its message.
    pub fn precompile(&mut self, source: &str) {
        if check_source(source).is_ok() {
            let _ = self
                .env
                .add_template_owned(source.to_owned(), source.to_owned());
        }
    }

    /// What is left of the build's budget now.
    pub fn budget(&self) -> Budget {
        Budget {
            fuel: self.fuel_left.load(Ordering::Relaxed),
            output: self.output_left.load(Ordering::Relaxed),
        }
    }

    /// Puts the budget back to a mark taken before a batch of renders.
    pub fn restore(&self, mark: Budget) {
        self.fuel_left.store(mark.fuel, Ordering::Relaxed);
        self.output_left.store(mark.output, Ordering::Relaxed);
    }

    /// The budget is used up: a render was refused, or the next one would be.
    /// While it is not, every render ran with its own limits only, so renders
    /// in any order (on any thread) give what renders in order give.
    pub fn ran_out(&self) -> bool {
        let left = self.budget();
        left.fuel == 0 || left.output == 0
    }

    /// Renders a whole text template (an overlay's `patch` text).
    pub fn render_text(&self, source: &str, ctx: &Value) -> Result<String, TemplateError> {
        self.run(source, ctx, |_| Ok(((), 0)))
            .map(|(text, ())| text)
    }

    /// Renders one string value. `None`: the string has no template syntax.
    /// A string that is exactly one `{{ expr }}` keeps the expression's type.
    pub fn render_value(&self, source: &str, ctx: &Value) -> Result<Option<Json>, TemplateError> {
        if !has_template_syntax(source) {
            return Ok(None);
        }
        let Some(expr) = single_expression(source) else {
            return self
                .run(source, ctx, |_| Ok(((), 0)))
                .map(|(text, ())| Some(Json::String(text)));
        };
        // `set` keeps the value; the state it lives in reports the fuel used.
        let wrapped = format!("{{% set {VALUE_SLOT} = {expr} %}}");
        let (_, json) = self.run(&wrapped, ctx, |state| {
            let value = state.lookup(VALUE_SLOT).unwrap_or_default();
            if value.is_undefined() {
                return Err(TemplateError {
                    message: format!("`{}` is undefined", expr.trim()),
                    line: Some(1),
                });
            }
            let size = bounded_size(state, &value, MAX_OUTPUT).map_err(|e| describe(&e))?;
            let json = serde_json::to_value(&value).map_err(|e| TemplateError {
                message: format!("the value of `{}` cannot be used: {e}", expr.trim()),
                line: Some(1),
            })?;
            Ok((json, size))
        })?;
        Ok(Some(json))
    }

    /// Renders `source` within every limit, then `inspect`s the final state
    /// for a value and its size in bytes. Charges the build's budget.
    fn run<T>(
        &self,
        source: &str,
        ctx: &Value,
        inspect: impl FnOnce(&State) -> Result<(T, usize), TemplateError>,
    ) -> Result<(String, T), TemplateError> {
        if self.ran_out() {
            return Err(TemplateError::new(budget_spent()));
        }
        let template = match self.env.get_template(source) {
            Ok(precompiled) => precompiled,
            Err(_) => {
                check_source(source)?;
                self.env
                    .template_from_str(source)
                    .map_err(|e| describe(&e))?
            }
        };
        let mut out = CappedWriter::default();
        let (fuel, result) = match template.render_captured_to(ctx.clone(), &mut out) {
            Ok(captured) => {
                let state = captured.state();
                let fuel = state.fuel_levels().map_or(FUEL, |(used, _)| used);
                (fuel, inspect(state))
            }
            // What a failed render used is unknown: charge all it could.
            Err(_) if out.overflowed => (FUEL, Err(too_large())),
            Err(e) => (FUEL, Err(describe(&e))),
        };
        let size = out.text.len() + result.as_ref().map_or(0, |(_, size)| *size);
        let charge_fuel = |left: u64| Some(left.saturating_sub(fuel));
        let charge_output = |left: usize| Some(left.saturating_sub(size));
        // `fetch_update` with a closure that always returns `Some` cannot fail.
        let _ = self
            .fuel_left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, charge_fuel);
        let _ = self
            .output_left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, charge_output);
        let (value, _) = result?;
        let text = String::from_utf8(out.text)
            .map_err(|_| TemplateError::new("the rendered text is not valid UTF-8"))?;
        Ok((text, value))
    }
}

/// Said once per tree: every later value fails the same way.
fn budget_spent() -> String {
    format!(
        "the templates of this build exceed their total budget ({TOTAL_FUEL} fuel, {TOTAL_OUTPUT} bytes of output); use fewer or simpler templates"
    )
}

fn too_large() -> TemplateError {
    TemplateError::new(format!(
        "the rendered text is larger than {MAX_OUTPUT} bytes"
    ))
}

/// Collects rendered text, failing the render past `MAX_OUTPUT` bytes.
#[derive(Default)]
struct CappedWriter {
    text: Vec<u8>,
    overflowed: bool,
}

impl io::Write for CappedWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.text.len() + buf.len() > MAX_OUTPUT {
            self.overflowed = true;
            return Err(io::Error::other("output limit"));
        }
        self.text.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One templating failure in a tree: where, and what.
#[derive(Clone, Debug)]
pub(crate) struct TreeError {
    pub pos: Pos,
    pub path: String,
    pub layer: LayerId,
    pub error: TemplateError,
}

/// Renders every string of `node` in place, value by value, collecting errors.
/// Mapping keys are not templated.
pub(crate) fn render_tree(
    templater: &Templater,
    node: &mut Node,
    path: &str,
    scope: &Scope,
    errors: &mut Vec<TreeError>,
) {
    render_node(templater, node, path, &scope.context(), errors);
}

fn render_node(
    templater: &Templater,
    node: &mut Node,
    path: &str,
    ctx: &Value,
    errors: &mut Vec<TreeError>,
) {
    match &mut node.value {
        NodeValue::Str(s) => match templater.render_value(s, ctx) {
            Ok(None) => {}
            Ok(Some(json)) => *node = tree::from_json(&json, node.pos, node.layer),
            Err(error)
                if error.message == budget_spent()
                    && errors.iter().any(|e| e.error.message == error.message) => {}
            Err(error) => errors.push(TreeError {
                pos: node.pos,
                path: path.to_owned(),
                layer: node.layer,
                error,
            }),
        },
        NodeValue::Seq(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                render_node(templater, item, &format!("{path}[{i}]"), ctx, errors);
            }
        }
        NodeValue::Map(entries) => {
            for e in entries.iter_mut() {
                let p = child_path(path, &e.key);
                render_node(templater, &mut e.value, &p, ctx, errors);
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

/// Refuses template text minijinja could not parse within its stack: too
/// long, or a tag with too many tokens (operators, dots, filters, brackets,
/// names), each of which may nest the syntax tree one level deeper.
fn check_source(source: &str) -> Result<(), TemplateError> {
    if source.len() > MAX_SOURCE {
        return Err(TemplateError {
            message: format!("the template is longer than {MAX_SOURCE} bytes"),
            line: Some(1),
        });
    }
    let bytes = source.as_bytes();
    let mut line = 1;
    let mut i = 0;
    while i < bytes.len() {
        let (open, next) = (bytes[i], bytes.get(i + 1).copied());
        if open == b'\n' {
            line += 1;
        }
        if open != b'{' || !matches!(next, Some(b'{' | b'%' | b'#')) {
            i += 1;
            continue;
        }
        let tag_line = line;
        let close = match next {
            Some(b'{') => b'}',
            Some(b'%') => b'%',
            _ => b'#',
        };
        i += 2;
        let (mut tokens, mut depth, mut quote, mut in_word) = (0usize, 0usize, None, false);
        while i < bytes.len() {
            let c = bytes[i];
            if c == b'\n' {
                line += 1;
            }
            i += 1;
            if close == b'#' {
                if c == b'#' && bytes.get(i) == Some(&b'}') {
                    i += 1;
                    break;
                }
                continue;
            }
            if let Some(q) = quote {
                if c == b'\\' {
                    i += 1;
                } else if c == q {
                    quote = None;
                }
                continue;
            }
            if c == close && depth == 0 && bytes.get(i) == Some(&b'}') {
                i += 1;
                break;
            }
            let word = c.is_ascii_alphanumeric() || c == b'_';
            match c {
                b'"' | b'\'' => quote = Some(c),
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
            if (word && !in_word) || (!word && !c.is_ascii_whitespace()) {
                tokens += 1;
            }
            in_word = word;
            if tokens > MAX_TAG_OPERATORS {
                return Err(TemplateError {
                    message: format!(
                        "a template tag has more than {MAX_TAG_OPERATORS} operators and names; split the expression (`{{% set part = ... %}}`)"
                    ),
                    line: Some(tag_line),
                });
            }
        }
    }
    Ok(())
}

/// `s`, shortened to `MAX_MESSAGE` bytes.
fn clip(s: &str) -> String {
    if s.len() <= MAX_MESSAGE {
        return s.to_owned();
    }
    let mut end = MAX_MESSAGE;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &s[..end], s.len())
}

/// A message that says what failed and quotes the template text at fault.
fn describe(err: &Error) -> TemplateError {
    let what = match err.kind() {
        ErrorKind::UndefinedError => "undefined value".to_owned(),
        // Built without a loader, minijinja does not know these statements.
        ErrorKind::SyntaxError
            if ["include", "import", "from", "extends"]
                .iter()
                .any(|s| err.detail() == Some(&format!("unknown statement {s}"))) =>
        {
            "templates cannot include, import or extend other files".to_owned()
        }
        ErrorKind::SyntaxError => "syntax error".to_owned(),
        ErrorKind::OutOfFuel => format!(
            "the template does too much work (more than {FUEL} fuel: a loop or a value too large?)"
        ),
        ErrorKind::TemplateNotFound | ErrorKind::BadInclude => {
            "templates cannot include, import or extend other files".to_owned()
        }
        ErrorKind::UnknownFunction => "unknown function".to_owned(),
        ErrorKind::UnknownFilter => "unknown filter".to_owned(),
        ErrorKind::UnknownTest => "unknown test".to_owned(),
        _ => String::new(),
    };
    let detail = clip(err.detail().unwrap_or_default());
    let message = match (what.is_empty(), detail.is_empty()) {
        (false, false) => format!("{what}: {detail}"),
        (false, true) => what,
        (true, false) => detail,
        (true, true) => err.kind().to_string(),
    };
    TemplateError {
        message,
        line: err.line(),
    }
}

/// The size of `value` as JSON, about, when it is at most `max` bytes and
/// `MAX_VALUE_DEPTH` deep (walked no deeper); one fuel per item.
fn bounded_size(state: &State, value: &Value, max: usize) -> Result<usize, Error> {
    fn walk(value: &Value, depth: usize, left: &mut usize, items: &mut u64) -> Result<(), Error> {
        *items += 1;
        let kind = value.kind();
        let own = match kind {
            ValueKind::String => value.as_str().map_or(0, str::len) + 2,
            ValueKind::Bytes => value.as_bytes().map_or(0, <[u8]>::len),
            _ => 8,
        };
        *left = left.checked_sub(own).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidOperation,
                format!("the value is larger than {MAX_OUTPUT} bytes"),
            )
        })?;
        if !matches!(kind, ValueKind::Seq | ValueKind::Map | ValueKind::Iterable) {
            return Ok(());
        }
        if depth >= MAX_VALUE_DEPTH {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("the value is nested more than {MAX_VALUE_DEPTH} levels deep"),
            ));
        }
        for item in value.try_iter()? {
            walk(&item, depth + 1, left, items)?;
            if kind == ValueKind::Map {
                walk(&value.get_item(&item)?, depth + 1, left, items)?;
            }
        }
        Ok(())
    }
    let (mut left, mut items) = (max, 0);
    let walked = walk(value, 0, &mut left, &mut items);
    state.consume_fuel(items)?;
    walked.map(|()| max - left)
}

/// `{{ value | tojson }}`: compact JSON, which is also valid YAML flow syntax.
fn tojson(state: &State, value: &Value) -> Result<Value, Error> {
    bounded_size(state, value, MAX_OUTPUT)?;
    let json = serde_json::to_string(value).map_err(|e| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("cannot convert to JSON: {e}"),
        )
    })?;
    Ok(Value::from_safe_string(json))
}

/// `|string`, refusing a value too deep or large to print.
fn string(state: &State, value: &Value) -> Result<Value, Error> {
    if value.kind() == ValueKind::String {
        return Ok(value.clone());
    }
    bounded_size(state, value, MAX_OUTPUT)?;
    Ok(Value::from(value.to_string()))
}

/// `{{ fail("message") }}`: stops with the overlay author's message.
fn fail(message: &str) -> Result<Value, Error> {
    Err(Error::new(ErrorKind::InvalidOperation, clip(message)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> Value {
        let scope = Scope {
            vars: BTreeMap::from([("x".to_owned(), Json::from("y"))]),
            ..Scope::default()
        };
        scope.context()
    }

    #[test]
    fn a_precompiled_text_renders_and_charges_as_the_text_does() {
        let good = "a: {{ vars.x }}\n{% for i in range(3) %}- {{ i }}\n{% endfor %}";
        let broken = "a: {{ vars.x ";
        let undefined = "a: {{ nope }}";
        for source in [good, broken, undefined] {
            let plain = Templater::new();
            let mut precompiled = Templater::new();
            precompiled.precompile(source);
            assert_eq!(
                plain.render_text(source, &context()),
                precompiled.render_text(source, &context()),
                "{source}"
            );
            assert_eq!(plain.budget(), precompiled.budget(), "{source}");
        }
        assert_eq!(
            Templater::new().render_text(good, &context()),
            Ok("a: y\n- 0\n- 1\n- 2\n".to_owned())
        );
    }

    #[test]
    fn the_budget_runs_out_and_a_mark_restores_it() {
        let templater = Templater::new();
        let mark = templater.budget();
        assert!(!templater.ran_out());
        let busy = "{% for i in range(12000) %}{% endfor %}x";
        let mut refused = 0;
        for _ in 0..1000 {
            if templater.render_text(busy, &context()).is_err() {
                refused += 1;
            }
        }
        assert!(templater.ran_out());
        assert!(refused > 0);
        templater.restore(mark);
        assert!(!templater.ran_out());
        assert_eq!(templater.render_text(busy, &context()), Ok("x".to_owned()));
    }
}
