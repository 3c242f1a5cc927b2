//! Every endpoint refuses requests without a valid HS256 token, with 401 and
//! `WWW-Authenticate: Bearer`, in FastAPI's error shape.

use crate::common;
use bengkel::route::Access;

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{Method, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bengkel::auth::Auth;
use bengkel::config::Config;
use bengkel::routes::routes;
use common::{SECRET, TestApp};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use tower::ServiceExt;

fn in_an_hour() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600
}

fn sign(alg: Algorithm, claims: &Value, secret: &str) -> String {
    encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

/// A token that declares `alg: none` and carries no signature.
fn unsigned(claims: &Value) -> String {
    let part = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.",
        part(&json!({"alg": "none", "typ": "JWT"})),
        part(claims)
    )
}

async fn assert_refused(t: &TestApp, authorization: Option<&str>, why: &str) {
    let reply = t
        .send(Method::GET, "/manual-whatsapp/", authorization, None)
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{why}");
    assert_eq!(reply.headers["www-authenticate"], "Bearer", "{why}");
    assert!(reply.body["detail"].is_string(), "{why}: {}", reply.body);
}

#[tokio::test]
async fn bad_tokens_are_refused() {
    let t = TestApp::new();
    let valid = json!({"sub": "kasir", "exp": in_an_hour()});
    let expired = json!({"sub": "kasir", "exp": in_an_hour() - 7200});
    let cases = [
        (None, "no Authorization header"),
        (Some("Basic dXNlcjpwYXNz".to_string()), "not a bearer token"),
        (Some("Bearer ".to_string()), "empty token"),
        (Some("Bearer not.a.jwt".to_string()), "garbage"),
        (
            Some(format!(
                "Bearer {}",
                sign(Algorithm::HS256, &expired, SECRET)
            )),
            "expired",
        ),
        (
            Some(format!(
                "Bearer {}",
                sign(
                    Algorithm::HS256,
                    &valid,
                    "another-secret-that-is-32-bytes-long"
                )
            )),
            "wrong signature",
        ),
        (Some(format!("Bearer {}", unsigned(&valid))), "alg none"),
        (
            Some(format!("Bearer {}", sign(Algorithm::HS512, &valid, SECRET))),
            "other algorithm",
        ),
        (
            Some(format!(
                "Bearer {}",
                sign(Algorithm::HS256, &json!({"sub": "kasir"}), SECRET)
            )),
            "missing exp",
        ),
    ];
    for (authorization, why) in cases {
        assert_refused(&t, authorization.as_deref(), why).await;
    }
    let good = format!("Bearer {}", sign(Algorithm::HS256, &valid, SECRET));
    assert_eq!(
        t.send(Method::GET, "/manual-whatsapp/", Some(&good), None)
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn every_api_route_requires_a_token() {
    let t = TestApp::new();
    // The docs page and the document are public: they show no data.
    for route in routes().into_iter().filter(|r| r.level().is_some()) {
        let path = route
            .path
            .replace("{record_id}", &uuid::Uuid::new_v4().to_string())
            .replace("{nopol}", "B1234XYZ");
        let reply = t
            .send(route.method.clone(), &path, None, Some("{}".into()))
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{} {path}",
            route.method
        );
    }
}

fn now() -> u64 {
    in_an_hour() - 3600
}

#[tokio::test]
async fn time_claims_are_honoured() {
    let t = TestApp::new();
    let bearer = |claims: Value| format!("Bearer {}", sign(Algorithm::HS256, &claims, SECRET));
    let skew = bengkel::auth::CLOCK_SKEW_SECS;
    // Expired past the allowed clock skew, or not valid yet: refused.
    let expired = bearer(json!({"sub": "kasir", "exp": now() - skew - 30}));
    assert_refused(&t, Some(&expired), "exp just past").await;
    let early = bearer(json!({"sub": "kasir", "exp": in_an_hour(), "nbf": now() + skew + 60}));
    assert_refused(&t, Some(&early), "nbf in the future").await;
    // Within their times (nbf past, or a few seconds ahead within the skew): accepted.
    for nbf in [now() - 60, now() + 5] {
        let ok = bearer(json!({"sub": "kasir", "exp": in_an_hour(), "nbf": nbf}));
        let reply = t
            .send(Method::GET, "/manual-whatsapp/", Some(&ok), None)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "nbf {nbf}");
    }
}

#[tokio::test]
async fn the_staff_page_is_served_without_a_token_and_with_any() {
    let t = TestApp::new();
    let public: Vec<_> = routes()
        .into_iter()
        .filter(|route| route.access == Access::Public)
        .collect();
    assert_eq!(
        public
            .iter()
            .map(|route| (route.function, route.path))
            .collect::<Vec<_>>(),
        [
            ("api-docs", "/openapi.json"),
            ("api-docs", "/docs"),
            ("api-docs", "/docs/{file}"),
            ("staff-page", "/"),
            ("staff-page", "/assets/{file}"),
        ],
        "only the docs, the document, the page and their files are public"
    );
    // A refused token must not keep the sign-in form from loading.
    for authorization in [None, Some("Bearer expired.or.wrong")] {
        for (path, content_type) in [
            ("/", "text/html; charset=utf-8"),
            ("/assets/app.js", "text/javascript; charset=utf-8"),
            ("/assets/style.css", "text/css; charset=utf-8"),
        ] {
            let mut request = axum::http::Request::builder().uri(path);
            if let Some(value) = authorization {
                request = request.header("authorization", value);
            }
            let response = t
                .router
                .clone()
                .oneshot(request.body(axum::body::Body::empty()).unwrap())
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            assert_eq!(response.headers()["content-type"], content_type, "{path}");
        }
    }
}

#[tokio::test]
async fn issuer_and_audience_are_checked_when_configured() {
    let config = Config {
        jwt_issuer: Some("bengkel-main".into()),
        jwt_audience: Some("bengkel-api".into()),
        ..Config::default()
    };
    let t = TestApp::with_config(config);
    let exp = in_an_hour();
    let right = json!({"exp": exp, "iss": "bengkel-main", "aud": "bengkel-api"});
    let cases = [
        (
            json!({"exp": exp, "iss": "elsewhere", "aud": "bengkel-api"}),
            "wrong issuer",
        ),
        (
            json!({"exp": exp, "iss": "bengkel-main", "aud": "elsewhere"}),
            "wrong audience",
        ),
        (json!({"exp": exp}), "neither"),
    ];
    for (claims, why) in cases {
        assert_refused(
            &t,
            Some(&format!(
                "Bearer {}",
                sign(Algorithm::HS256, &claims, SECRET)
            )),
            why,
        )
        .await;
    }
    let good = format!("Bearer {}", sign(Algorithm::HS256, &right, SECRET));
    assert_eq!(
        t.send(Method::GET, "/manual-whatsapp/", Some(&good), None)
            .await
            .status,
        StatusCode::OK
    );
}

#[test]
fn secrets_shorter_than_32_bytes_are_refused() {
    assert!(Auth::new(b"too-short-secret", &Config::default()).is_err());
    assert!(Auth::new(&[7u8; 32], &Config::default()).is_ok());
}
