//! Holds `template.yaml` against the route table, the one executable every function runs and
//! the per-function binaries of `cargo lambda watch`, so a route can't exist in one place and not
//! the other, and pins the table's indexes the DynamoDB adapter queries.

use bengkel::route::Access;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use bengkel::config::allowed_origins;
use bengkel::cors::{ALLOWED_HEADERS, EXPOSED_HEADERS, MAX_AGE};
use bengkel::lambda::Function;
use bengkel::store::dynamo::{INDEXES, KeyAttr, TABLE_KEY};
use serde_yaml_ng::Value;

/// The executable every function runs: the `functions` package's own binary (src/main.rs).
const EXECUTABLE: &str = "functions";

/// (attribute, type, HASH/RANGE) of each key of a table or index.
type Keys = Vec<(String, String, String)>;
/// Index name -> (keys, projection type).
type Indexes = BTreeMap<String, (Keys, String)>;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn template() -> Value {
    let path = workspace().join("template.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml_ng::from_str(&text).expect("template.yaml parses")
}

/// `value[key]`, or null when absent (so a missing key fails an assertion, not an unwrap).
fn get<'a>(value: &'a Value, key: &str) -> &'a Value {
    static NULL: Value = Value::Null;
    value.get(key).unwrap_or(&NULL)
}

fn text<'a>(value: &'a Value, what: &str) -> &'a str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{what}: expected a string, got {value:?}"))
}

/// The logical id `!Ref X` (or `{Ref: X}`) points at.
fn reference(value: &Value) -> Option<&str> {
    match value {
        Value::Tagged(tagged) if tagged.tag == "Ref" => tagged.value.as_str(),
        Value::Mapping(_) => value.get("Ref").and_then(Value::as_str),
        _ => None,
    }
}

/// The arguments of the intrinsic `!Tag [...]` (or `{Fn::Tag: [...]}`).
fn intrinsic<'a>(value: &'a Value, tag: &str) -> &'a [Value] {
    let arguments = match value {
        Value::Tagged(tagged) if tagged.tag == tag => Some(&tagged.value),
        Value::Mapping(_) => value.get(format!("Fn::{tag}")),
        _ => None,
    };
    arguments
        .and_then(Value::as_sequence)
        .unwrap_or_else(|| panic!("expected !{tag} [...], got {value:?}"))
}

fn strings<'a>(value: &'a Value, what: &str) -> BTreeSet<&'a str> {
    value
        .as_sequence()
        .unwrap_or_else(|| panic!("{what}: expected a list, got {value:?}"))
        .iter()
        .map(|v| text(v, what))
        .collect()
}

fn resources(template: &Value) -> impl Iterator<Item = (&str, &Value)> {
    get(template, "Resources")
        .as_mapping()
        .expect("Resources")
        .iter()
        .map(|(id, resource)| (id.as_str().expect("logical id"), resource))
}

fn resources_of<'a>(template: &'a Value, kind: &'a str) -> Vec<(&'a str, &'a Value)> {
    resources(template)
        .filter(|(_, r)| get(r, "Type").as_str() == Some(kind))
        .collect()
}

/// Handler (the function's name) -> the function's HttpApi events as (METHOD, path).
fn functions(template: &Value) -> BTreeMap<String, Vec<(String, String)>> {
    let apis = resources_of(template, "AWS::Serverless::HttpApi");
    assert_eq!(apis.len(), 1, "one HttpApi");
    let api = apis[0].0;

    let mut functions = BTreeMap::new();
    for (id, resource) in resources_of(template, "AWS::Serverless::Function") {
        let props = get(resource, "Properties");
        let handler = text(get(props, "Handler"), id).to_string();

        let mut events = Vec::new();
        if let Some(map) = get(props, "Events").as_mapping() {
            for (name, event) in map {
                if get(event, "Type").as_str() != Some("HttpApi") {
                    continue;
                }
                let props = get(event, "Properties");
                assert_eq!(
                    reference(get(props, "ApiId")),
                    Some(api),
                    "{id} {name:?}: ApiId"
                );
                events.push((
                    text(get(props, "Method"), id).to_uppercase(),
                    text(get(props, "Path"), id).to_string(),
                ));
            }
        }
        events.sort();
        assert!(
            functions.insert(handler.clone(), events).is_none(),
            "Handler {handler} twice"
        );
    }
    functions
}

#[test]
fn every_route_has_its_function_and_both_paths() {
    let functions = functions(&template());
    let routes = bengkel::routes::routes();

    for route in &routes {
        let events = functions.get(route.function).unwrap_or_else(|| {
            panic!(
                "no function with Handler {} in template.yaml",
                route.function
            )
        });
        // Every route of the function, each at its paths (`/x` and `/x/`; `/` once).
        let mut expected: Vec<(String, String)> = routes
            .iter()
            .filter(|r| r.function == route.function)
            .flat_map(|r| r.paths().into_iter().map(|p| (r.method.to_string(), p)))
            .collect();
        expected.sort();
        assert_eq!(events, &expected, "HttpApi events of {}", route.function);
    }

    // Every Handler names a function of the executable: its routes (above), or a scheduled job.
    for (handler, events) in &functions {
        match Function::named(handler) {
            Ok(Function::Http(_)) => {}
            Ok(Function::Scheduled(_)) => assert!(
                events.is_empty(),
                "{handler} is not an HTTP function but has {events:?}"
            ),
            Err(error) => panic!("{error}"),
        }
    }
    let every: BTreeSet<&str> = Function::names().into_iter().collect();
    let deployed: BTreeSet<&str> = functions.keys().map(String::as_str).collect();
    assert_eq!(
        deployed, every,
        "template.yaml Handlers vs bengkel::lambda::Function::names()"
    );
}

#[test]
fn every_function_is_one_build_of_the_one_executable() {
    // sam build builds functions with equal build definitions once: equal Runtime, CodeUri,
    // Architectures and Metadata (aws-sam-cli, FunctionBuildDefinition.__eq__). So every function
    // has the same Metadata and leaves the compared properties to Globals.
    let template = template();
    let expected: Value = serde_yaml_ng::from_str(&format!(
        "{{BuildMethod: rust-cargolambda, BuildProperties: {{Binary: {EXECUTABLE}}}}}"
    ))
    .unwrap();
    let globals = get(get(&template, "Globals"), "Function");
    for key in ["Runtime", "CodeUri", "Architectures"] {
        assert!(!get(globals, key).is_null(), "Globals.Function.{key}");
    }
    assert!(
        get(globals, "Handler").is_null(),
        "no global Handler: each function names its own"
    );
    for (id, resource) in resources_of(&template, "AWS::Serverless::Function") {
        assert_eq!(get(resource, "Metadata"), &expected, "{id}: Metadata");
        let props = get(resource, "Properties");
        for key in ["Runtime", "CodeUri", "Architectures", "PackageType"] {
            assert!(
                get(props, key).is_null(),
                "{id}: {key} set on the function splits the shared build; set it in Globals"
            );
        }
    }
    let main = workspace().join("functions/src/main.rs");
    let source =
        std::fs::read_to_string(&main).unwrap_or_else(|e| panic!("{}: {e}", main.display()));
    assert!(
        source.contains("bengkel::lambda::run_handler()"),
        "{}: the executable serves the function its Handler names",
        main.display()
    );
}

#[test]
fn every_binary_of_the_functions_is_built_without_a_test_harness() {
    // Each harness would be one more link of the whole application in `cargo test` and
    // `cargo clippy --all-targets`; the binaries hold no tests.
    let manifest = workspace().join("functions/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let declared = regex_lite::Regex::new(
        r#"\[\[bin\]\]\s*name = "([^"]+)"\s*path = "([^"]+)"\s*test = false"#,
    )
    .expect("pattern");
    let without_harness: BTreeSet<String> = declared
        .captures_iter(&text)
        .map(|c| c[2].to_string())
        .collect();
    let dir = workspace().join("functions/src/bin");
    let mut binaries: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            entry
                .expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".rs"))
        .map(|name| format!("src/bin/{name}"))
        .collect();
    binaries.insert("src/main.rs".into());
    assert_eq!(
        without_harness,
        binaries,
        "{}: a [[bin]] with test = false for each binary",
        manifest.display()
    );
}

#[test]
fn every_function_logs_json_lines_into_its_own_log_group() {
    // lambda_runtime's subscriber (bengkel::telemetry::init_lambda) writes JSON lines when
    // Lambda sets AWS_LAMBDA_LOG_FORMAT=JSON, which LogFormat: JSON does. SAM merges the global
    // LoggingConfig map with each function's, which names the function's log group.
    let template = template();
    let global = get(get(get(&template, "Globals"), "Function"), "LoggingConfig");
    assert_eq!(
        text(
            get(global, "LogFormat"),
            "Globals.Function.LoggingConfig.LogFormat"
        ),
        "JSON"
    );
    for (id, resource) in resources_of(&template, "AWS::Serverless::Function") {
        let own = get(get(resource, "Properties"), "LoggingConfig");
        assert!(
            get(own, "LogFormat").is_null(),
            "{id}: a LogFormat of its own"
        );
        assert!(
            !get(own, "LogGroup").is_null(),
            "{id}: no log group of its own"
        );
    }
}

#[test]
fn every_function_has_a_watch_binary_and_vice_versa() {
    // `cargo lambda watch` runs `cargo run --bin <function>` for `cargo lambda invoke <function>`.
    let in_template: BTreeSet<String> = functions(&template()).into_keys().collect();
    let dir = workspace().join("functions/src/bin");
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("dir entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        in_template, on_disk,
        "template.yaml functions vs functions/src/bin/*.rs"
    );
    for name in &on_disk {
        let path = dir.join(format!("{name}.rs"));
        let source = std::fs::read_to_string(&path).unwrap();
        assert!(
            source.contains(&format!("bengkel::lambda::run(\"{name}\")")),
            "{}: runs a function other than {name}",
            path.display()
        );
    }
}

#[test]
fn table_indexes_match_the_adapter() {
    let template = template();
    let tables = resources_of(&template, "AWS::DynamoDB::Table");
    assert_eq!(tables.len(), 1, "one table");
    let props = get(tables[0].1, "Properties");

    let attribute_types: BTreeMap<&str, &str> = get(props, "AttributeDefinitions")
        .as_sequence()
        .expect("AttributeDefinitions")
        .iter()
        .map(|a| {
            (
                text(get(a, "AttributeName"), "name"),
                text(get(a, "AttributeType"), "type"),
            )
        })
        .collect();
    let key_schema = |schema: &Value| -> Keys {
        schema
            .as_sequence()
            .expect("KeySchema")
            .iter()
            .map(|k| {
                let name = text(get(k, "AttributeName"), "key");
                let kind = attribute_types
                    .get(name)
                    .unwrap_or_else(|| panic!("{name} undefined"));
                (
                    name.to_string(),
                    kind.to_string(),
                    text(get(k, "KeyType"), "KeyType").to_string(),
                )
            })
            .collect()
    };

    // (attribute, type, HASH/RANGE) triples, as the adapter describes them.
    let expect_keys = |hash: KeyAttr, range: Option<KeyAttr>| -> Keys {
        std::iter::once((hash, "HASH"))
            .chain(range.map(|r| (r, "RANGE")))
            .map(|(k, key_type)| (k.name.to_string(), k.kind.to_string(), key_type.to_string()))
            .collect()
    };

    assert_eq!(
        key_schema(get(props, "KeySchema")),
        expect_keys(TABLE_KEY, None),
        "table key"
    );

    let actual: Indexes = get(props, "GlobalSecondaryIndexes")
        .as_sequence()
        .expect("GlobalSecondaryIndexes")
        .iter()
        .map(|gsi| {
            let name = text(get(gsi, "IndexName"), "IndexName").to_string();
            let projection = text(get(get(gsi, "Projection"), "ProjectionType"), &name);
            (
                name,
                (key_schema(get(gsi, "KeySchema")), projection.to_string()),
            )
        })
        .collect();
    // The DynamoDB adapter's own description (what it queries and what `create-tables` makes).
    let expected: Indexes = INDEXES
        .iter()
        .map(|i| {
            (
                i.name.to_string(),
                (expect_keys(i.hash, i.range), i.projection.to_string()),
            )
        })
        .collect();
    assert_eq!(
        actual, expected,
        "GSIs of template.yaml vs bengkel::store::dynamo::INDEXES"
    );

    // Every defined attribute is a key somewhere: CloudFormation rejects unused definitions.
    let used: BTreeSet<&str> = INDEXES
        .iter()
        .flat_map(|i| std::iter::once(i.hash).chain(i.range))
        .chain([TABLE_KEY])
        .map(|k| k.name)
        .collect();
    assert_eq!(
        attribute_types.keys().copied().collect::<BTreeSet<_>>(),
        used
    );
}

#[test]
fn code_uri_is_the_functions_package() {
    // sam build runs `cargo lambda build --bin functions` in CodeUri: at the workspace root cargo
    // only searches default-members (infra), so it must be the package that holds the binary.
    let template = template();
    let global = get(get(get(&template, "Globals"), "Function"), "CodeUri");
    for (id, resource) in resources_of(&template, "AWS::Serverless::Function") {
        let own = get(get(resource, "Properties"), "CodeUri");
        let uri = text(if own.is_null() { global } else { own }, id);
        let manifest = workspace().join(uri).join("Cargo.toml");
        let manifest = std::fs::read_to_string(&manifest)
            .unwrap_or_else(|e| panic!("{id}: CodeUri {uri}: {}: {e}", manifest.display()));
        assert!(
            manifest.contains("name = \"functions\""),
            "{id}: CodeUri {uri} is not the functions package"
        );
    }
}

#[test]
fn cors_configuration_comes_from_allowed_origins_with_the_local_servers_policy() {
    let template = template();
    let parameter = get(get(&template, "Parameters"), "AllowedOrigins");
    assert_eq!(get(parameter, "Type").as_str(), Some("String"));
    assert_eq!(
        get(parameter, "Default").as_str(),
        Some(""),
        "no origin by default"
    );

    let apis = resources_of(&template, "AWS::Serverless::HttpApi");
    let cors = get(get(apis[0].1, "Properties"), "CorsConfiguration");
    let [condition, config, otherwise] = intrinsic(cors, "If") else {
        panic!("CorsConfiguration: !If [condition, configuration, !Ref AWS::NoValue]");
    };
    // No origins: no CORS configuration at all, so API Gateway adds no header.
    assert_eq!(reference(otherwise), Some("AWS::NoValue"));
    let condition = get(get(&template, "Conditions"), text(condition, "condition"));
    let [equals] = intrinsic(condition, "Not") else {
        panic!("{condition:?}")
    };
    let [origins, empty] = intrinsic(equals, "Equals") else {
        panic!("{equals:?}")
    };
    assert_eq!(
        (reference(origins), empty.as_str()),
        (Some("AllowedOrigins"), Some(""))
    );
    let [comma, list] = intrinsic(get(config, "AllowOrigins"), "Split") else {
        panic!("AllowOrigins: !Split [\",\", !Ref AllowedOrigins]")
    };
    assert_eq!(
        (comma.as_str(), reference(list)),
        (Some(","), Some("AllowedOrigins"))
    );

    let methods: Vec<String> = bengkel::routes::methods()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        strings(get(config, "AllowMethods"), "AllowMethods"),
        methods.iter().map(String::as_str).collect(),
        "the route table's methods"
    );
    let lower = |value: &Value, what| -> BTreeSet<String> {
        strings(value, what)
            .into_iter()
            .map(str::to_ascii_lowercase)
            .collect()
    };
    let names = |list: &[http::HeaderName]| -> BTreeSet<String> {
        list.iter().map(|name| name.as_str().to_string()).collect()
    };
    assert_eq!(
        lower(get(config, "AllowHeaders"), "AllowHeaders"),
        names(&ALLOWED_HEADERS)
    );
    assert_eq!(
        lower(get(config, "ExposeHeaders"), "ExposeHeaders"),
        names(&EXPOSED_HEADERS)
    );
    assert_eq!(get(config, "MaxAge").as_u64(), Some(MAX_AGE.as_secs()));
    assert!(
        get(config, "AllowCredentials").is_null(),
        "bearer tokens, no cookies"
    );
}

#[test]
fn allowed_origins_are_refused_at_deploy_as_cors_allow_origins_at_start() {
    let template = template();
    let parameter = get(get(&template, "Parameters"), "AllowedOrigins");
    // CloudFormation matches the whole value against AllowedPattern.
    let pattern = text(get(parameter, "AllowedPattern"), "AllowedPattern");
    let pattern = regex_lite::Regex::new(&format!("^(?:{pattern})$")).expect("AllowedPattern");
    for value in [
        "",
        "https://bengkel.example",
        "https://bengkel.example,http://localhost:5173",
        "http://127.0.0.1:5173",
        "*",
        "https://bengkel.example,*",
        "bengkel.example",
        "https://bengkel.example/",
        "https://bengkel.example/app",
        "HTTPS://BENGKEL.EXAMPLE",
        "ftp://bengkel.example",
        "https://kasir@bengkel.example",
        "null",
    ] {
        assert_eq!(
            pattern.is_match(value),
            allowed_origins(value).is_ok(),
            "{value:?}: AllowedPattern and CORS_ALLOW_ORIGINS disagree"
        );
    }
}

/// A deployed stack sends through StarSender (never silently to the outbox), and a daily run
/// that fails, such as one without the key, sets off an alarm, told to the topic when one is
/// given.
#[test]
fn the_stack_sends_through_starsender_and_alarms_on_a_failed_daily_run() {
    let template = template();
    let provider = get(get(&template, "Parameters"), "WhatsAppProvider");
    assert_eq!(
        text(get(provider, "Default"), "WhatsAppProvider"),
        "starsender"
    );
    let variables = get(
        get(get(get(&template, "Globals"), "Function"), "Environment"),
        "Variables",
    );
    assert_eq!(
        reference(get(variables, "WHATSAPP_PROVIDER")),
        Some("WhatsAppProvider")
    );
    let alarms = resources_of(&template, "AWS::CloudWatch::Alarm");
    let daily = alarms
        .iter()
        .map(|(_, alarm)| get(alarm, "Properties"))
        .find(|props| {
            get(props, "Dimensions").as_sequence().is_some_and(|d| {
                d.iter()
                    .any(|d| reference(get(d, "Value")) == Some("ReminderDailyFunction"))
            })
        })
        .expect("an alarm on the daily function");
    assert_eq!(text(get(daily, "MetricName"), "MetricName"), "Errors");
    let actions = intrinsic(get(daily, "AlarmActions"), "If");
    assert_eq!(actions[0].as_str(), Some("HasAlarmTopic"));
    let topic = get(get(&template, "Parameters"), "AlarmTopicArn");
    assert_eq!(text(get(topic, "Default"), "AlarmTopicArn"), "");
}

/// What a function's policies allow: the secrets it reads, and whether it may write the table.
#[derive(Debug, Default, PartialEq, Eq)]
struct Grants {
    secrets: BTreeSet<String>,
    reads_table: bool,
    writes_table: bool,
}

/// The SAM policy templates on the table, and whether each writes.
const TABLE_POLICIES: [(&str, bool); 3] = [
    ("DynamoDBReadPolicy", false),
    ("DynamoDBCrudPolicy", true),
    ("DynamoDBWritePolicy", true),
];

fn grants_of(id: &str, props: &Value) -> Grants {
    let mut grants = Grants::default();
    let Some(policies) = get(props, "Policies").as_sequence() else {
        return grants;
    };
    for policy in policies {
        let secret = get(policy, "AWSSecretsManagerGetSecretValuePolicy");
        if !secret.is_null() {
            let arn =
                reference(get(secret, "SecretArn")).unwrap_or_else(|| panic!("{id}: SecretArn"));
            grants.secrets.insert(arn.to_string());
        }
        for (name, writes) in TABLE_POLICIES {
            if !get(policy, name).is_null() {
                grants.reads_table = true;
                grants.writes_table |= writes;
            }
        }
        // An inline statement may touch anything but the table and the secrets.
        for statement in get(policy, "Statement").as_sequence().into_iter().flatten() {
            let actions = get(statement, "Action");
            let actions: Vec<&str> = match actions.as_sequence() {
                Some(list) => list.iter().filter_map(Value::as_str).collect(),
                None => actions.as_str().into_iter().collect(),
            };
            for action in actions {
                assert!(
                    !action.starts_with("dynamodb:") && !action.starts_with("secretsmanager:"),
                    "{id}: {action} belongs in a policy template the test reads"
                );
            }
        }
    }
    grants
}

#[test]
fn every_function_reads_only_what_its_level_and_its_work_need() {
    use bengkel::actor::Level;
    let template = template();
    let table = bengkel::routes::routes();
    let mut checked = 0;
    for (id, resource) in resources_of(&template, "AWS::Serverless::Function") {
        let props = get(resource, "Properties");
        let name = text(get(props, "Handler"), id);
        let function = Function::named(name).unwrap_or_else(|_| panic!("{id}: {name}"));
        let levels: BTreeSet<Option<Level>> = table
            .iter()
            .filter(|route| route.function == name)
            .map(|route| route.level())
            .collect();
        let grants = grants_of(id, props);
        let sends = bengkel::lambda::SENDING.contains(&name);
        let mut secrets = BTreeSet::new();
        if function.reads().token_key {
            secrets.insert("JwtSecret".to_string());
        }
        if sends {
            secrets.insert("StarSenderSecret".to_string());
        }
        assert_eq!(
            grants.secrets, secrets,
            "{id}: the secrets its policy reads"
        );
        assert_eq!(function.reads().starsender_key, sends, "{id}");
        let env = get(
            get(get(props, "Environment"), "Variables"),
            "STARSENDER_SECRET_ID",
        );
        assert_eq!(
            reference(env),
            sends.then_some("StarSenderSecret"),
            "{id}: STARSENDER_SECRET_ID is set on the sending functions alone"
        );
        let webhook = table
            .iter()
            .any(|route| route.function == name && route.access == Access::Webhook);
        // A webhook's handshake (GET alone) only compares a token.
        let handshake = webhook
            && table
                .iter()
                .filter(|route| route.function == name)
                .all(|route| route.method == axum::http::Method::GET);
        match levels.iter().max().copied().flatten() {
            None if handshake => {
                assert_eq!(grants, Grants::default(), "{id}: a handshake reads nothing")
            }
            // A webhook: no token, but it records what it receives (and confirms through the
            // gateway, with the sending functions' key).
            None if webhook => assert!(grants.writes_table, "{id}: a webhook records"),
            // Public: the staff page and the docs read no table and no secret.
            None if !levels.is_empty() => {
                assert_eq!(
                    grants,
                    Grants::default(),
                    "{id}: a public function reads nothing"
                )
            }
            Some(Level::Read) => assert!(
                !grants.writes_table,
                "{id}: a read-level function has a write action"
            ),
            // Staff and admin routes change the table, and write the change log beside.
            Some(_) => assert!(grants.writes_table, "{id}: cannot write its change"),
            // A scheduled run: the daily reminders and the monthly reset write.
            None => assert!(grants.writes_table, "{id}: a scheduled run writes"),
        }
        checked += 1;
    }
    assert_eq!(checked, Function::names().len());
}

#[test]
fn the_role_settings_are_parameters_and_reach_every_function() {
    let template = template();
    let parameters = get(&template, "Parameters");
    let variables = get(
        get(get(get(&template, "Globals"), "Function"), "Environment"),
        "Variables",
    );
    for (parameter, variable) in [
        ("JwtRoleClaim", "JWT_ROLE_CLAIM"),
        ("JwtReadRoles", "JWT_READ_ROLES"),
        ("JwtStaffRoles", "JWT_STAFF_ROLES"),
        ("JwtAdminRoles", "JWT_ADMIN_ROLES"),
        ("JwtMaxTokenAgeHours", "JWT_MAX_TOKEN_AGE_HOURS"),
        ("JwtIssuer", "JWT_ISSUER"),
        ("JwtAudience", "JWT_AUDIENCE"),
    ] {
        assert!(
            !get(parameters, parameter).is_null(),
            "parameter {parameter}"
        );
        assert!(!get(variables, variable).is_null(), "{variable} in Globals");
    }
    // Roles stay off unless asked for; issuer and audience default to the README's values.
    assert_eq!(
        get(get(parameters, "JwtRoleClaim"), "Default").as_str(),
        Some("")
    );
    assert_eq!(
        get(get(parameters, "JwtIssuer"), "Default").as_str(),
        Some("bengkel-app")
    );
    assert_eq!(
        get(get(parameters, "JwtAudience"), "Default").as_str(),
        Some("bengkel-whatsapp")
    );
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    for recommended in ["`bengkel-app`", "`bengkel-whatsapp`"] {
        assert!(
            readme.contains(recommended),
            "README recommends {recommended}"
        );
    }
}
