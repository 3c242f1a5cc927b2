//! Each Lambda function, as the deployed executable resolves it from its name, serves exactly
//! its own routes: another route's request is a 404 from it (or a 405 where it serves the same
//! path with another method), never handled.

use crate::common;
use bengkel::route::Access;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use bengkel::lambda::Function;
use bengkel::routes::routes;
use common::TestApp;
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
            let serving = own
                .iter()
                .find(|route| route.method == method && matches(route.path, path));
            let served = serving.is_some();
            let same_path = own.iter().any(|route| matches(route.path, path));
            for path in [path.clone(), format!("{path}/")] {
                // No token: a request the function serves stops at authentication (401).
                if serving.is_some_and(|route| route.level().is_none()) {
                    // A public route answers without a token (here a redirect to `/docs/`, the
                    // page, or 404 for a file the page does not have).
                    let request = Request::builder()
                        .method(method.clone())
                        .uri(&path)
                        .body(Body::empty())
                        .unwrap();
                    let status = app.router.clone().oneshot(request).await.unwrap().status();
                    assert!(
                        status.is_success()
                            || status.is_redirection()
                            || status == StatusCode::NOT_FOUND,
                        "{name}: {method} {path}: {status}"
                    );
                    continue;
                }
                let reply = app.send(method.clone(), &path, None, None).await;
                // A webhook takes no token: without its secret (none is configured here), 404.
                let webhook = serving.is_some_and(|route| route.access == Access::Webhook);
                let expected = if webhook {
                    StatusCode::NOT_FOUND
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
                if !served || webhook {
                    assert!(
                        reply.body["detail"].is_string(),
                        "{name}: {method} {path}: FastAPI-shaped"
                    );
                }
            }
        }
    }
}
