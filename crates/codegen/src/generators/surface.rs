//! The public methods every language shows, derived once from the spec:
//! each operation's own method (`x-sdk-group` / `x-sdk-method`) plus one per
//! `x-sdk-also` entry, and the group tree they hang in. Generators add only
//! what is language-specific (names, types, options).
use crate::{Api, Location, Operation};
use heck::ToLowerCamelCase;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What a public method does with its operation.
#[derive(Debug, Clone)]
pub enum Kind {
    Call,
    /// Stream items (`chat_chunks`, `log_lines`).
    Stream(String),
    /// A stream gathered into one reply.
    Collect(String),
    Paginate(Map<String, Value>),
    Multipart,
    /// A hand-written helper of the language's runtime (`deploy_folder`).
    Helper(String),
}

impl Kind {
    pub fn label(&self) -> &'static str {
        match self {
            Kind::Call => "call",
            Kind::Stream(_) => "stream",
            Kind::Collect(_) => "collect",
            Kind::Paginate(_) => "paginate",
            Kind::Multipart => "multipart",
            Kind::Helper(_) => "helper",
        }
    }
}

/// One public method.
#[derive(Debug, Clone)]
pub struct PublicMethod<'a> {
    pub group: String,
    /// snake_case, as in the spec.
    pub name: String,
    pub op: &'a Operation,
    pub kind: Kind,
    /// Which non-path params the method takes as options: `None` takes none;
    /// `Some(excluded)` takes all but these wire names.
    pub options_excluding: Option<Vec<String>>,
    /// Wire params always sent (from `x-sdk-also` params).
    pub fixed: Map<String, Value>,
    pub summary: String,
    pub description: String,
}

impl PublicMethod<'_> {
    /// Path params in path order: (wire name, schema, description).
    pub fn path_params(&self) -> Vec<(&str, &Value, &str)> {
        self.op.params.iter().filter(|p| p.location == Location::Path).map(|p| (p.name.as_str(), &p.schema, p.description.as_str())).collect()
    }
}

/// Every public method, in spec order. `helpers` are the helper names the
/// language's runtime implements; `lang` names the generator in panics.
pub fn public_methods<'a>(api: &'a Api, helpers: &[&str], lang: &str, helper_home: &str) -> Vec<PublicMethod<'a>> {
    let mut methods = Vec::new();
    for op in &api.operations {
        let when: Vec<String> = op.stream.as_ref().map(|s| s.when.keys().cloned().collect()).unwrap_or_default();
        let kind = if op.multipart {
            Kind::Multipart
        } else if op.is_stream_only() {
            Kind::Stream(op.stream.as_ref().map(|s| s.items.clone()).unwrap_or_default())
        } else if let Some(p) = &op.paginate {
            Kind::Paginate(p.clone())
        } else {
            Kind::Call
        };
        let base = PublicMethod {
            group: op.group.clone(),
            name: op.name.clone(),
            op,
            kind,
            options_excluding: Some(when),
            fixed: Map::new(),
            summary: op.summary.clone(),
            description: op.description.clone(),
        };
        methods.push(base.clone());
        for also in &op.also {
            let items = || op.stream.as_ref().map(|s| s.items.clone()).unwrap_or_else(|| panic!("{lang} codegen: {}: x-sdk-also {} without x-sdk-stream", op.id, also.kind));
            let (kind, options_excluding, fixed) = match also.kind.as_str() {
                "call" => (Kind::Call, None, also.params.clone()),
                "stream" => (Kind::Stream(items()), Some(also.params.keys().cloned().collect()), also.params.clone()),
                "collect" => (Kind::Collect(items()), Some(Vec::new()), also.params.clone()),
                "helper" => {
                    assert!(helpers.contains(&also.method.as_str()), "{lang} codegen: unknown helper `{}` ({}): write it in {helper_home} and list it in HELPERS", also.method, op.id);
                    (Kind::Helper(also.method.clone()), None, Map::new())
                }
                other => panic!("{lang} codegen: {}: unknown x-sdk-also kind `{other}`", op.id),
            };
            methods.push(PublicMethod {
                name: also.method.clone(),
                kind,
                options_excluding,
                fixed,
                summary: also.description.clone(),
                description: format!("Served by `{} {}` (operation `{}`): {}", op.method, op.path, op.id, op.summary),
                ..base.clone()
            });
        }
    }
    methods
}

/// Groups (dotted) to the indices of their methods; every parent group
/// exists too (`n8n` for `n8n.instances`). Panics on a method defined twice,
/// or a method and a subgroup sharing a name.
pub fn group_tree(methods: &[(String, String)], lang: &str) -> BTreeMap<String, Vec<usize>> {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, (group, name)) in methods.iter().enumerate() {
        let parts: Vec<&str> = group.split('.').collect();
        for n in 1..parts.len() {
            groups.entry(parts[..n].join(".")).or_default();
        }
        let list = groups.entry(group.clone()).or_default();
        assert!(!list.iter().any(|&j| methods[j].1 == *name), "{lang} codegen: {group}.{name} is defined twice");
        list.push(i);
    }
    for g in groups.keys() {
        if let Some((parent, child)) = g.rsplit_once('.') {
            if let Some(list) = groups.get(parent) {
                assert!(
                    !list.iter().any(|&j| methods[j].1.to_lower_camel_case() == child.to_lower_camel_case()),
                    "{lang} codegen: {parent}.{child} is both a method and a group"
                );
            }
        }
    }
    groups
}

/// Helpers that belong to a group but to no operation of the spec (each
/// language binds them to its hand-written function): (group, snake_case name).
pub const LOCAL_HELPERS: &[(&str, &str)] = &[("functions", "pack_folder")];

/// The local helpers of `group`.
pub fn local_helpers(group: &str) -> impl Iterator<Item = &'static str> + '_ {
    LOCAL_HELPERS.iter().filter(move |(g, _)| *g == group).map(|(_, n)| *n)
}

/// Each local helper's group exists, and no method or subgroup there has its name.
pub fn check_local_helpers(lang: &str, methods: &[(String, String)], groups: &BTreeMap<String, Vec<usize>>) {
    for (group, name) in LOCAL_HELPERS {
        let list = groups.get(*group).unwrap_or_else(|| panic!("{lang} codegen: local helper {name}: no group {group}"));
        assert!(!list.iter().any(|&i| methods[i].1 == *name), "{lang} codegen: {group}.{name} is both an operation's method and a local helper");
        let subgroup = groups.keys().any(|g| {
            g.strip_prefix(group).and_then(|r| r.strip_prefix('.')).is_some_and(|r| !r.contains('.') && r.to_lower_camel_case() == name.to_lower_camel_case())
        });
        assert!(!subgroup, "{lang} codegen: {group}.{name} is both a group and a local helper");
    }
}
