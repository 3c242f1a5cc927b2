//! The staff page: one HTML page with its CSS and JavaScript, embedded in the executable and
//! served at `/` without a token (it holds no data; every call it makes to the API carries the
//! bearer token the person signed in with).
//!
//! Every answer is revalidated (`Cache-Control: no-cache` with an `ETag` of its content), so a
//! new deploy takes effect on the next load while an unchanged file costs a 304; and carries
//! the headers of a page a token is typed into ([`headers::lock_page`]): a
//! Content-Security-Policy that lets the page load and call nothing but its own origin.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::headers;

/// One embedded file.
pub struct Asset {
    /// Its name under `/assets/` (the index is `/` itself).
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
}

const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

macro_rules! asset {
    ($name:literal, $content_type:expr) => {
        Asset {
            name: $name,
            content_type: $content_type,
            body: include_str!(concat!("assets/", $name)),
        }
    };
}

/// The page, served at `/`.
pub const INDEX: Asset = asset!("index.html", HTML);

/// The files the page loads from `/assets/`: its style and its ES modules.
pub const ASSETS: [Asset; 15] = [
    asset!("style.css", CSS),
    asset!("app.js", JS),
    asset!("http.js", JS),
    asset!("ui.js", JS),
    asset!("phone.js", JS),
    asset!("chart.js", JS),
    asset!("dashboard.js", JS),
    asset!("manual.js", JS),
    asset!("import.js", JS),
    asset!("reminders.js", JS),
    asset!("messages.js", JS),
    asset!("replies.js", JS),
    asset!("register.js", JS),
    asset!("visits.js", JS),
    asset!("report.js", JS),
];

/// `GET /`: the page.
pub async fn index(headers: HeaderMap) -> Response {
    serve(&INDEX, &headers)
}

/// `GET /assets/{file}`: one of [`ASSETS`], or the API's 404.
pub async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    match ASSETS.iter().find(|asset| asset.name == file) {
        Some(asset) => serve(asset, &headers),
        None => ApiError::NotFound("Not Found".into()).into_response(),
    }
}

/// The file, or a 304 when the browser's copy (`If-None-Match`) is current.
fn serve(asset: &'static Asset, request: &HeaderMap) -> Response {
    let etag = etag(asset);
    let current = request
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == etag));
    let mut response = if current {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, asset.content_type)], asset.body).into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
    headers::lock_page(
        headers,
        HeaderValue::from_static(headers::CONTENT_SECURITY_POLICY),
    );
    response
}

/// A strong validator from the file's content, computed once per process. The hash only has
/// to change when the content does; a new Rust release changing it costs one re-download.
fn etag(asset: &'static Asset) -> &'static str {
    static TAGS: LazyLock<Vec<(&'static str, String)>> = LazyLock::new(|| {
        std::iter::once(&INDEX)
            .chain(&ASSETS)
            .map(|asset| {
                let mut hasher = DefaultHasher::new();
                asset.body.hash(&mut hasher);
                (asset.name, format!("\"{:016x}\"", hasher.finish()))
            })
            .collect()
    });
    TAGS.iter()
        .find(|(name, _)| *name == asset.name)
        .map_or("\"\"", |(_, tag)| tag.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headers::CONTENT_SECURITY_POLICY;

    async fn get(file: &str, if_none_match: Option<&str>) -> Response {
        let mut headers = HeaderMap::new();
        if let Some(tag) = if_none_match {
            headers.insert(header::IF_NONE_MATCH, HeaderValue::from_str(tag).unwrap());
        }
        if file.is_empty() {
            index(headers).await
        } else {
            asset(Path(file.to_string()), headers).await
        }
    }

    fn header_of(response: &Response, name: header::HeaderName) -> &str {
        response
            .headers()
            .get(&name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("no {name}"))
    }

    #[tokio::test]
    async fn every_file_has_its_type_the_policy_and_a_validator() {
        for (file, content_type) in [
            ("", HTML),
            ("style.css", CSS),
            ("app.js", JS),
            ("report.js", JS),
        ] {
            let response = get(file, None).await;
            assert_eq!(response.status(), StatusCode::OK, "{file}");
            assert_eq!(header_of(&response, header::CONTENT_TYPE), content_type);
            assert_eq!(header_of(&response, header::CACHE_CONTROL), "no-cache");
            assert_eq!(
                header_of(&response, header::CONTENT_SECURITY_POLICY),
                CONTENT_SECURITY_POLICY
            );
            assert_eq!(
                header_of(&response, header::X_CONTENT_TYPE_OPTIONS),
                "nosniff"
            );
            assert_eq!(header_of(&response, header::REFERRER_POLICY), "no-referrer");
            let tag = header_of(&response, header::ETAG).to_string();
            assert!(tag.len() == 18 && tag.starts_with('"'), "{tag}");

            // The browser's current copy: 304, no body; a stale one: the file again.
            let again = get(file, Some(&format!("\"0\", {tag}"))).await;
            assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{file}");
            let body = axum::body::to_bytes(again.into_body(), 1).await.unwrap();
            assert!(body.is_empty());
            let stale = get(file, Some("\"0000000000000000\"")).await;
            assert_eq!(stale.status(), StatusCode::OK);
        }
    }

    #[test]
    fn files_differ_in_their_etag() {
        let tags: std::collections::BTreeSet<_> =
            std::iter::once(&INDEX).chain(&ASSETS).map(etag).collect();
        assert_eq!(tags.len(), ASSETS.len() + 1);
    }

    #[test]
    fn the_page_loads_only_embedded_files_and_no_inline_script() {
        let names: Vec<&str> = ASSETS.iter().map(|asset| asset.name).collect();
        for asset in std::iter::once(&INDEX).chain(&ASSETS) {
            // No other host: no absolute URL in any file (the API is called by relative path);
            // SVG's namespace is a name, never fetched.
            let body = asset.body.replace("http://www.w3.org/2000/svg", "");
            assert!(
                !body.contains("http://") && !body.contains("https://"),
                "{} names another host",
                asset.name
            );
            // Every module a file imports is one of the embedded ones.
            for import in asset.body.split("from \"./").skip(1) {
                let name = import.split('"').next().unwrap();
                assert!(names.contains(&name), "{} imports {name}", asset.name);
            }
        }
        assert!(!INDEX.body.contains("<script>"), "no inline script");
        assert!(!INDEX.body.contains("style=\""), "no inline style");
        for name in ["style.css", "app.js"] {
            assert!(INDEX.body.contains(&format!("assets/{name}")), "{name}");
        }
    }

    #[tokio::test]
    async fn an_unknown_file_is_the_apis_404() {
        for file in ["nope.js", "../Cargo.toml", "index.html"] {
            let response = get(file, None).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{file}");
        }
    }
}
