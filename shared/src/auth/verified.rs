//! Tokens verified before: a token seen again skips the HMAC and the claim checks, which cost
//! more than the rest of a small request. Keyed by the whole token text, so a token differing
//! in any byte (another signature, other claims) is verified afresh.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::Claims;

/// Most tokens kept; staff sign in with a few at a time.
pub const CAPACITY: usize = 1024;

/// Valid tokens with their claims, each until its `exp` (plus the clock skew the verification
/// allows). Lives inside its [`super::Auth`], so it never outlives the key that verified them.
pub struct VerifiedTokens {
    leeway: u64,
    capacity: usize,
    by_token: RwLock<HashMap<Box<str>, Arc<Claims>>>,
}

impl VerifiedTokens {
    pub fn new(leeway: u64, capacity: usize) -> Self {
        VerifiedTokens {
            leeway,
            capacity,
            by_token: RwLock::new(HashMap::new()),
        }
    }

    /// The claims of `token` if it was verified before and has not expired at `now` (Unix
    /// seconds): the same bound the verification applies, `exp + leeway >= now`.
    pub fn get(&self, token: &str, now: u64) -> Option<Arc<Claims>> {
        let tokens = self.by_token.read().unwrap_or_else(|e| e.into_inner());
        tokens
            .get(token)
            .filter(|claims| self.valid_at(claims, now))
            .cloned()
    }

    /// Keeps `claims` of a token that was just verified. When full, the expired tokens go; if
    /// that frees nothing, all go (the next requests verify their tokens again).
    pub fn insert(&self, token: &str, claims: Arc<Claims>, now: u64) {
        let mut tokens = self.by_token.write().unwrap_or_else(|e| e.into_inner());
        if tokens.len() >= self.capacity {
            tokens.retain(|_, claims| self.valid_at(claims, now));
            if tokens.len() >= self.capacity {
                tokens.clear();
            }
        }
        tokens.insert(token.into(), claims);
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.by_token
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    fn valid_at(&self, claims: &Claims, now: u64) -> bool {
        claims.exp.saturating_add(self.leeway) >= now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: u64) -> Arc<Claims> {
        Arc::new(Claims {
            sub: Some("kasir".into()),
            exp,
            ..Claims::default()
        })
    }

    #[test]
    fn a_token_is_kept_until_its_exp_and_the_skew() {
        let cache = VerifiedTokens::new(60, 8);
        cache.insert("a.b.c", claims(1_000), 900);
        assert!(cache.get("a.b.c", 1_000).is_some());
        assert!(cache.get("a.b.c", 1_060).is_some());
        assert!(
            cache.get("a.b.c", 1_061).is_none(),
            "expired, though cached"
        );
    }

    #[test]
    fn only_the_whole_token_text_matches() {
        let cache = VerifiedTokens::new(60, 8);
        cache.insert("a.b.c", claims(1_000), 900);
        assert!(cache.get("a.b.d", 900).is_none());
        assert!(cache.get("a.b.", 900).is_none());
        assert!(cache.get("a.b.c ", 900).is_none());
    }

    #[test]
    fn a_full_cache_drops_the_expired_tokens_first() {
        let cache = VerifiedTokens::new(0, 3);
        cache.insert("old", claims(100), 50);
        cache.insert("live-1", claims(1_000), 50);
        cache.insert("live-2", claims(1_000), 50);
        cache.insert("new", claims(1_000), 500);
        assert_eq!(cache.len(), 3);
        assert!(cache.get("old", 50).is_none());
        for token in ["live-1", "live-2", "new"] {
            assert!(cache.get(token, 500).is_some(), "{token}");
        }
    }

    #[test]
    fn a_full_cache_of_live_tokens_starts_over() {
        let cache = VerifiedTokens::new(60, 3);
        for n in 0..10 {
            cache.insert(&format!("token-{n}"), claims(1_000), 500);
            assert!(cache.len() <= 3);
        }
        assert!(cache.get("token-9", 500).is_some(), "the newest is kept");
    }
}
