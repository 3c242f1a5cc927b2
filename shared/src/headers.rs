//! The headers that keep what an answer holds to the browser tab that asked for it: those of
//! the pages a token is typed into (the staff page, the docs page and their files), and those
//! of every answer of the API.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// Only the page's own files and API; no inline script or style, no frames, no other host.
/// `img-src data:` is the empty icon of the staff page's `index.html` (no `/favicon.ico`
/// request) and the icons Swagger UI's stylesheet draws.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// [`CONTENT_SECURITY_POLICY`] that also allows the `<style>` elements whose exact text is in
/// `styles`, by their SHA-256: for a page whose own script adds such an element.
pub fn policy_allowing_styles(styles: &[String]) -> String {
    let hashes: String = styles
        .iter()
        .map(|style| format!(" 'sha256-{}'", STANDARD.encode(Sha256::digest(style))))
        .collect();
    CONTENT_SECURITY_POLICY.replacen("style-src 'self'", &format!("style-src 'self'{hashes}"), 1)
}

/// A page or a file of one, under `policy` ([`CONTENT_SECURITY_POLICY`] or one made by
/// [`policy_allowing_styles`]): it may load and call nothing but its own origin, may not be
/// framed (a framed page could be clicked into calling the API), is never read as another type
/// than it says, and tells no other site where it was.
pub fn lock_page(headers: &mut HeaderMap, policy: HeaderValue) {
    headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    no_sniffing(headers);
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

/// An answer of the API (a token was needed to get it): customer data, so no cache, shared or
/// the browser's, keeps a copy, and it is never read as another type than it says.
pub async fn private_answer(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    no_sniffing(headers);
    response
}

fn no_sniffing(headers: &mut HeaderMap) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_no_other_origin_and_allows_nothing_inline() {
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe"));
        assert!(!CONTENT_SECURITY_POLICY.contains("http"));
        assert!(!CONTENT_SECURITY_POLICY.contains('*'));
        assert!(CONTENT_SECURITY_POLICY.ends_with("frame-ancestors 'none'"));
    }

    #[test]
    fn a_style_is_allowed_by_the_hash_of_its_exact_text() {
        // The hash Chromium names when it blocks `<style>a{}</style>`.
        let policy = policy_allowing_styles(&["a{}".into()]);
        let hash = STANDARD.encode(Sha256::digest("a{}"));
        assert!(
            policy.contains(&format!("style-src 'self' 'sha256-{hash}';")),
            "{policy}"
        );
        assert_eq!(policy_allowing_styles(&[]), CONTENT_SECURITY_POLICY);
    }
}
