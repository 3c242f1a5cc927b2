//! Each Lambda function, as the deployed executable resolves it from its name, serves exactly
//! its own routes: another route's request is a 404 from it (or a 405 where it serves the same
//! path with another method), never handled.

use crate::common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use bengkel::lambda::Function;
use bengkel::routes::routes;
use common::TestApp;
use serde_json::Value;
use tower::ServiceExt;

/// A concrete request path for a route's path: each `{parameter}` filled in (a file of the
/// staff page's for `{file}`).
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment == "{file}" {
                "app.js"
            } else if segment.starts_with('{') {
                "7f1c2e5a-0000-4000-8000-000000000001"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether `pattern` (a route-table path) matches the concrete `path`, segment by segment.
fn matches(pattern: &str, path: &str) -> bool {
    let (pattern, path): (Vec<_>, Vec<_>) =
        (pattern.split('/').collect(), path.split('/').collect());
    pattern.len() == path.len()
        && pattern
            .iter()
            .zip(&path)
            .all(|(p, s)| p.starts_with('{') || p == s)
}

struct Reply {
    status: StatusCode,
    /// The JSON body; null for another (the staff page's HTML and scripts).
    body: Value,
}

/// `method path` without a token.
async fn send(app: &TestApp, method: Method, path: &str) -> Reply {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .body(Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Reply {
        status,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

#[tokio::test]
async fn each_function_serves_exactly_its_own_routes() {
    let table = routes();
    let requests: Vec<(Method, String)> = table
        .iter()
        .map(|route| (route.method.clone(), concrete(route.path)))
        .collect();
    let mut app = TestApp::new();

    for name in Function::names() {
        let function = Function::named(name).unwrap();
        let Some(router) = function.router(app.app.clone()) else {
            // The daily run answers no HTTP request.
            assert!(
                table.iter().all(|route| route.function != name),
                "{name} has routes"
            );
            continue;
        };
        app.router = router;
        let own: Vec<_> = table
            .iter()
            .filter(|route| route.function == name)
            .collect();
        assert!(!own.is_empty(), "{name} serves no route");

        for (method, path) in &requests {
            let served = own
                .iter()
                .any(|route| route.method == method && matches(route.path, path));
            let same_path = own.iter().any(|route| matches(route.path, path));
            let public = own
                .iter()
                .any(|route| route.public && matches(route.path, path));
            let paths = if path == "/" {
                vec![path.clone()]
            } else {
                vec![path.clone(), format!("{path}/")]
            };
            for path in paths {
                // No token: a request the function serves stops at authentication (401),
                // unless the route is public (the staff page).
                let reply = send(&app, method.clone(), &path).await;
                let expected = if served && public {
                    StatusCode::OK
                } else if served {
                    StatusCode::UNAUTHORIZED
                } else if same_path {
                    StatusCode::METHOD_NOT_ALLOWED
                } else {
                    StatusCode::NOT_FOUND
                };
                assert_eq!(
                    reply.status, expected,
                    "{name}: {method} {path}: {:?}",
                    reply.body
                );
                if !served {
                    assert!(
                        reply.body["detail"].is_string(),
                        "{name}: {method} {path}: FastAPI-shaped"
                    );
                }
            }
        }
    }
}
