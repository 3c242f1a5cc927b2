//! Every endpoint of `/manual-whatsapp`, called in-process through the router, on both
//! stores: the shapes of the source document and the rules of SPEC.md.

use crate::common;

use axum::http::{Method, StatusCode};
use bengkel::config::Config;
use common::{Backend, TestApp, customer};
use serde_json::{Value, json};

const BASE: &str = "/manual-whatsapp";

on_both_stores!(
    create_answers_201_with_the_normalised_record,
    every_path_works_with_and_without_trailing_slash,
    invalid_create_names_each_field_and_stores_nothing,
    each_validation_rule_is_a_422_at_its_field,
    unreadable_or_misshapen_bodies_are_422_in_fastapi_shape,
    a_nopol_is_registered_once_whatever_its_spelling,
    twenty_concurrent_creates_of_one_nopol_make_one_record,
    get_by_id_and_by_nopol_find_the_record_or_answer_404,
    list_counts_the_whole_table_and_pages_through_it,
    bad_list_parameters_are_422_in_the_query,
    update_is_partial_and_null_clears_optional_fields,
    invalid_updates_change_nothing,
    changing_the_nopol_frees_the_old_one,
    toggle_flips_the_status_and_the_counts,
    delete_answers_204_then_404_and_frees_the_nopol,
    stats_summary_on_a_known_data_set,
    upcoming_uses_today_in_jakarta_not_in_utc,
    dashboard_shows_this_months_reminders_and_the_most_reminded,
    bulk_import_reports_each_row_and_keeps_the_good_ones,
    bulk_import_refuses_more_than_1000_rows_whole,
    bulk_import_of_1000_rows_imports_them_all,
    oversized_bodies_are_413_in_json,
    unknown_paths_and_methods_answer_json,
    every_answer_carries_a_request_id,
);

fn locs(body: &Value) -> Vec<Value> {
    body["detail"]
        .as_array()
        .expect("validation detail is a list")
        .iter()
        .map(|e| e["loc"].clone())
        .collect()
}

async fn total(t: &TestApp) -> u64 {
    t.call(Method::GET, "/manual-whatsapp", None).await.body["total"]
        .as_u64()
        .unwrap()
}

async fn create_answers_201_with_the_normalised_record(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let body = json!({
        "customer_name": "  Bapak Joko ",
        "nopol": "b 1234 xyz",
        "no_hp": "0812-3456-789",
        "last_service": "2025-10-15",
        "next_service": "2026-01-15",
        "notes": "Customer VIP"
    });
    let record = t.create(body).await;
    assert!(uuid::Uuid::parse_str(record["id"].as_str().unwrap()).is_ok());
    let expected = json!({
        "id": record["id"],
        "customer_name": "Bapak Joko",
        "nopol": "B 1234 XYZ",
        "no_hp": "628123456789",
        "last_service": "2025-10-15",
        "next_service": "2026-01-15",
        "is_active": 1,
        "reminder_sent_count": 0,
        "last_reminder_sent": null,
        "notes": "Customer VIP",
        "created_at": "2026-01-10T10:30:00+07:00",
        "updated_at": "2026-01-10T10:30:00+07:00",
        "opted_out": false
    });
    assert_eq!(record, expected);
    let fetched = t
        .call(
            Method::GET,
            &format!("{BASE}/{}", record["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert_eq!(fetched.body, expected);
}

async fn every_path_works_with_and_without_trailing_slash(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let made = t
        .call(
            Method::POST,
            BASE,
            Some(customer("A", "B 1 A", "0811111111")),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED);
    let id = made.body["id"].as_str().unwrap().to_string();
    for path in [
        format!("{BASE}/"),
        BASE.to_string(),
        format!("{BASE}/{id}"),
        format!("{BASE}/{id}/"),
        format!("{BASE}/by-nopol/B1A/"),
        format!("{BASE}/stats/summary/"),
        format!("{BASE}/dashboard/"),
    ] {
        assert_eq!(
            t.call(Method::GET, &path, None).await.status,
            StatusCode::OK,
            "{path}"
        );
    }
}

async fn invalid_create_names_each_field_and_stores_nothing(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let reply = t
        .call(
            Method::POST,
            BASE,
            Some(json!({"nopol": "1234", "no_hp": "0212345678"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        locs(&reply.body),
        vec![
            json!(["body", "customer_name"]),
            json!(["body", "nopol"]),
            json!(["body", "no_hp"])
        ]
    );
    let errors = reply.body["detail"].as_array().unwrap();
    assert_eq!(errors[0]["type"], "missing");
    assert_eq!(errors[0]["msg"], "Field required");
    assert_eq!(errors[2]["input"], "0212345678");
    assert!(
        errors[2]["msg"].as_str().unwrap().contains("0212345678"),
        "{}",
        errors[2]
    );
    assert!(errors[1]["msg"].as_str().unwrap().contains("1234"));
    assert_eq!(total(&t).await, 0);
}

async fn each_validation_rule_is_a_422_at_its_field(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let long = |n: usize| "x".repeat(n);
    let cases = [
        (
            json!({"customer_name": "   "}),
            "customer_name",
            "string_too_short",
        ),
        (
            json!({"customer_name": long(256)}),
            "customer_name",
            "string_too_long",
        ),
        // Padding counts: the document's maxLength counts a text as given.
        (
            json!({"customer_name": format!(" {} ", long(254))}),
            "customer_name",
            "string_too_long",
        ),
        (json!({"customer_name": 12}), "customer_name", "string_type"),
        (json!({"notes": long(501)}), "notes", "string_too_long"),
        (json!({"no_hp": "0812345"}), "no_hp", "value_error"),
        (json!({"no_hp": "+6512345678"}), "no_hp", "value_error"),
        (json!({"nopol": "B 12345 XY"}), "nopol", "value_error"),
        (
            json!({"last_service": "15-10-2025"}),
            "last_service",
            "date_from_datetime_parsing",
        ),
        (
            json!({"last_service": "2026-01-20", "next_service": "2026-01-15"}),
            "next_service",
            "value_error",
        ),
        (json!({"id": "x"}), "id", "extra_forbidden"),
        (json!({"is_active": 1}), "is_active", "extra_forbidden"),
        (
            json!({"reminder_sent_count": 3}),
            "reminder_sent_count",
            "extra_forbidden",
        ),
        (
            json!({"last_reminder_sent": null}),
            "last_reminder_sent",
            "extra_forbidden",
        ),
        (
            json!({"created_at": "2026-01-01"}),
            "created_at",
            "extra_forbidden",
        ),
        (
            json!({"updated_at": "2026-01-01"}),
            "updated_at",
            "extra_forbidden",
        ),
        (json!({"colour": "red"}), "colour", "extra_forbidden"),
    ];
    for (change, field, kind) in cases {
        let mut body = customer("Ibu Siti", "B 5678 ABC", "08987654321");
        body.as_object_mut()
            .unwrap()
            .extend(change.as_object().unwrap().clone());
        let reply = t.call(Method::POST, BASE, Some(body)).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            reply.body
        );
        let error = &reply.body["detail"][0];
        assert_eq!(error["loc"], json!(["body", field]), "{}", reply.body);
        assert_eq!(error["type"], kind, "{}", reply.body);
    }
    assert_eq!(total(&t).await, 0);
}

async fn unreadable_or_misshapen_bodies_are_422_in_fastapi_shape(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let bad_json = t
        .send(
            Method::POST,
            BASE,
            Some(&format!("Bearer {}", t.token)),
            Some("{\"customer_name\": ".into()),
        )
        .await;
    assert_eq!(bad_json.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_json.body["detail"][0]["type"], "json_invalid");
    assert_eq!(bad_json.body["detail"][0]["loc"][0], "body");
    let empty = t
        .send(
            Method::POST,
            BASE,
            Some(&format!("Bearer {}", t.token)),
            None,
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(empty.body["detail"][0]["type"], "missing");
    let array = t.call(Method::POST, BASE, Some(json!([1, 2]))).await;
    assert_eq!(array.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(array.body["detail"][0]["loc"], json!(["body"]));
}

async fn a_nopol_is_registered_once_whatever_its_spelling(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    t.create(customer("Bapak Joko", "B 1234 XYZ", "08123456789"))
        .await;
    for spelling in ["b1234xyz", "B  1234XYZ", "B 1234 XYZ"] {
        let reply = t
            .call(
                Method::POST,
                BASE,
                Some(customer("Other", spelling, "08111111111")),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CONFLICT, "{spelling}");
        assert_eq!(
            reply.body,
            json!({"detail": "Nopol B 1234 XYZ sudah terdaftar"})
        );
    }
    assert_eq!(total(&t).await, 1);
}

async fn twenty_concurrent_creates_of_one_nopol_make_one_record(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let calls = (0..20).map(|i| {
        let body = customer(
            &format!("Racer {i}"),
            if i % 2 == 0 { "D 77 AB" } else { "d77ab" },
            "08123456789",
        );
        t.call(Method::POST, BASE, Some(body))
    });
    let replies = futures::future::join_all(calls).await;
    let created = replies
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    let conflicts = replies
        .iter()
        .filter(|r| r.status == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, conflicts), (1, 19));
    assert_eq!(total(&t).await, 1);
}

async fn get_by_id_and_by_nopol_find_the_record_or_answer_404(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let record = t
        .create(customer("Bapak Joko", "B 1234 XYZ", "08123456789"))
        .await;
    for spelling in ["B%201234%20XYZ", "b1234xyz", "B%20%201234XYZ"] {
        let reply = t
            .call(Method::GET, &format!("{BASE}/by-nopol/{spelling}"), None)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{spelling}");
        assert_eq!(reply.body, record);
    }
    let missing = t
        .call(Method::GET, &format!("{BASE}/by-nopol/B9999ZZ"), None)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        missing.body,
        json!({"detail": "Nopol B 9999 ZZ tidak ditemukan"})
    );
    let invalid = t
        .call(Method::GET, &format!("{BASE}/by-nopol/12345"), None)
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(invalid.body["detail"][0]["loc"], json!(["path", "nopol"]));
    for id in [uuid::Uuid::new_v4().to_string(), "not-a-uuid".to_string()] {
        let reply = t.call(Method::GET, &format!("{BASE}/{id}"), None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert!(reply.body["detail"].is_string());
    }
}

async fn list_counts_the_whole_table_and_pages_through_it(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let mut ids = Vec::new();
    for i in 0..7 {
        t.clock.set(&format!("2026-01-10T10:{:02}:00+07:00", i));
        let record = t
            .create(customer(
                &format!("C{i}"),
                &format!("B {} A", i + 1),
                "08123456789",
            ))
            .await;
        ids.push(record["id"].as_str().unwrap().to_string());
    }
    for id in &ids[..2] {
        t.call(Method::PATCH, &format!("{BASE}/{id}/toggle-active"), None)
            .await;
    }
    let all = t.call(Method::GET, BASE, None).await.body;
    assert_eq!(
        (
            all["total"].as_u64(),
            all["active"].as_u64(),
            all["inactive"].as_u64()
        ),
        (Some(7), Some(5), Some(2))
    );
    let newest_first: Vec<_> = ids.iter().rev().map(|id| json!(id)).collect();
    let listed: Vec<_> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    assert_eq!(listed, newest_first);
    assert_eq!(all["next_cursor"], Value::Null);

    let mut seen = Vec::new();
    let mut path = format!("{BASE}/?active_only=true&limit=2");
    loop {
        let page = t.call(Method::GET, &path, None).await.body;
        assert_eq!(
            (
                page["total"].as_u64(),
                page["active"].as_u64(),
                page["inactive"].as_u64()
            ),
            (Some(7), Some(5), Some(2))
        );
        let data = page["data"].as_array().unwrap();
        assert!(data.len() <= 2);
        assert!(data.iter().all(|r| r["is_active"] == 1));
        seen.extend(data.iter().map(|r| r["id"].clone()));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("{BASE}/?active_only=true&limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, newest_first[..5].to_vec());
}

async fn bad_list_parameters_are_422_in_the_query(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=x", "limit"),
        ("active_only=maybe", "active_only"),
        ("cursor=bm9wZQ", "cursor"),
    ] {
        let reply = t.call(Method::GET, &format!("{BASE}/?{query}"), None).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(
            reply.body["detail"][0]["loc"],
            json!(["query", field]),
            "{query}"
        );
    }
}

async fn update_is_partial_and_null_clears_optional_fields(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let mut body = customer("Bapak Joko", "B 1234 XYZ", "08123456789");
    body["last_service"] = json!("2025-10-15");
    body["next_service"] = json!("2026-01-15");
    body["notes"] = json!("VIP");
    let record = t.create(body).await;
    let path = format!("{BASE}/{}", record["id"].as_str().unwrap());
    t.clock.set("2026-01-11T08:00:00+07:00");

    let reply = t
        .call(
            Method::PUT,
            &path,
            Some(json!({"next_service": "2026-02-01"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mut expected = record.clone();
    expected["next_service"] = json!("2026-02-01");
    expected["updated_at"] = json!("2026-01-11T08:00:00+07:00");
    assert_eq!(reply.body, expected);

    let cleared = t
        .call(
            Method::PUT,
            &path,
            Some(json!({"notes": null, "last_service": null, "no_hp": "+62 811 222 3333"})),
        )
        .await
        .body;
    assert_eq!(
        (cleared["notes"].clone(), cleared["last_service"].clone()),
        (Value::Null, Value::Null)
    );
    assert_eq!(cleared["no_hp"], "628112223333");
    assert_eq!(cleared["next_service"], "2026-02-01");
    assert_eq!(cleared["customer_name"], "Bapak Joko");
    assert_eq!(t.call(Method::GET, &path, None).await.body, cleared);
}

async fn invalid_updates_change_nothing(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let mut body = customer("Bapak Joko", "B 1234 XYZ", "08123456789");
    body["last_service"] = json!("2025-10-15");
    let record = t.create(body).await;
    t.create(customer("Ibu Siti", "B 5678 ABC", "08987654321"))
        .await;
    let path = format!("{BASE}/{}", record["id"].as_str().unwrap());
    let cases = [
        (
            json!({"customer_name": null}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({"nopol": null}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"is_active": 2}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"is_active": "1"}), StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({"next_service": "2025-10-01"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"reminder_sent_count": 9}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({"no_hp": "12"}), StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({"customer_name": "New", "nopol": "b5678abc"}),
            StatusCode::CONFLICT,
        ),
    ];
    for (change, status) in cases {
        let reply = t.call(Method::PUT, &path, Some(change.clone())).await;
        assert_eq!(reply.status, status, "{change}: {}", reply.body);
        assert_eq!(
            t.call(Method::GET, &path, None).await.body,
            record,
            "{change}"
        );
    }
    let missing = t
        .call(
            Method::PUT,
            &format!("{BASE}/{}", uuid::Uuid::new_v4()),
            Some(json!({"notes": "x"})),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

async fn changing_the_nopol_frees_the_old_one(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let record = t
        .create(customer("Bapak Joko", "B 1234 XYZ", "08123456789"))
        .await;
    let path = format!("{BASE}/{}", record["id"].as_str().unwrap());
    let moved = t
        .call(Method::PUT, &path, Some(json!({"nopol": "d 99 q"})))
        .await;
    assert_eq!(moved.body["nopol"], "D 99 Q");
    assert_eq!(
        t.call(Method::GET, &format!("{BASE}/by-nopol/D99Q"), None)
            .await
            .body["id"],
        record["id"]
    );
    assert_eq!(
        t.call(Method::GET, &format!("{BASE}/by-nopol/B1234XYZ"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    t.create(customer("Ibu Siti", "B 1234 XYZ", "08987654321"))
        .await;
}

async fn toggle_flips_the_status_and_the_counts(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let record = t
        .create(customer("Bapak Joko", "B 1234 XYZ", "08123456789"))
        .await;
    let path = format!("{BASE}/{}/toggle-active", record["id"].as_str().unwrap());
    let off = t.call(Method::PATCH, &path, None).await;
    assert_eq!(
        (off.status, off.body["is_active"].clone()),
        (StatusCode::OK, json!(0))
    );
    let stats = t
        .call(Method::GET, &format!("{BASE}/stats/summary"), None)
        .await
        .body;
    assert_eq!(
        (
            stats["data"]["active_customers"].clone(),
            stats["data"]["inactive_customers"].clone()
        ),
        (json!(0), json!(1))
    );
    let on = t.call(Method::PATCH, &path, None).await;
    assert_eq!(on.body["is_active"], 1);
    let missing = t
        .call(
            Method::PATCH,
            &format!("{BASE}/{}/toggle-active", uuid::Uuid::new_v4()),
            None,
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

async fn delete_answers_204_then_404_and_frees_the_nopol(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let record = t
        .create(customer("Bapak Joko", "B 1234 XYZ", "08123456789"))
        .await;
    let path = format!("{BASE}/{}", record["id"].as_str().unwrap());
    let deleted = t.call(Method::DELETE, &path, None).await;
    assert_eq!(
        (deleted.status, deleted.body.clone()),
        (StatusCode::NO_CONTENT, Value::Null)
    );
    assert_eq!(
        t.call(Method::DELETE, &path, None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.call(Method::GET, &path, None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(total(&t).await, 0);
    t.create(customer("Ibu Siti", "b1234xyz", "08987654321"))
        .await;
}

async fn stats_summary_on_a_known_data_set(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    // Today is 2026-01-10 in Jakarta; "upcoming" is 2026-01-10 ..= 2026-01-16.
    let plan = [
        ("A", "2026-01-10", true),  // today: upcoming
        ("B", "2026-01-16", true),  // sixth day after: upcoming
        ("C", "2026-01-17", true),  // seventh day after: not
        ("D", "2026-01-09", true),  // yesterday: not
        ("E", "2026-01-12", false), // inactive: not
    ];
    for (i, (name, next, active)) in plan.iter().enumerate() {
        let mut body = customer(name, &format!("B {} S", i + 1), "08123456789");
        body["next_service"] = json!(next);
        let record = t.create(body).await;
        if !active {
            t.call(
                Method::PATCH,
                &format!("{BASE}/{}/toggle-active", record["id"].as_str().unwrap()),
                None,
            )
            .await;
        }
    }
    t.create(customer("F", "B 9 S", "08123456789")).await; // no next service
    let reply = t
        .call(Method::GET, &format!("{BASE}/stats/summary"), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body,
        json!({"success": true, "data": {
            "total_customers": 6,
            "active_customers": 5,
            "inactive_customers": 1,
            "reminders_sent_total": 0,
            "customers_with_upcoming_service": 2,
            "sent_today": 0,
            "left_today": 300,
            "sent_this_hour": 0
        }})
    );
}

async fn upcoming_uses_today_in_jakarta_not_in_utc(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let mut body = customer("A", "B 1 A", "08123456789");
    body["next_service"] = json!("2026-01-11");
    t.create(body).await;
    // 2026-01-10 17:30 UTC is already 2026-01-11 00:30 in Jakarta.
    t.clock.set("2026-01-10T17:30:00Z");
    let stats = t
        .call(Method::GET, &format!("{BASE}/stats/summary"), None)
        .await
        .body;
    assert_eq!(stats["data"]["customers_with_upcoming_service"], 1);
    t.clock.set("2026-01-11T17:30:00Z");
    let stats = t
        .call(Method::GET, &format!("{BASE}/stats/summary"), None)
        .await
        .body;
    assert_eq!(stats["data"]["customers_with_upcoming_service"], 0);
}

async fn dashboard_shows_this_months_reminders_and_the_most_reminded(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let now = t.app.time.now();
    let reminded = [
        ("Bapak Joko", 5, "2026-01-05T09:00:00+07:00"),
        ("Ibu Siti", 2, "2025-12-31T23:59:00+07:00"),
        ("Pak Budi", 3, "2026-01-01T00:00:00+07:00"),
    ];
    for (i, (name, count, last)) in reminded.iter().enumerate() {
        let mut record = bengkel::manual::NewRecord {
            customer_name: name.to_string(),
            nopol: bengkel::nopol::Nopol::parse(&format!("B {} D", i + 1)).unwrap(),
            no_hp: "628123456789".into(),
            last_service: None,
            next_service: None,
            notes: None,
        }
        .into_record(uuid::Uuid::new_v4().to_string(), now);
        record.reminder_sent_count = *count;
        record.last_reminder_sent = Some(chrono::DateTime::parse_from_rfc3339(last).unwrap());
        t.app.manual.insert(&record).await.unwrap();
    }
    let reply = t
        .call(Method::GET, &format!("{BASE}/dashboard"), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body,
        json!({
            "total_customers": 3,
            "active_customers": 3,
            "reminders_this_month": 2,
            "top_customers": [
                {"customer_name": "Bapak Joko", "nopol": "B 1 D", "reminder_count": 5, "last_sent": "2026-01-05T09:00:00+07:00"},
                {"customer_name": "Pak Budi", "nopol": "B 3 D", "reminder_count": 3, "last_sent": "2026-01-01T00:00:00+07:00"},
                {"customer_name": "Ibu Siti", "nopol": "B 2 D", "reminder_count": 2, "last_sent": "2025-12-31T23:59:00+07:00"}
            ]
        })
    );
    let stats = t
        .call(Method::GET, &format!("{BASE}/stats/summary"), None)
        .await
        .body;
    assert_eq!(stats["data"]["reminders_sent_total"], 10);
}

async fn bulk_import_reports_each_row_and_keeps_the_good_ones(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    t.create(customer("Existing", "B 1 EX", "08123456789"))
        .await;
    let rows = json!([
        {"customer_name": "Bapak Joko", "nopol": "B 1234 XYZ", "no_hp": "08123456789", "next_service": "2026-01-15"},
        {"customer_name": "Ibu Siti", "nopol": "B 5678 ABC", "no_hp": "123"},
        {"customer_name": "Pak Budi", "nopol": "b1234xyz", "no_hp": "08555123456"},
        {"customer_name": "Dup", "nopol": "b 1 ex", "no_hp": "08555123456"},
        "not an object",
        {"customer_name": "Pak Eko", "nopol": "B 9999 DEF", "no_hp": "08555123456", "id": "mine"},
        {"customer_name": "Bu Ani", "nopol": "B 9999 DEG", "no_hp": "+62 855 5123 456"}
    ]);
    let reply = t
        .call(Method::POST, &format!("{BASE}/bulk-import"), Some(rows))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["success"], true);
    assert_eq!(reply.body["message"], "Import selesai. 2 berhasil, 5 gagal");
    let data = &reply.body["data"];
    assert_eq!(
        (
            data["total"].clone(),
            data["imported"].clone(),
            data["failed"].clone()
        ),
        (json!(7), json!(2), json!(5))
    );
    let failures = data["failures"].as_array().unwrap();
    let summary: Vec<_> = failures
        .iter()
        .map(|f| {
            (
                f["index"].clone(),
                f["customer_name"].clone(),
                f["nopol"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (json!(1), json!("Ibu Siti"), json!("B 5678 ABC")),
            (json!(2), json!("Pak Budi"), json!("B 1234 XYZ")),
            (json!(3), json!("Dup"), json!("B 1 EX")),
            (json!(4), Value::Null, Value::Null),
            (json!(5), json!("Pak Eko"), json!("B 9999 DEF")),
        ]
    );
    assert!(failures[0]["error"].as_str().unwrap().contains("no_hp"));
    assert!(
        failures[1]["error"]
            .as_str()
            .unwrap()
            .contains("lebih dari sekali")
    );
    assert!(
        failures[2]["error"]
            .as_str()
            .unwrap()
            .contains("sudah terdaftar")
    );
    assert!(failures[4]["error"].as_str().unwrap().contains("id"));
    assert_eq!(total(&t).await, 3);
    let imported = t
        .call(Method::GET, &format!("{BASE}/by-nopol/B9999DEG"), None)
        .await
        .body;
    assert_eq!(imported["no_hp"], "628555123456");
}

async fn bulk_import_refuses_more_than_1000_rows_whole(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let rows: Vec<Value> = (0..1001)
        .map(|i| customer("X", &format!("B {} Z", i + 1), "08123456789"))
        .collect();
    let reply = t
        .call(
            Method::POST,
            &format!("{BASE}/bulk-import"),
            Some(json!(rows)),
        )
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(reply.body["detail"].as_str().unwrap().contains("1000"));
    assert_eq!(total(&t).await, 0);
    let not_a_list = t
        .call(
            Method::POST,
            &format!("{BASE}/bulk-import"),
            Some(json!({"rows": []})),
        )
        .await;
    assert_eq!(not_a_list.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn bulk_import_of_1000_rows_imports_them_all(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let rows: Vec<Value> = (0..1000)
        .map(|i| customer("X", &format!("B {} Z", i + 1), "08123456789"))
        .collect();
    let reply = t
        .call(
            Method::POST,
            &format!("{BASE}/bulk-import"),
            Some(json!(rows)),
        )
        .await;
    assert_eq!(
        reply.body["message"],
        "Import selesai. 1000 berhasil, 0 gagal"
    );
    assert_eq!(total(&t).await, 1000);
}

async fn oversized_bodies_are_413_in_json(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let huge = format!("{{\"notes\": \"{}\"}}", "x".repeat(3 * 1024 * 1024));
    let reply = t
        .send(
            Method::POST,
            BASE,
            Some(&format!("Bearer {}", t.token)),
            Some(huge),
        )
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(reply.body["detail"].is_string());
}

async fn unknown_paths_and_methods_answer_json(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let missing = t.call(Method::GET, "/nowhere", None).await;
    assert_eq!(
        (missing.status, missing.body),
        (StatusCode::NOT_FOUND, json!({"detail": "Not Found"}))
    );
    let wrong = t
        .call(Method::DELETE, "/manual-whatsapp/stats/summary", None)
        .await;
    assert_eq!(
        (wrong.status, wrong.body),
        (
            StatusCode::METHOD_NOT_ALLOWED,
            json!({"detail": "Method Not Allowed"})
        )
    );
}

async fn every_answer_carries_a_request_id(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let fresh = t.call(Method::GET, "/nowhere", None).await;
    assert!(uuid::Uuid::parse_str(fresh.headers["x-request-id"].to_str().unwrap()).is_ok());
    let request = axum::http::Request::get(BASE)
        .header("authorization", format!("Bearer {}", t.token))
        .header("x-request-id", "trace-me-42")
        .body(axum::body::Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(t.router.clone(), request)
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-me-42");
    // An id no log could use (empty, longer than 128 bytes, not visible ASCII) is replaced.
    let unusable: [&[u8]; 3] = [b"", &[b'x'; 129], "bengkel-\u{e9}".as_bytes()];
    for unusable in unusable {
        let value = axum::http::HeaderValue::from_bytes(unusable).unwrap();
        let request = axum::http::Request::get(BASE)
            .header("x-request-id", value)
            .body(axum::body::Body::empty())
            .unwrap();
        let response = tower::ServiceExt::oneshot(t.router.clone(), request)
            .await
            .unwrap();
        let id = response.headers()["x-request-id"].to_str().unwrap();
        assert!(
            uuid::Uuid::parse_str(id).is_ok(),
            "{unusable:?} answered {id:?}"
        );
    }
}

#[tokio::test]
async fn answers_of_the_api_are_kept_out_of_caches_and_never_sniffed() {
    let t = TestApp::new();
    let record = t
        .create(customer("Bapak Joko", "B 1234 XYZ", "08123456789"))
        .await;
    let id = record["id"].as_str().unwrap();
    let missing = "00000000-0000-4000-8000-000000000000";
    let answers = [
        t.call(Method::GET, BASE, None).await,
        t.call(Method::GET, &format!("{BASE}/{id}"), None).await,
        t.send(Method::GET, BASE, None, None).await,
        t.call(Method::GET, &format!("{BASE}/{missing}"), None)
            .await,
        t.call(Method::POST, BASE, Some(json!({}))).await,
    ];
    let statuses: Vec<u16> = answers.iter().map(|a| a.status.as_u16()).collect();
    assert_eq!(statuses, [200, 200, 401, 404, 422]);
    for answer in &answers {
        assert_eq!(
            answer.headers["cache-control"], "no-store",
            "{}",
            answer.status
        );
        assert_eq!(answer.headers["x-content-type-options"], "nosniff");
    }
    // A download holds the customers too.
    let export = t
        .send_file(
            Method::GET,
            &format!("{BASE}/export?format=csv"),
            "text/csv",
            Vec::new(),
        )
        .await;
    assert_eq!(export.status, StatusCode::OK);
    assert_eq!(export.header("cache-control"), "no-store");
    assert_eq!(export.header("x-content-type-options"), "nosniff");
}

/// Reads the records with the largest page: the ids in order, and the size of each page in
/// Lambda's answer.
async fn every_page_of_the_records(t: &TestApp) -> (Vec<String>, Vec<usize>) {
    let (mut ids, mut sizes) = (Vec::new(), Vec::new());
    let mut path = format!("{BASE}/?limit=1000");
    loop {
        let page = t.call(Method::GET, &path, None).await.body;
        sizes.push(bengkel::answer::json_bytes(&page));
        let data = page["data"].as_array().unwrap();
        ids.extend(data.iter().map(|r| r["id"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("{BASE}/?limit=1000&cursor={cursor}"),
            None => return (ids, sizes),
        }
    }
}

#[tokio::test]
async fn the_largest_page_of_records_fits_in_one_lambda_answer() {
    // 1,000 records with the name (255) and notes (500) at their caps, in characters that
    // JSON escapes: the largest page of records there can be.
    let t = TestApp::new();
    let name = format!("{}\"", "\"\\".repeat(127));
    let notes = "\"\\".repeat(250);
    let rows: Vec<Value> = (0..1000)
        .map(|i| {
            let mut row = customer(&name, &format!("B {} Z", i + 1), "08123456789");
            row["notes"] = json!(notes);
            row
        })
        .collect();
    let reply = t
        .call(
            Method::POST,
            &format!("{BASE}/bulk-import"),
            Some(json!(rows)),
        )
        .await;
    assert_eq!(
        reply.body["message"],
        "Import selesai. 1000 berhasil, 0 gagal"
    );

    let (ids, sizes) = every_page_of_the_records(&t).await;
    eprintln!("records pages at limit=1000, bytes in Lambda's answer: {sizes:?}");
    for size in &sizes {
        assert!(*size <= bengkel::answer::MAX_ANSWER_BYTES, "{sizes:?}");
    }
    let distinct: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!((ids.len(), distinct.len()), (1000, 1000));
}
