//! The core crate's layers, read from its own source: every `crate::` path outside comments
//! names the top-level module it reaches, and no module may reach one in a layer above its
//! own (DESIGN.md: values, then the HTTP core, then the domains, then the adapters that
//! implement their ports, then the wiring). Between the top-level modules there is no circle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use regex_lite::Regex;

/// Each top-level module of `shared/src` and its layer, from the ground up.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "values",
        &[
            "actor",
            "clock",
            "nopol",
            "phone",
            "sheet",
            "store_error",
            "telemetry",
            "text",
            "validation",
        ],
    ),
    (
        "http core",
        &[
            "answer",
            "body",
            "cors",
            "error",
            "extract",
            "files",
            "headers",
            "import",
            "middleware",
            "openapi",
            "page",
            "query",
            "route",
        ],
    ),
    (
        "domains",
        &[
            "audit",
            "manual",
            "messages",
            "optout",
            "pacing",
            "register",
            "reminder",
            "replies",
            "report",
            "scheduler",
        ],
    ),
    ("adapters", &["gateway", "store"]),
    (
        "wiring",
        &[
            "app",
            "auth",
            "config",
            "domain_errors",
            "fakes",
            "lambda",
            "routes",
        ],
    ),
];

/// Names `lib.rs` re-exports at the crate root, and the module each comes from.
const ROOT_NAMES: &[(&str, &str)] = &[("App", "app"), ("ApiError", "error")];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

fn source_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The top-level module a file of `src` belongs to (`manual/api.rs` → `manual`).
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative.components().next().unwrap().as_os_str();
    first.to_str().unwrap().trim_end_matches(".rs").to_string()
}

/// The code of a file without its comments (doc links are not imports).
fn without_comments(code: &str) -> String {
    let block = Regex::new(r"(?s)/\*.*?\*/").unwrap();
    let code = block.replace_all(code, "");
    code.lines()
        .map(|line| match line.find("//") {
            // A `//` inside a string ("https://…") is not a comment; strings holding `crate::`
            // are rare enough to ignore.
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules a file's code reaches through `crate::`.
fn reached(code: &str) -> BTreeSet<String> {
    let path = Regex::new(r"crate::([A-Za-z_][A-Za-z0-9_]*)").unwrap();
    let group = Regex::new(r"crate::\{([^}]*)\}").unwrap();
    let mut names: Vec<String> = path.captures_iter(code).map(|c| c[1].to_string()).collect();
    for c in group.captures_iter(code) {
        for item in c[1].split(',') {
            let first = item.trim().split("::").next().unwrap_or("").trim();
            if !first.is_empty() {
                names.push(first.to_string());
            }
        }
    }
    names
        .into_iter()
        .map(|name| {
            ROOT_NAMES
                .iter()
                .find(|(root, _)| *root == name)
                .map_or(name, |(_, module)| module.to_string())
        })
        .collect()
}

/// Every import of `shared/src`: (module, file) → the modules it reaches.
fn imports() -> BTreeMap<(String, String), BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&src, &mut files);
    files
        .iter()
        .filter(|file| !file.ends_with("lib.rs"))
        .map(|file| {
            let code = std::fs::read_to_string(file).unwrap();
            let name = file.strip_prefix(&src).unwrap().display().to_string();
            (
                (module_of(&src, file), name),
                reached(&without_comments(&code)),
            )
        })
        .collect()
}

#[test]
fn every_module_has_a_layer() {
    let unplaced: BTreeSet<_> = imports()
        .keys()
        .map(|(module, _)| module.clone())
        .filter(|module| layer_of(module).is_none())
        .collect();
    assert!(
        unplaced.is_empty(),
        "modules of shared/src without a layer in tests/layers.rs: {unplaced:?}"
    );
}

#[test]
fn no_import_runs_up_a_layer() {
    let mut upward = Vec::new();
    for ((module, file), targets) in imports() {
        let Some(own) = layer_of(&module) else {
            continue;
        };
        for target in targets {
            if let Some(theirs) = layer_of(&target)
                && theirs > own
            {
                upward.push(format!(
                    "{file} ({}) -> {target} ({})",
                    LAYERS[own].0, LAYERS[theirs].0
                ));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "{} imports run up a layer:\n{}",
        upward.len(),
        upward.join("\n")
    );
}

#[test]
fn no_circle_between_modules() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for ((module, _), targets) in imports() {
        let edges = graph.entry(module.clone()).or_default();
        edges.extend(targets.into_iter().filter(|t| *t != module));
    }
    // Depth-first search; a module met again on the current path closes a circle.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut circle = path[at..].to_vec();
            circle.push(node.to_string());
            return Some(circle);
        }
        if !done.insert(node.to_string()) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(circle) = visit(next, graph, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(circle) = visit(node, &graph, &mut Vec::new(), &mut done) {
            panic!("modules in a circle: {}", circle.join(" -> "));
        }
    }
}
