//! The OpenAPI document and the docs page: the document names exactly the API routes of the
//! route table, each with what it takes and answers; `/docs` serves Swagger UI from the binary.

use crate::common;
use bengkel::route::Access;

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use bengkel::routes::routes;
use common::{TestApp, customer};
use serde_json::{Value, json};
use tower::ServiceExt;

async fn document(t: &TestApp) -> Value {
    let reply = t.send(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(reply.status, StatusCode::OK, "the document needs no token");
    reply.body
}

#[tokio::test]
async fn the_document_names_every_api_route_and_nothing_else() {
    let t = TestApp::new();
    let doc = document(&t).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let api: BTreeSet<_> = routes()
        .iter()
        .filter(|r| r.access != Access::Public)
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    assert_eq!(documented, api);
    assert!(api.len() >= 45, "{} routes", api.len());

    for route in routes().iter().filter(|r| r.level().is_some()) {
        let method = route.method.as_str().to_lowercase();
        let operation = &doc["paths"][route.path][&method];
        let what = format!("{} {}", route.method, route.path);
        assert_eq!(operation["operationId"], route.function, "{what}");
        assert_eq!(operation["security"], json!([{"bearer": []}]), "{what}");
        let responses = operation["responses"].as_object().unwrap();
        assert!(responses.contains_key("401"), "{what}: 401");
        assert!(responses.contains_key("403"), "{what}: 403");
        // Each operation states the level it needs, for readers and for tools.
        let level = route.level().unwrap().name();
        assert_eq!(operation["x-level"], json!(level), "{what}");
        let description = operation["description"].as_str().unwrap_or_default();
        assert!(
            description.contains(&format!("level `{level}`")),
            "{what}: {description}"
        );
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{what}: a success answer"
        );
        let parameters = operation["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for name in route.path.split('/').filter_map(|s| s.strip_prefix('{')) {
            let name = name.trim_end_matches('}');
            assert!(
                parameters
                    .iter()
                    .any(|p| p["name"] == name && p["in"] == "path" && p["required"] == true),
                "{what}: path parameter {name}"
            );
            assert!(responses.contains_key("404"), "{what}: 404");
        }
        if operation.get("requestBody").is_some() {
            assert!(responses.contains_key("422"), "{what}: 422");
            assert!(responses.contains_key("413"), "{what}: 413");
        }
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"],
        json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
               "description": doc["components"]["securitySchemes"]["bearer"]["description"]})
    );
}

#[tokio::test]
async fn shapes_limits_and_errors_are_in_the_document() {
    let t = TestApp::new();
    let doc = document(&t).await;
    let schemas = &doc["components"]["schemas"];
    let create = &doc["paths"]["/manual-whatsapp"]["post"];
    let body = resolved(
        &doc,
        &create["requestBody"]["content"]["application/json"]["schema"],
    );
    assert_eq!(body["additionalProperties"], false);
    assert_eq!(body["required"], json!(["customer_name", "nopol", "no_hp"]));
    let name = &body["properties"]["customer_name"];
    assert_eq!(
        (&name["minLength"], &name["maxLength"]),
        (&json!(1), &json!(255))
    );
    assert_eq!(body["properties"]["notes"]["maxLength"], 500);
    assert_eq!(schemas["Nopol"]["pattern"], bengkel::nopol::PATTERN);
    assert_eq!(
        body["properties"]["no_hp"]["pattern"],
        bengkel::phone::PATTERN
    );
    assert_eq!(body["properties"]["last_service"]["format"], "date");
    // The example of the source document, and the answer's shape.
    assert_eq!(body["example"]["customer_name"], "Bapak Joko");
    let created = &create["responses"]["201"]["content"]["application/json"]["schema"];
    assert!(properties(&doc, created)["reminder_sent_count"].is_object());
    // FastAPI's error shapes.
    assert_eq!(
        create["responses"]["422"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ValidationError"
    );
    assert_eq!(
        create["responses"]["409"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/HttpError"
    );
    assert!(schemas["FieldError"]["properties"]["loc"].is_object());
    // 1-1,000 rows, and pages of 1-1,000.
    let bulk = resolved(
        &doc,
        &doc["paths"]["/manual-whatsapp/bulk-import"]["post"]["requestBody"]["content"]["application/json"]
            ["schema"],
    );
    assert_eq!(bulk["maxItems"], 1000);
    let limit = doc["paths"]["/manual-whatsapp"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap()
        .clone();
    assert_eq!(
        (&limit["schema"]["minimum"], &limit["schema"]["maximum"]),
        (&json!(1), &json!(1000))
    );
    // The send endpoints' own 502 shapes.
    let send = &doc["paths"]["/manual-whatsapp/send-custom-message"]["post"]["responses"];
    assert_eq!(
        send["502"]["content"], send["200"]["content"],
        "502 has the 200's body"
    );
    let one = &doc["paths"]["/manual-whatsapp/{record_id}/send-reminder"]["post"]["responses"];
    assert_eq!(
        one["502"]["content"], one["200"]["content"],
        "502 has the 200's body"
    );
    // The spreadsheet routes: the file in, the file out.
    let import = &doc["paths"]["/manual-whatsapp/import"]["post"]["requestBody"]["content"];
    for kind in [
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "text/csv",
        "multipart/form-data",
    ] {
        assert!(import.get(kind).is_some(), "import takes {kind}");
    }
    let export = &doc["paths"]["/manual-whatsapp/export"]["get"]["responses"]["200"]["content"];
    assert_eq!(
        export["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]["schema"]["format"],
        "binary"
    );
    assert!(export.get("text/csv").is_some());
}

#[tokio::test]
async fn documented_answers_match_what_the_api_answers() {
    let t = TestApp::new();
    let doc = document(&t).await;
    let record = t
        .create(customer("Bapak Joko", "B 1234 XYZ", "08123456789"))
        .await;
    let schema = &doc["paths"]["/manual-whatsapp"]["post"]["responses"]["201"]["content"]["application/json"]
        ["schema"];
    let fields: BTreeSet<_> = properties(&doc, schema).keys().cloned().collect();
    let answered: BTreeSet<_> = record.as_object().unwrap().keys().cloned().collect();
    assert_eq!(fields, answered);
}

/// `schema`, or the component its `$ref` names.
fn resolved<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(name) => {
            let name = name.trim_start_matches("#/components/schemas/");
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

/// The properties of `schema`, its `$ref` followed and the parts of an `allOf` (a flattened
/// field) joined.
fn properties(doc: &Value, schema: &Value) -> serde_json::Map<String, Value> {
    if let Some(name) = schema["$ref"].as_str() {
        let name = name.trim_start_matches("#/components/schemas/");
        return properties(doc, &doc["components"]["schemas"][name]);
    }
    let mut joined = schema["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for part in schema["allOf"].as_array().into_iter().flatten() {
        joined.extend(properties(doc, part));
    }
    joined
}

/// `GET path` without a token: the status, the headers and the body as text.
async fn get(t: &TestApp, path: &str) -> (StatusCode, HeaderMap, String) {
    let request = Request::get(path).body(Body::empty()).unwrap();
    let response = t.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

/// The one `<style>` element Swagger UI's script adds (its logo's colours), as served.
const LOGO_STYLE: &str = ".logo_small_svg__cls-2{fill:#fff}.logo_small_svg__cls-3{fill:#85ea2d}";

/// The headers of a page a token is typed into, as the staff page has them; the policy allows
/// no inline code but Swagger UI's logo style, by the hash of its text.
fn assert_locked_down(path: &str, headers: &HeaderMap) {
    use base64::Engine;
    use sha2::Digest;
    let policy = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(LOGO_STYLE));
    let allowance = format!(" 'sha256-{hash}'");
    assert!(
        policy.contains(&format!("style-src 'self'{allowance};")),
        "{path}: {policy}"
    );
    assert_eq!(
        policy.replacen(&allowance, "", 1),
        bengkel::headers::CONTENT_SECURITY_POLICY,
        "{path}"
    );
    assert!(policy.contains("frame-ancestors 'none'"), "{path}");
    assert!(
        policy.contains("script-src 'self';"),
        "{path}: no inline script"
    );
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
    assert_eq!(headers[header::REFERRER_POLICY], "no-referrer", "{path}");
}

#[tokio::test]
async fn the_docs_page_is_served_from_the_binary_without_a_token() {
    let t = TestApp::new();
    let (status, headers, _) = get(&t, "/docs").await;
    assert_eq!(status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(headers[header::LOCATION], "/docs/");
    assert_locked_down("/docs", &headers);
    let (status, headers, html) = get(&t, "/docs/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("swagger-ui"), "{html}");
    assert_locked_down("/docs/", &headers);
    // No inline script or style, which the policy would block.
    let inline = regex_lite::Regex::new(r"<script>|<script [^>]*>[^<\s]|<style|style=").unwrap();
    assert!(!inline.is_match(&html), "{html}");
    // Every file the page loads is served here, none from elsewhere, under the same policy.
    let links = regex_lite::Regex::new(r#"(?:href|src)="([^"]+)""#).unwrap();
    let assets: Vec<&str> = links
        .captures_iter(&html)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    assert!(assets.len() >= 5, "{assets:?}");
    for asset in assets {
        assert!(!asset.contains("//"), "{asset} is loaded from elsewhere");
        let path = format!("/docs/{}", asset.trim_start_matches("./"));
        let (status, headers, body) = get(&t, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(!body.is_empty(), "{path} has content");
        assert_locked_down(&path, &headers);
    }
    let (_, headers, init) = get(&t, "/docs/swagger-initializer.js").await;
    assert_locked_down("/docs/swagger-initializer.js", &headers);
    assert!(init.contains("\"/openapi.json\""), "{init}");
    assert!(init.contains("\"validatorUrl\": \"none\""), "{init}");
    let (_, _, preset) = get(&t, "/docs/swagger-ui-standalone-preset.js").await;
    assert!(preset.contains(&format!("createElement(\"style\",null,\"{LOGO_STYLE}\")")));
    // A token typed into the page stays in the tab's memory, not in localStorage.
    assert!(!init.contains("persistAuthorization"), "{init}");
    let (status, headers, _) = get(&t, "/docs/nothing.js").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_locked_down("/docs/nothing.js", &headers);
}

#[tokio::test]
async fn dates_are_taken_only_as_yyyy_mm_dd() {
    let t = TestApp::new();
    for (i, date) in [
        "2026-1-15",
        "2026-01-5",
        "15/01/2026",
        "2026-01-15T00:00:00",
        "+2026-01-15",
    ]
    .iter()
    .enumerate()
    {
        let mut body = customer("Bapak Joko", &format!("B {} XYZ", i + 1), "08123456789");
        body["next_service"] = json!(date);
        let reply = t.call(Method::POST, "/manual-whatsapp", Some(body)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{date}");
        assert_eq!(
            reply.body["detail"][0]["loc"],
            json!(["body", "next_service"]),
            "{date}"
        );
    }
    let mut body = customer("Bapak Joko", "B 9 XYZ", "08123456789");
    body["next_service"] = json!("2026-01-15");
    let reply = t.call(Method::POST, "/manual-whatsapp", Some(body)).await;
    assert_eq!(reply.status, StatusCode::CREATED);
}

/// What a client generator makes of the document: every JSON body, in or out, names a
/// component (a list an array of one), so each shape becomes one type; no component is
/// declared without a use; every operation is tagged with a declared tag and described.
#[tokio::test]
async fn every_body_is_a_named_component_and_every_component_is_used() {
    let t = TestApp::new();
    let doc = document(&t).await;
    let named = |schema: &Value| {
        schema["$ref"].is_string()
            || (schema["type"] == "array" && schema["items"]["$ref"].is_string())
    };
    let tags: BTreeSet<_> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .inspect(|tag| assert!(tag["description"].is_string(), "{tag}"))
        .map(|tag| tag["name"].as_str().unwrap())
        .collect();
    let mut bodies = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let what = format!("{method} {path}");
            assert!(
                operation["description"].is_string(),
                "{what}: a description"
            );
            let tag = operation["tags"][0].as_str().unwrap_or_default();
            assert!(tags.contains(tag), "{what}: tag {tag} is declared");
            let answers = operation["responses"].as_object().unwrap().values();
            let request = operation.get("requestBody").into_iter();
            for body in request.chain(answers) {
                if let Some(json) = body["content"].get("application/json") {
                    assert!(named(&json["schema"]), "{what}: {}", json["schema"]);
                    bodies += 1;
                }
            }
        }
    }
    assert!(bodies > 300, "{bodies} bodies");
    let text = doc.to_string();
    for name in doc["components"]["schemas"].as_object().unwrap().keys() {
        let reference = format!("\"#/components/schemas/{name}\"");
        assert!(
            text.contains(&reference),
            "{name} is declared and never used"
        );
    }
    assert_eq!(doc["servers"], json!([{"url": "/"}]));
    assert_eq!(doc["info"]["license"]["identifier"], "MIT");
}

/// Every example in the document is valid against the schema it illustrates (the schema's
/// `$ref`s resolved in the document), so a reader's copy of it is a valid request.
#[tokio::test]
async fn every_example_matches_its_schema() {
    let t = TestApp::new();
    let doc = document(&t).await;
    let mut checked = 0;
    let mut problems = Vec::new();
    visit_schemas(&doc, "#", &mut |at, schema, example| {
        let mut root = schema.clone();
        root["components"] = doc["components"].clone();
        let validator = jsonschema::validator_for(&root)
            .unwrap_or_else(|e| panic!("{at}: the schema does not compile: {e}"));
        for error in validator.iter_errors(example) {
            problems.push(format!("{at}: {example} : {error}"));
        }
        checked += 1;
    });
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(checked >= 25, "{checked} examples checked");
}

/// Calls `check(location, schema, example)` for each example of each schema in `node`: a
/// schema's `example`, and each item of its `examples`.
fn visit_schemas(node: &Value, at: &str, check: &mut impl FnMut(&str, &Value, &Value)) {
    match node {
        Value::Object(fields) => {
            // A schema (not a parameter or a media type, whose examples are maps or beside it).
            let schema = !fields.contains_key("in") && !fields.contains_key("schema");
            if schema {
                fields
                    .get("example")
                    .into_iter()
                    .for_each(|e| check(at, node, e));
                if let Some(Value::Array(examples)) = fields.get("examples") {
                    examples.iter().for_each(|e| check(at, node, e));
                }
            }
            for (key, value) in fields {
                visit_schemas(value, &format!("{at}/{key}"), check);
            }
        }
        Value::Array(items) => {
            for (i, value) in items.iter().enumerate() {
                visit_schemas(value, &format!("{at}/{i}"), check);
            }
        }
        _ => {}
    }
}

/// What the server accepts, the document says: an empty choice is no member of its enum, so
/// it is refused where it is named; an empty cursor is documented as the first page.
#[tokio::test]
async fn an_empty_choice_is_refused_and_an_empty_cursor_is_the_first_page() {
    let t = TestApp::new();
    for (path, name) in [
        ("/whatsapp-report/detail?order=", "order"),
        ("/whatsapp-report/?sort=", "sort"),
        ("/messages?status=", "status"),
        ("/manual-whatsapp/export?format=", "format"),
    ] {
        let reply = t.call(Method::GET, path, None).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert_eq!(
            reply.body["detail"][0]["loc"],
            json!(["query", name]),
            "{path}"
        );
    }
    let first = t.call(Method::GET, "/manual-whatsapp/?cursor=", None).await;
    assert_eq!(first.status, StatusCode::OK);
    let doc = document(&t).await;
    let cursor = doc["paths"]["/manual-whatsapp"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "cursor")
        .unwrap()
        .clone();
    let about = cursor["description"].as_str().unwrap_or_default();
    assert!(about.contains("empty"), "{about}");
}
