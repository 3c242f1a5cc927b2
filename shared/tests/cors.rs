//! Browser front ends on another origin: the origins of `CORS_ALLOW_ORIGINS` get their
//! preflights answered (without a token, before any handler) and the CORS headers on every
//! answer, errors included; any other origin gets no CORS header at all.

use crate::common;

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use bengkel::config::{Config, allowed_origins};
use bengkel::cors::{ALLOWED_HEADERS, EXPOSED_HEADERS, MAX_AGE};
use bengkel::fakes::starsender::Behaviour;
use bengkel::routes::{methods, routes};
use common::{Backend, Reply, TestApp};
use serde_json::{Value, json};

const FRONT_END: &str = "https://bengkel.example";
const DEV_SERVER: &str = "http://localhost:5173";
/// Origins that are not allowed, some of them close to allowed ones.
const STRANGERS: [&str; 5] = [
    "https://evil.example",
    "http://localhost:5174",
    "http://bengkel.example",
    "https://bengkel.example.evil.example",
    "null",
];
/// What the browser asks for in the preflight of an API call with a token and a JSON body.
const REQUESTED_HEADERS: &str = "authorization,content-type,x-request-id";

fn with_front_ends(config: &mut Config) {
    config.cors_allow_origins =
        allowed_origins(&format!("{FRONT_END}, {DEV_SERVER}")).expect("valid origins");
}

fn app() -> TestApp {
    let mut config = Config::default();
    with_front_ends(&mut config);
    TestApp::with_config(config)
}

/// A route's path with every `{parameter}` filled in.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "3f2b6a52-0c7e-4f39-9a51-6f8d2c1e9b70"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn preflight(path: &str, origin: &str, method: &Method) -> Request<Body> {
    Request::builder()
        .method(Method::OPTIONS)
        .uri(path)
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, method.as_str())
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, REQUESTED_HEADERS)
        .body(Body::empty())
        .unwrap()
}

/// A request from `origin`, with `t`'s token unless `token` is false, and a JSON body if any.
fn from(
    t: &TestApp,
    origin: &str,
    method: Method,
    path: &str,
    token: bool,
    body: Option<String>,
) -> Request<Body> {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::ORIGIN, origin)
        .header(header::CONTENT_TYPE, "application/json");
    if token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {}", t.token));
    }
    request
        .body(body.map_or_else(Body::empty, Body::from))
        .unwrap()
}

fn header(reply: &Reply, name: header::HeaderName) -> Option<&str> {
    reply.headers.get(name).map(|v| v.to_str().unwrap())
}

/// The entries of a comma-separated header, sorted.
fn entries(reply: &Reply, name: header::HeaderName) -> BTreeSet<String> {
    header(reply, name)
        .unwrap_or_default()
        .split(',')
        .map(|entry| entry.trim().to_string())
        .filter(|entry| !entry.is_empty())
        .collect()
}

fn names(list: &[header::HeaderName]) -> BTreeSet<String> {
    list.iter().map(|name| name.as_str().to_string()).collect()
}

fn cors_headers(headers: &HeaderMap) -> Vec<String> {
    headers
        .keys()
        .map(|name| name.as_str().to_string())
        .filter(|name| name.starts_with("access-control-"))
        .collect()
}

/// Nothing was written: no record, no customer, no message.
async fn nothing_written(t: &TestApp) {
    let records = t.call(Method::GET, "/manual-whatsapp/", None).await;
    assert_eq!(records.body["total"], 0, "{}", records.body);
    let customers = t.call(Method::GET, "/customers/", None).await;
    assert_eq!(customers.body["total"], 0, "{}", customers.body);
    let messages = t.call(Method::GET, "/messages", None).await;
    assert_eq!(messages.body["data"], json!([]), "{}", messages.body);
}

#[tokio::test]
async fn a_preflight_from_an_allowed_origin_is_answered_for_every_route() {
    let t = app();
    let used: BTreeSet<String> = routes().iter().map(|r| r.method.to_string()).collect();
    for origin in [FRONT_END, DEV_SERVER] {
        for route in routes() {
            let path = concrete(route.path);
            let why = format!("OPTIONS {path} for {} from {origin}", route.method);
            let reply = t.request(preflight(&path, origin, &route.method)).await;
            // Answered without a token, by the CORS layer: a handler would answer JSON.
            assert_eq!(reply.status, StatusCode::OK, "{why}: {}", reply.body);
            assert_eq!(reply.body, Value::Null, "{why}");
            assert_eq!(
                header(&reply, header::ACCESS_CONTROL_ALLOW_ORIGIN),
                Some(origin),
                "{why}"
            );
            let allowed = entries(&reply, header::ACCESS_CONTROL_ALLOW_METHODS);
            assert_eq!(allowed, used, "{why}: exactly the route table's methods");
            assert!(allowed.contains(route.method.as_str()), "{why}");
            assert_eq!(
                entries(&reply, header::ACCESS_CONTROL_ALLOW_HEADERS),
                names(&ALLOWED_HEADERS),
                "{why}"
            );
            let max_age: u64 = header(&reply, header::ACCESS_CONTROL_MAX_AGE)
                .expect("max age")
                .parse()
                .unwrap();
            assert_eq!(max_age, MAX_AGE.as_secs(), "{why}");
            assert!(max_age >= 600, "{why}: at least 10 minutes");
            // Bearer tokens, not cookies: the browser is never told to send its credentials.
            assert_eq!(
                header(&reply, header::ACCESS_CONTROL_ALLOW_CREDENTIALS),
                None,
                "{why}"
            );
            assert!(reply.headers.contains_key("x-request-id"), "{why}");
        }
    }
    nothing_written(&t).await;
}

#[tokio::test]
async fn a_preflight_from_any_other_origin_gets_no_cors_headers_and_changes_nothing() {
    let t = app();
    for origin in STRANGERS {
        for route in routes() {
            let path = concrete(route.path);
            let why = format!("OPTIONS {path} for {} from {origin}", route.method);
            let reply = t.request(preflight(&path, origin, &route.method)).await;
            assert_eq!(
                (reply.status, &reply.body),
                (
                    StatusCode::METHOD_NOT_ALLOWED,
                    &json!({"detail": "Method Not Allowed"})
                ),
                "{why}"
            );
            assert_eq!(cors_headers(&reply.headers), Vec::<String>::new(), "{why}");
            // A cache must not hand this answer to an allowed origin, nor the other way round.
            assert!(
                header(&reply, header::VARY).is_some_and(|v| v.contains("origin")),
                "{why}"
            );
        }
    }
    nothing_written(&t).await;

    // With no origin configured (the default), the front end is a stranger too.
    let default = TestApp::new();
    let reply = default
        .request(preflight("/manual-whatsapp/", FRONT_END, &Method::POST))
        .await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(cors_headers(&reply.headers), Vec::<String>::new());
}

#[tokio::test]
async fn an_allowed_origin_reads_the_answer_and_its_headers() {
    let t = app();
    let created = t
        .request(from(
            &t,
            DEV_SERVER,
            Method::POST,
            "/manual-whatsapp/",
            true,
            Some(common::customer("Bapak Joko", "B 1234 XYZ", "08123456789").to_string()),
        ))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(
        header(&created, header::ACCESS_CONTROL_ALLOW_ORIGIN),
        Some(DEV_SERVER)
    );
    assert_eq!(
        entries(&created, header::ACCESS_CONTROL_EXPOSE_HEADERS),
        names(&EXPOSED_HEADERS)
    );
    assert!(created.headers.contains_key("x-request-id"));

    let read = t
        .request(from(
            &t,
            FRONT_END,
            Method::GET,
            "/manual-whatsapp/by-nopol/b1234xyz",
            true,
            None,
        ))
        .await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.body["customer_name"], "Bapak Joko");
    assert_eq!(
        header(&read, header::ACCESS_CONTROL_ALLOW_ORIGIN),
        Some(FRONT_END)
    );
}

#[tokio::test]
async fn a_request_from_any_other_origin_gets_no_cors_headers() {
    let t = app();
    for origin in STRANGERS {
        let reply = t
            .request(from(
                &t,
                origin,
                Method::GET,
                "/manual-whatsapp/",
                true,
                None,
            ))
            .await;
        // Served as to curl; the browser keeps the answer from the page.
        assert_eq!(reply.status, StatusCode::OK, "{origin}");
        assert_eq!(
            cors_headers(&reply.headers),
            Vec::<String>::new(),
            "{origin}"
        );
    }
}

#[tokio::test]
async fn every_error_answer_carries_the_cors_headers() {
    let (t, fake) = common::with_gateway(Backend::Embedded, with_front_ends).await;
    fake.behave(Behaviour::ServerError);
    let oversized = format!("{{\"notes\": \"{}\"}}", "x".repeat(3 * 1024 * 1024));
    let message = json!({"no_hp": "08123456789", "message": "Halo"}).to_string();
    let id = concrete("/manual-whatsapp/{record_id}");
    let cases = [
        (Method::GET, "/manual-whatsapp/", false, None, 401),
        (Method::GET, id.as_str(), true, None, 404),
        (Method::GET, "/nowhere", true, None, 404),
        (Method::PATCH, "/manual-whatsapp/", true, None, 405),
        (
            Method::POST,
            "/manual-whatsapp/",
            true,
            Some(oversized),
            413,
        ),
        (
            Method::POST,
            "/manual-whatsapp/",
            true,
            Some(json!({"customer_name": ""}).to_string()),
            422,
        ),
        (
            Method::POST,
            "/manual-whatsapp/send-custom-message",
            true,
            Some(message),
            502,
        ),
    ];
    for (method, path, token, body, status) in cases {
        let why = format!("{method} {path}");
        let reply = t
            .request(from(&t, FRONT_END, method, path, token, body))
            .await;
        assert_eq!(reply.status.as_u16(), status, "{why}: {}", reply.body);
        assert_eq!(
            header(&reply, header::ACCESS_CONTROL_ALLOW_ORIGIN),
            Some(FRONT_END),
            "{why}"
        );
        assert_eq!(
            entries(&reply, header::ACCESS_CONTROL_EXPOSE_HEADERS),
            names(&EXPOSED_HEADERS),
            "{why}"
        );
        // The front end can read why: FastAPI's `detail`, or the gateway failure's own shape.
        assert!(
            reply.body["detail"] != Value::Null || reply.body["status"] == "failed",
            "{why}: {}",
            reply.body
        );
    }
}

#[test]
fn the_route_table_methods_are_each_listed_once() {
    let listed = methods();
    let unique: BTreeSet<String> = listed.iter().map(Method::to_string).collect();
    assert_eq!(listed.len(), unique.len(), "{listed:?}");
    let used: BTreeSet<String> = routes().iter().map(|r| r.method.to_string()).collect();
    assert_eq!(unique, used);
}

#[test]
fn a_wildcard_origin_is_refused() {
    for list in ["*", " * ", "https://bengkel.example,*"] {
        let error = allowed_origins(list).expect_err(list).to_string();
        assert!(error.starts_with("CORS_ALLOW_ORIGINS: "), "{error}");
        assert!(
            error.contains("`*` is refused") && error.contains("bearer"),
            "{error}"
        );
    }
}

#[test]
fn anything_but_an_exact_origin_is_refused() {
    let cases = [
        ("bengkel.example", None),
        ("ftp://bengkel.example", None),
        ("null", None),
        ("https://", None),
        ("https://bengkel.example/", Some(FRONT_END)),
        ("https://bengkel.example/app", Some(FRONT_END)),
        ("https://bengkel.example?x=1", Some(FRONT_END)),
        ("https://kasir@bengkel.example", Some(FRONT_END)),
        ("HTTPS://Bengkel.Example", Some(FRONT_END)),
        ("https://bengkel.example:443", Some(FRONT_END)),
        ("http://localhost:80", Some("http://localhost")),
    ];
    for (entry, suggestion) in cases {
        let error = allowed_origins(&format!("{DEV_SERVER},{entry}"))
            .expect_err(entry)
            .to_string();
        assert!(
            error.starts_with("CORS_ALLOW_ORIGINS: ") && error.contains(entry),
            "{error}"
        );
        if let Some(origin) = suggestion {
            assert!(
                error.ends_with(&format!("did you mean {origin}?")),
                "{error}"
            );
        }
    }
}

#[test]
fn exact_origins_are_accepted_and_blank_means_none() {
    let origins = allowed_origins(" https://bengkel.example , http://localhost:5173,,http://127.0.0.1:5173, https://[::1]:8443 ").unwrap();
    assert_eq!(
        origins,
        [
            FRONT_END,
            DEV_SERVER,
            "http://127.0.0.1:5173",
            "https://[::1]:8443"
        ]
    );
    assert!(allowed_origins("").unwrap().is_empty());
    assert!(allowed_origins(" , ").unwrap().is_empty());
    assert!(Config::default().cors_allow_origins.is_empty());
}
