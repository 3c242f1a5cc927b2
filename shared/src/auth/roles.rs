//! Which level a token's roles grant: the claim and its values are configuration
//! (`JWT_ROLE_CLAIM`, `JWT_READ_ROLES`, `JWT_STAFF_ROLES`, `JWT_ADMIN_ROLES`), so the main
//! application's tokens work as they are.

use serde_json::Value;

use super::Claims;
use crate::actor::Level;
use crate::config::RoleSettings;

pub struct Roles {
    claim: String,
    /// Each role value and the level it grants.
    grants: Vec<(String, Level)>,
}

impl Roles {
    pub fn new(settings: &RoleSettings) -> Self {
        let grants = [
            (&settings.read, Level::Read),
            (&settings.staff, Level::Staff),
            (&settings.admin, Level::Admin),
        ]
        .into_iter()
        .flat_map(|(roles, level)| roles.iter().map(move |role| (role.clone(), level)))
        .collect();
        Roles {
            claim: settings.claim.clone(),
            grants,
        }
    }

    /// The name of the claim carrying the roles.
    pub fn claim(&self) -> &str {
        &self.claim
    }

    /// The highest level any of the token's roles grants; `None` when none does.
    pub fn level(&self, claims: &Claims) -> Option<Level> {
        let granted = claims
            .other
            .get(&self.claim)
            .map(values)
            .unwrap_or_default();
        self.grants
            .iter()
            .filter(|(role, _)| granted.contains(&role.as_str()))
            .map(|(_, level)| *level)
            .max()
    }

    /// A role value that grants exactly `level`, for the tokens the local server prints.
    pub fn role_of(&self, level: Level) -> Option<&str> {
        self.grants
            .iter()
            .find(|(_, granted)| *granted == level)
            .map(|(role, _)| role.as_str())
    }
}

/// The roles a claim holds: a string (one role, or several separated by spaces, as OAuth's
/// `scope`) or an array of strings.
fn values(claim: &Value) -> Vec<&str> {
    match claim {
        Value::String(text) => text.split_whitespace().collect(),
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn roles() -> Roles {
        Roles::new(&RoleSettings {
            claim: "scope".into(),
            read: vec!["bengkel:read".into()],
            staff: vec!["bengkel:staff".into(), "advisor".into()],
            admin: vec!["owner".into()],
        })
    }

    fn claims(scope: Value) -> Claims {
        Claims {
            other: [("scope".to_string(), scope)].into(),
            ..Claims::default()
        }
    }

    #[test]
    fn a_string_a_scope_and_an_array_grant_their_highest_level() {
        let roles = roles();
        assert_eq!(roles.level(&claims(json!("advisor"))), Some(Level::Staff));
        assert_eq!(
            roles.level(&claims(json!("openid bengkel:read owner"))),
            Some(Level::Admin)
        );
        assert_eq!(
            roles.level(&claims(json!(["bengkel:read", "bengkel:staff"]))),
            Some(Level::Staff)
        );
    }

    #[test]
    fn unknown_roles_and_other_shapes_grant_nothing() {
        let roles = roles();
        assert_eq!(roles.level(&claims(json!("kasir"))), None);
        assert_eq!(roles.level(&claims(json!({"role": "owner"}))), None);
        assert_eq!(roles.level(&claims(json!(7))), None);
        assert_eq!(roles.level(&Claims::default()), None);
        // A role is matched whole, never as a part of another.
        assert_eq!(roles.level(&claims(json!("owners"))), None);
    }
}
