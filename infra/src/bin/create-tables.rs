//! `create-tables [--table NAME]`: creates the manual WhatsApp table and its indexes wherever
//! the AWS SDK environment points (`AWS_ENDPOINT_URL` for moto, or a real account), and waits
//! until they are ACTIVE. Safe to run again: an existing table is completed, never replaced.

use std::process::ExitCode;

use aws_config::BehaviorVersion;
use bengkel::store::dynamo::{INDEXES, provision};

#[tokio::main]
async fn main() -> ExitCode {
    let table = match infra::args::table_or_exit("create-tables") {
        Ok(table) => table,
        Err(exit) => return exit,
    };
    let config = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let endpoint = config
        .endpoint_url()
        .unwrap_or("the default AWS endpoint")
        .to_string();
    let region = config
        .region()
        .map_or("(no region)".to_string(), ToString::to_string);
    println!("table {table} at {endpoint}, region {region}");
    let client = aws_sdk_dynamodb::Client::new(&config);
    match provision(&client, &table).await {
        Ok(done) => {
            report(&table, done.created_table, &done.added_indexes);
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("create-tables: {err}");
            ExitCode::FAILURE
        }
    }
}

fn report(table: &str, created: bool, added: &[&str]) {
    if created {
        println!("created table {table} (key pk S, on demand) with its indexes:");
    } else if added.is_empty() {
        println!("table {table} exists with every index; nothing to do");
    } else {
        println!("table {table} existed; added the missing indexes {added:?}");
    }
    for index in INDEXES {
        let range = index
            .range
            .map(|r| format!(", range {} {}", r.name, r.kind))
            .unwrap_or_default();
        println!(
            "  {}: hash {} {}{range}, projection {}",
            index.name, index.hash.name, index.hash.kind, index.projection
        );
    }
    println!("table {table} is ACTIVE");
}
