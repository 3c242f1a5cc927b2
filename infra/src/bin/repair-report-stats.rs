//! `repair-report-stats [--table NAME]`: counts the WhatsApp report's totals (what
//! `statistics` answers) from its rows and stores them, for a table written by a version that
//! kept no totals, or to check them. Wherever the AWS SDK environment points
//! (`AWS_ENDPOINT_URL` for moto, or a real account).
//!
//! Idempotent and safe beside live traffic: the rows are read with a consistent scan, and the
//! totals are written only if no write changed them meanwhile (else it counts again).

use std::process::ExitCode;

use aws_config::BehaviorVersion;
use bengkel::report::Totals;
use bengkel::report::store::ReportStore;
use bengkel::store::dynamo::DynamoStore;

#[tokio::main]
async fn main() -> ExitCode {
    let table = match infra::args::table_or_exit("repair-report-stats") {
        Ok(table) => table,
        Err(exit) => return exit,
    };
    let config = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&config), table.clone());
    match repair(&store).await {
        Ok((before, after)) => {
            println!("table {table}: report totals kept   {}", describe(&before));
            println!("table {table}: report totals counted {}", describe(&after));
            if before == after {
                println!("nothing to repair: the kept totals matched the rows");
            } else {
                println!("repaired: statistics now answer the counted totals");
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("repair-report-stats: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn repair(store: &DynamoStore) -> Result<(Totals, Totals), bengkel::store_error::StoreError> {
    let before = store.report_totals().await?;
    let after = store.recount_report_totals().await?;
    Ok((before, after))
}

fn describe(totals: &Totals) -> String {
    format!(
        "{} pairs, {} messages, by frequency {:?}",
        totals.pairs, totals.messages, totals.by_frequency
    )
}
