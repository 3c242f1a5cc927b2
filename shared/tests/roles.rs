//! Roles on every route, on both stores: each level against each route of the route table (403
//! and no change below the route's level), the role claim as a string, a scope and an array,
//! roles off, token age and scheme casing, the change log of the changes, and the actor of every
//! send.

use crate::common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use bengkel::actor::Level;
use bengkel::config::{Config, RoleSettings};
use bengkel::routes::routes;
use bengkel::scheduler::Job;
use common::{Backend, SECRET, TestApp, customer};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use tower::ServiceExt;

on_both_stores!(
    each_level_against_each_route,
    the_change_log_records_who_changed_what,
    every_send_records_its_sender,
    role_claims_as_a_string_a_scope_and_an_array,
    roles_off_every_token_is_admin,
    a_change_and_its_entry_commit_together,
);

/// The role values of each level in these tests.
const READ: &str = "kasir";
const STAFF: &str = "advisor";
const ADMIN: &str = "pemilik";

fn roles(claim: &str) -> RoleSettings {
    RoleSettings {
        claim: claim.into(),
        read: vec![READ.into()],
        staff: vec![STAFF.into()],
        admin: vec![ADMIN.into()],
    }
}

fn with_roles(config: Config) -> Config {
    Config {
        roles: Some(roles("role")),
        ..config
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// `Bearer <token>` of `claims`, with an `exp` an hour ahead unless they name one.
fn bearer(mut claims: Value) -> String {
    if claims.get("exp").is_none() {
        claims["exp"] = json!(now() + 3600);
    }
    let token = encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    format!("Bearer {token}")
}

/// A token of `sub` whose `role` grants `level`.
fn as_level(sub: &str, level: Level) -> String {
    let role = match level {
        Level::Read => READ,
        Level::Staff => STAFF,
        Level::Admin => ADMIN,
    };
    bearer(json!({"sub": sub, "role": role}))
}

async fn call(
    t: &TestApp,
    auth: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> common::Reply {
    t.send(method, path, Some(auth), body.map(|b| b.to_string()))
        .await
}

/// The status and, when JSON, the body of any answer (a file download included).
async fn answer(t: &TestApp, auth: &str, method: Method, path: &str) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", auth)
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .unwrap();
    let response = t.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// What the API holds, as an admin reads it: every list a change would show in.
async fn state(t: &TestApp) -> Vec<Value> {
    let admin = as_level("auditor", Level::Admin);
    let mut seen = Vec::new();
    for path in [
        "/manual-whatsapp?limit=1000",
        "/customers",
        "/whatsapp-report",
        "/whatsapp-report/snapshots",
        "/messages",
        "/audit",
        "/scheduler/maintenance-reminder/status",
        "/scheduler/monthly-report-reset/status",
    ] {
        let reply = call(t, &admin, Method::GET, path, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
        seen.push(reply.body);
    }
    seen
}

/// A manual record, a register customer with a vehicle and its report row: something for each
/// route's path to name. The route's path with its parameters filled in from them.
async fn seeded_paths(t: &TestApp) -> impl Fn(&str) -> String {
    let admin = as_level("penyiap", Level::Admin);
    let record = call(
        t,
        &admin,
        Method::POST,
        "/manual-whatsapp",
        Some(customer("Budi", "B 1234 CD", "081234567890")),
    )
    .await;
    assert_eq!(record.status, StatusCode::CREATED, "{}", record.body);
    let registered = call(
        t,
        &admin,
        Method::POST,
        "/customers",
        Some(json!({"name": "Siti", "no_hp": "081234567891",
            "vehicles": [{"nopol": "B 9 Z", "model": "Jazz", "last_visit": "2025-09-11"}]})),
    )
    .await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.body
    );
    let record_id = record.body["id"].as_str().unwrap().to_string();
    let customer_id = registered.body["id"].as_str().unwrap().to_string();
    let vehicle_id = registered.body["vehicles"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let report_id = bengkel::report::report_id(&customer_id, &vehicle_id);
    move |path: &str| {
        path.replace("{record_id}", &record_id)
            .replace("{nopol}", "B1234CD")
            .replace("{customer_id}", &customer_id)
            .replace("{vehicle_id}", &vehicle_id)
            .replace("{report_id}", &report_id)
            .replace("{snapshot_id}", &uuid::Uuid::new_v4().to_string())
    }
}

/// Every level against every route of the table: below the route's level a 403 in Indonesian
/// that changes nothing; at or above it, never a 401 or 403.
async fn each_level_against_each_route(backend: Backend) {
    let t = TestApp::on(backend, with_roles(Config::default())).await;
    let path_of = seeded_paths(&t).await;
    let table = routes();
    let api: Vec<_> = table.iter().filter(|r| r.level().is_some()).collect();

    let before = state(&t).await;
    let mut refused = 0;
    for route in &api {
        let needed = route.level().unwrap();
        for level in Level::ALL.into_iter().filter(|level| *level < needed) {
            let path = path_of(route.path);
            let auth = as_level("pelaku", level);
            let (status, body) = answer(&t, &auth, route.method.clone(), &path).await;
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "{} {path} as {level:?}: {body}",
                route.method,
            );
            let detail = body["detail"].as_str().unwrap_or_default();
            assert!(detail.starts_with("Akses ditolak"), "{detail}");
            refused += 1;
        }
    }
    assert!(refused > 20, "most routes are above read: {refused}");
    assert_eq!(
        state(&t).await,
        before,
        "a refused request changed something"
    );

    for route in &api {
        let needed = route.level().unwrap();
        for level in Level::ALL.into_iter().filter(|level| *level >= needed) {
            let path = path_of(route.path);
            let auth = as_level("pelaku", level);
            let (status, body) = answer(&t, &auth, route.method.clone(), &path).await;
            assert!(
                status != StatusCode::FORBIDDEN && status != StatusCode::UNAUTHORIZED,
                "{} {path} as {level:?}: {status} {body}",
                route.method,
            );
        }
    }
}

/// The change log after a delete, a reset, an import and a scheduler stop: newest first, each
/// with its actor, action, target and summary; filtered by actor, action and time; paged.
async fn the_change_log_records_who_changed_what(backend: Backend) {
    let t = TestApp::on(backend, with_roles(Config::default())).await;
    let staff = as_level("sari", Level::Staff);
    let owner = as_level("pemilik-bengkel", Level::Admin);

    let created = call(
        &t,
        &staff,
        Method::POST,
        "/manual-whatsapp",
        Some(customer("Budi", "B 1234 CD", "081234567890")),
    )
    .await;
    let id = created.body["id"].as_str().unwrap().to_string();
    t.clock.set("2026-01-10T10:31:00+07:00");
    let deleted = call(
        &t,
        &owner,
        Method::DELETE,
        &format!("/manual-whatsapp/{id}"),
        None,
    )
    .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    t.clock.set("2026-01-10T10:32:00+07:00");
    let imported = call(
        &t,
        &staff,
        Method::POST,
        "/manual-whatsapp/bulk-import",
        Some(json!([
            customer("Ani", "B 1 A", "081234567801"),
            customer("Dedi", "B 2 A", "081234567802"),
            customer("Eko", "B 1 A", "081234567803"),
        ])),
    )
    .await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    t.clock.set("2026-01-10T10:33:00+07:00");
    let reset = call(
        &t,
        &owner,
        Method::POST,
        "/whatsapp-report/reset-frequency",
        None,
    )
    .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.body);
    t.clock.set("2026-01-10T10:34:00+07:00");
    let stopped = call(
        &t,
        &owner,
        Method::POST,
        "/scheduler/maintenance-reminder/stop",
        None,
    )
    .await;
    assert_eq!(stopped.status, StatusCode::OK, "{}", stopped.body);
    // Reading changes nothing, and a refused change leaves no entry.
    let refused = call(
        &t,
        &staff,
        Method::POST,
        "/scheduler/maintenance-reminder/start",
        None,
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let log = call(&t, &staff, Method::GET, "/audit", None).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.body);
    let entries = log.body["data"].as_array().unwrap();
    let seen: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    assert_eq!(
        seen,
        [
            ("scheduler-stop", "pemilik-bengkel"),
            ("report-reset", "pemilik-bengkel"),
            ("manual-bulk-import", "sari"),
            ("manual-delete", "pemilik-bengkel"),
            ("manual-create", "sari"),
        ],
        "newest first: {}",
        log.body
    );
    let delete = &entries[3];
    assert_eq!(delete["target"], json!({"kind": "record", "id": id}));
    assert_eq!(
        delete["summary"],
        json!(format!("DELETE /manual-whatsapp/{id}"))
    );
    assert_eq!(
        entries[2]["summary"],
        json!("Impor: 3 baris, 2 berhasil, 1 gagal")
    );
    assert!(
        entries[1]["summary"]
            .as_str()
            .unwrap()
            .starts_with("Reset frekuensi: 0 baris"),
        "{}",
        entries[1]
    );
    assert_eq!(
        entries[0]["target"],
        json!({"kind": "scheduler", "id": null})
    );

    // Filters: who, what, since when.
    let mine = call(&t, &staff, Method::GET, "/audit?actor=sari", None).await;
    assert_eq!(
        mine.body["data"].as_array().unwrap().len(),
        2,
        "{}",
        mine.body
    );
    let deletes = call(&t, &staff, Method::GET, "/audit?action=manual-delete", None).await;
    assert_eq!(deletes.body["data"][0]["target"]["id"], json!(id));
    assert_eq!(deletes.body["data"].as_array().unwrap().len(), 1);
    let later = call(
        &t,
        &staff,
        Method::GET,
        "/audit?since=2026-01-10T10:35:00%2B07:00",
        None,
    )
    .await;
    assert_eq!(later.body["data"], json!([]), "nothing changed after 10:34");
    let since = call(
        &t,
        &staff,
        Method::GET,
        "/audit?since=2026-01-10T10:32:00%2B07:00",
        None,
    )
    .await;
    let actions: Vec<&str> = since.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["scheduler-stop", "report-reset", "manual-bulk-import"]
    );
    assert_eq!(
        since.body["data"][2]["at"],
        json!("2026-01-10T10:32:00+07:00")
    );
    for bad in ["kemarin", ""] {
        let bad = call(
            &t,
            &staff,
            Method::GET,
            &format!("/audit?since={bad}"),
            None,
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.body["detail"][0]["loc"], json!(["query", "since"]));
    }

    // Pages of two, through the cursor, give the same entries in the same order.
    let mut paged = Vec::new();
    let mut path = "/audit?limit=2".to_string();
    loop {
        let page = call(&t, &staff, Method::GET, &path, None).await;
        paged.extend(page.body["data"].as_array().unwrap().iter().cloned());
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/audit?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(&paged, entries);
}

/// An app that sends through a fake StarSender, with roles on.
async fn sending_app(backend: Backend) -> (TestApp, bengkel::fakes::starsender::FakeStarSender) {
    common::with_gateway(backend, |config| config.roles = Some(roles("role"))).await
}

/// Each send path writes who sent: the token's `sub`, or `jadwal` for the daily run.
async fn every_send_records_its_sender(backend: Backend) {
    let (t, _fake) = sending_app(backend).await;
    let setup = as_level("penyiap", Level::Admin);
    let mut tomorrow = customer("Budi", "B 1234 CD", "081234567890");
    tomorrow["next_service"] = json!("2026-01-11");
    let mut later = customer("Ani", "B 1 A", "081234567801");
    later["next_service"] = json!("2026-01-12");
    let mut ids = Vec::new();
    for body in [tomorrow, later] {
        let created = call(&t, &setup, Method::POST, "/manual-whatsapp", Some(body)).await;
        ids.push(created.body["id"].as_str().unwrap().to_string());
    }
    let vehicle = json!({"name": "Siti", "no_hp": "081234567891",
        "vehicles": [{"nopol": "B 9 Z", "model": "Jazz", "last_visit": "2025-09-11"}]});
    assert_eq!(
        call(&t, &setup, Method::POST, "/customers", Some(vehicle))
            .await
            .status,
        StatusCode::CREATED
    );

    let sends = [
        (
            "pengirim-register",
            "/customers/send-maintenance-reminder".to_string(),
            json!({}),
        ),
        (
            "pengirim-massal",
            "/manual-whatsapp/send-reminders".to_string(),
            json!({"days_threshold": 1}),
        ),
        (
            "pengirim-satu",
            format!("/manual-whatsapp/{}/send-reminder", ids[0]),
            json!({}),
        ),
        (
            "pengirim-pesan",
            "/manual-whatsapp/send-custom-message".to_string(),
            json!({"no_hp": "081234567899", "message": "Halo"}),
        ),
    ];
    for (sub, path, body) in sends {
        let reply = call(
            &t,
            &as_level(sub, Level::Staff),
            Method::POST,
            &path,
            Some(body),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    }
    t.app
        .run(
            Job::DailyReminders,
            Instant::now() + Duration::from_secs(60),
        )
        .await
        .unwrap();

    let log = call(&t, &setup, Method::GET, "/messages", None).await;
    let senders: BTreeSet<(String, String, String)> = log.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["source"].as_str().unwrap().to_string(),
                e["no_hp"].as_str().unwrap().to_string(),
                e["sent_by"].as_str().unwrap_or("(none)").to_string(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String, String)> = [
        ("bulk", "6281234567891", "pengirim-register"),
        ("bulk", "6281234567890", "pengirim-massal"),
        ("single", "6281234567890", "pengirim-satu"),
        ("custom", "6281234567899", "pengirim-pesan"),
        ("scheduled", "6281234567801", "jadwal"),
    ]
    .into_iter()
    .map(|(a, b, c)| (a.into(), b.into(), c.into()))
    .collect();
    assert_eq!(senders, expected, "{}", log.body);
}

/// The role claim's three shapes, a role no level names, and a token without `sub`.
async fn role_claims_as_a_string_a_scope_and_an_array(backend: Backend) {
    let config = Config {
        roles: Some(RoleSettings {
            claim: "scope".into(),
            read: vec!["bengkel:read".into()],
            staff: vec!["bengkel:staff".into(), "advisor".into()],
            admin: vec!["bengkel:admin".into()],
        }),
        ..Config::default()
    };
    let t = TestApp::on(backend, config).await;
    let cases = [
        (json!("advisor"), "staff"),
        (json!("openid profile bengkel:read"), "read"),
        (json!(["bengkel:read", "bengkel:admin"]), "admin"),
    ];
    for (scope, level) in cases {
        let auth = bearer(json!({"sub": "budi", "scope": scope}));
        let me = call(&t, &auth, Method::GET, "/me", None).await;
        assert_eq!(me.status, StatusCode::OK, "{scope}: {}", me.body);
        assert_eq!(me.body, json!({"sub": "budi", "level": level}), "{scope}");
    }
    let read = bearer(json!({"sub": "budi", "scope": "bengkel:read"}));
    let refused = call(
        &t,
        &read,
        Method::POST,
        "/manual-whatsapp",
        Some(customer("Budi", "B 1 A", "081234567890")),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        refused.body["detail"],
        json!(
            "Akses ditolak: tindakan ini hanya untuk akses staf, sedangkan token Anda berakses baca"
        )
    );
    // A role no level names, or the claim under another name: no level at all.
    for claims in [
        json!({"sub": "budi", "scope": "openid"}),
        json!({"sub": "budi", "role": "bengkel:admin"}),
    ] {
        let reply = call(
            &t,
            &bearer(claims.clone()),
            Method::GET,
            "/manual-whatsapp",
            None,
        )
        .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{claims}");
        assert!(
            reply.body["detail"].as_str().unwrap().contains("peran"),
            "{}",
            reply.body
        );
    }
    // With roles on, every change needs a name: a token without `sub` is refused.
    let nameless = bearer(json!({"scope": "bengkel:admin"}));
    let reply = call(&t, &nameless, Method::GET, "/me", None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.body["detail"],
        json!(bengkel::auth::NO_SUBJECT_DETAIL)
    );
}

/// Without `JWT_ROLE_CLAIM`, every valid token is admin, as before roles: even one without a
/// role or a `sub`.
async fn roles_off_every_token_is_admin(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let plain = bearer(json!({"sub": "budi"}));
    let me = call(&t, &plain, Method::GET, "/me", None).await;
    assert_eq!(me.body, json!({"sub": "budi", "level": "admin"}));
    let created = t
        .create(customer("Budi", "B 1234 CD", "081234567890"))
        .await;
    let nameless = bearer(json!({"role": "kasir"}));
    let deleted = call(
        &t,
        &nameless,
        Method::DELETE,
        &format!("/manual-whatsapp/{}", created["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    let log = call(&t, &plain, Method::GET, "/audit?action=manual-delete", None).await;
    assert_eq!(
        log.body["data"][0]["actor"],
        json!(bengkel::auth::NO_SUBJECT)
    );
}

/// A token valid for longer than `JWT_MAX_TOKEN_AGE_HOURS` is refused: by its `exp` from now,
/// or by `exp - iat`.
#[tokio::test]
async fn tokens_valid_too_long_are_refused() {
    let t = TestApp::on(
        Backend::Embedded,
        Config {
            jwt_max_token_age: Duration::from_secs(24 * 3600),
            ..Config::default()
        },
    )
    .await;
    let hour = 3600;
    let cases = [
        (
            json!({"sub": "budi", "exp": now() + 23 * hour}),
            StatusCode::OK,
        ),
        (
            json!({"sub": "budi", "exp": now() + 25 * hour}),
            StatusCode::UNAUTHORIZED,
        ),
        (
            json!({"sub": "budi", "exp": now() + 10 * 365 * 24 * hour}),
            StatusCode::UNAUTHORIZED,
        ),
        (
            json!({"sub": "budi", "iat": now() - 2 * hour, "exp": now() + 23 * hour}),
            StatusCode::UNAUTHORIZED,
        ),
        (
            json!({"sub": "budi", "iat": now() - hour, "exp": now() + 23 * hour}),
            StatusCode::OK,
        ),
    ];
    for (claims, expected) in cases {
        let reply = call(&t, &bearer(claims.clone()), Method::GET, "/me", None).await;
        assert_eq!(reply.status, expected, "{claims}: {}", reply.body);
    }
    assert_eq!(
        Config::default().jwt_max_token_age,
        Duration::from_secs(720 * 3600),
        "30 days unless configured"
    );
}

/// RFC 7235: the scheme's name is case-insensitive.
#[tokio::test]
async fn the_scheme_is_read_in_any_case() {
    let t = TestApp::new();
    let token = t.token.clone();
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let reply = call(&t, &format!("{scheme} {token}"), Method::GET, "/me", None).await;
        assert_eq!(reply.status, StatusCode::OK, "{scheme}");
    }
    for refused in [
        format!("Basic {token}"),
        format!("Bearer{token}"),
        token.clone(),
    ] {
        let reply = call(&t, &refused, Method::GET, "/me", None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{refused}");
    }
}

/// On both stores a manual record's (and a vehicle's) delete and its change log entry are one
/// transaction: the
/// entry pending while the store deletes is written with the delete, and a delete refused (a
/// stale version) writes neither, leaving the entry pending for a retry.
async fn a_change_and_its_entry_commit_together(backend: Backend) {
    use bengkel::audit::api::HasAudit;
    use bengkel::audit::{AuditQuery, Change, Target, pending};
    let t = TestApp::on(backend, Config::default()).await;
    let created = t
        .create(customer("Budi", "B 1234 CD", "081234567890"))
        .await;
    let id = created["id"].as_str().unwrap().to_string();
    let record = t.app.manual.get(&id).await.unwrap().unwrap();
    let entry = t.app.audit().entry(Change {
        actor: "pemilik",
        action: "manual-delete",
        target: Target {
            kind: "record".into(),
            id: Some(id.clone()),
        },
        summary: "uji".into(),
    });
    let log = |t: &TestApp| {
        let store = t.app.audit.clone();
        async move {
            let query = AuditQuery {
                action: Some("manual-delete".into()),
                limit: 10,
                ..AuditQuery::default()
            };
            store.list(&query).await.unwrap().items
        }
    };

    let mut stale = record.clone();
    stale.version += 1;
    let (refused, left) = pending::hold(entry.clone(), t.app.manual.delete(&stale)).await;
    assert!(refused.is_err(), "a stale version is refused");
    assert_eq!(
        left.as_ref(),
        Some(&entry),
        "still pending: nothing was written"
    );
    assert_eq!(log(&t).await, [], "no entry without its change");

    let (deleted, left) = pending::hold(entry.clone(), t.app.manual.delete(&record)).await;
    deleted.unwrap();
    assert_eq!(left, None, "the store wrote it");
    assert_eq!(log(&t).await, std::slice::from_ref(&entry));
    assert!(t.app.manual.get(&id).await.unwrap().is_none());

    // The register's vehicles likewise.
    let registered = t
        .call(
            Method::POST,
            "/customers",
            Some(json!({"name": "Siti", "no_hp": "081234567891",
                "vehicles": [{"nopol": "B 9 Z", "model": "Jazz"}]})),
        )
        .await;
    let customer_id = registered.body["id"].as_str().unwrap();
    let renamed = t
        .call(
            Method::PUT,
            &format!("/customers/{customer_id}"),
            Some(json!({"name": "Siti Aminah"})),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    let updates = t
        .call(Method::GET, "/audit?action=register-customer-update", None)
        .await;
    assert_eq!(updates.body["data"][0]["target"]["id"], json!(customer_id));
    let vehicle_id = registered.body["vehicles"][0]["id"].as_str().unwrap();
    let vehicle = t.app.register.vehicle(vehicle_id).await.unwrap().unwrap();
    t.clock.set("2026-01-10T10:31:00+07:00");
    let second = t.app.audit().entry(Change {
        actor: "pemilik",
        action: "manual-delete",
        target: Target {
            kind: "vehicle".into(),
            id: Some(vehicle.id.clone()),
        },
        summary: "uji kendaraan".into(),
    });
    let mut stale = vehicle.clone();
    stale.version += 1;
    let (refused, left) =
        pending::hold(second.clone(), t.app.register.delete_vehicle(&stale)).await;
    assert!(refused.is_err());
    assert_eq!(left.as_ref(), Some(&second));
    assert_eq!(log(&t).await, std::slice::from_ref(&entry));
    let (deleted, left) =
        pending::hold(second.clone(), t.app.register.delete_vehicle(&vehicle)).await;
    deleted.unwrap();
    assert_eq!(left, None);
    assert_eq!(log(&t).await, [second, entry]);
}
