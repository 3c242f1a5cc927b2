//! Counting what the AWS SDK does for DynamoDB: calls by operation and the items DynamoDB read
//! to answer them, for the benchmarks' figures.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{
    BehaviorVersion, ConfigBag, Credentials, Intercept, Region, RuntimeComponents,
};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::operation::{
    batch_get_item::{BatchGetItemInput, BatchGetItemOutput},
    batch_write_item::BatchWriteItemInput,
    create_table::CreateTableInput,
    delete_item::{DeleteItemError, DeleteItemInput, DeleteItemOutput},
    describe_table::DescribeTableInput,
    get_item::{GetItemInput, GetItemOutput},
    put_item::{PutItemError, PutItemInput, PutItemOutput},
    query::{QueryInput, QueryOutput},
    scan::{ScanInput, ScanOutput},
    transact_get_items::{TransactGetItemsInput, TransactGetItemsOutput},
    transact_write_items::TransactWriteItemsInput,
    update_item::{UpdateItemError, UpdateItemInput, UpdateItemOutput},
};
use aws_sdk_dynamodb::types::AttributeValue;

/// What the SDK did since the last take.
#[derive(Debug, Default)]
pub struct Tally {
    /// Operations executed, by name (retries excluded).
    pub calls: BTreeMap<&'static str, u64>,
    /// Items DynamoDB read to answer them.
    pub items_read: u64,
}

impl Tally {
    pub fn total_calls(&self) -> u64 {
        self.calls.values().sum()
    }

    pub fn calls_of(&self, operation: &str) -> u64 {
        self.calls.get(operation).copied().unwrap_or(0)
    }

    /// "302 (GetItem 1, PutItem 200, ...)".
    pub fn calls_line(&self) -> String {
        let by: Vec<String> = self
            .calls
            .iter()
            .map(|(name, n)| format!("{name} {n}"))
            .collect();
        format!("{} ({})", self.total_calls(), by.join(", "))
    }
}

/// Counts the calls the SDK makes and the items DynamoDB reads for them.
#[derive(Debug, Clone, Default)]
pub struct Meter(Arc<Mutex<Tally>>);

impl Meter {
    /// The tally since the last take, starting again from zero.
    pub fn take(&self) -> Tally {
        self.0
            .lock()
            .map(|mut tally| std::mem::take(&mut *tally))
            .unwrap_or_default()
    }

    fn add(&self, f: impl FnOnce(&mut Tally)) {
        if let Ok(mut tally) = self.0.lock() {
            f(&mut tally);
        }
    }
}

impl Intercept for Meter {
    fn name(&self) -> &'static str {
        "Meter"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let input = context.input();
        // The input's type names the operation.
        macro_rules! operation {
            ($($input:ty => $name:literal),* $(,)?) => {
                $(if input.downcast_ref::<$input>().is_some() { $name } else)* { "other" }
            };
        }
        let name = operation!(
            GetItemInput => "GetItem",
            QueryInput => "Query",
            ScanInput => "Scan",
            BatchGetItemInput => "BatchGetItem",
            TransactGetItemsInput => "TransactGetItems",
            TransactWriteItemsInput => "TransactWriteItems",
            PutItemInput => "PutItem",
            UpdateItemInput => "UpdateItem",
            DeleteItemInput => "DeleteItem",
            BatchWriteItemInput => "BatchWriteItem",
            DescribeTableInput => "DescribeTable",
            CreateTableInput => "CreateTable",
        );
        self.add(|tally| *tally.calls.entry(name).or_default() += 1);
        Ok(())
    }

    /// Items read, from each response: what a Query or Scan evaluated, what a get found, and
    /// any item a write returned (its old values, or the item that failed its condition).
    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let found = |item: Option<&HashMap<String, AttributeValue>>| u64::from(item.is_some());
        let read = match context.output_or_error() {
            Ok(output) => {
                if let Some(out) = output.downcast_ref::<QueryOutput>() {
                    u64::try_from(out.scanned_count).unwrap_or(0)
                } else if let Some(out) = output.downcast_ref::<ScanOutput>() {
                    u64::try_from(out.scanned_count).unwrap_or(0)
                } else if let Some(out) = output.downcast_ref::<GetItemOutput>() {
                    found(out.item.as_ref())
                } else if let Some(out) = output.downcast_ref::<BatchGetItemOutput>() {
                    out.responses
                        .iter()
                        .flat_map(HashMap::values)
                        .map(|items| items.len() as u64)
                        .sum()
                } else if let Some(out) = output.downcast_ref::<TransactGetItemsOutput>() {
                    out.responses
                        .iter()
                        .flatten()
                        .map(|response| found(response.item.as_ref()))
                        .sum()
                } else if let Some(out) = output.downcast_ref::<PutItemOutput>() {
                    found(out.attributes.as_ref())
                } else if let Some(out) = output.downcast_ref::<UpdateItemOutput>() {
                    found(out.attributes.as_ref())
                } else if let Some(out) = output.downcast_ref::<DeleteItemOutput>() {
                    found(out.attributes.as_ref())
                } else {
                    0
                }
            }
            Err(error) => match error.as_operation_error() {
                Some(error) => {
                    if let Some(PutItemError::ConditionalCheckFailedException(e)) =
                        error.downcast_ref::<PutItemError>()
                    {
                        found(e.item.as_ref())
                    } else if let Some(UpdateItemError::ConditionalCheckFailedException(e)) =
                        error.downcast_ref::<UpdateItemError>()
                    {
                        found(e.item.as_ref())
                    } else if let Some(DeleteItemError::ConditionalCheckFailedException(e)) =
                        error.downcast_ref::<DeleteItemError>()
                    {
                        found(e.item.as_ref())
                    } else {
                        0
                    }
                }
                None => 0,
            },
        };
        self.add(|tally| tally.items_read += read);
        Ok(())
    }
}

/// A DynamoDB client of the server at `endpoint` (moto), counted by `meter`.
pub fn client(endpoint: &str, meter: Meter) -> Client {
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "ap-southeast-3".into());
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new(region))
        .credentials_provider(Credentials::new("test", "test", None, None, "bench"))
        .interceptor(meter)
        .build();
    Client::from_conf(config)
}
