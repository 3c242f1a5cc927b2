//! Loading items in bulk with BatchWriteItem, in the adapter's own item form: the adapter's
//! inserts write transactions, which moto runs by copying the whole table for each action.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};

/// Items per BatchWriteItem, DynamoDB's most.
const BATCH_ITEMS: usize = 25;

/// Puts `items` into `table`, 25 per call, until none is left unprocessed.
pub async fn put_all(
    client: &Client,
    table: &str,
    items: &[HashMap<String, AttributeValue>],
) -> Result<(), BoxError> {
    for chunk in items.chunks(BATCH_ITEMS) {
        let mut requests = chunk
            .iter()
            .map(|item| {
                let put = PutRequest::builder().set_item(Some(item.clone())).build()?;
                Ok(WriteRequest::builder().put_request(put).build())
            })
            .collect::<Result<Vec<_>, BoxError>>()?;
        loop {
            let out = client
                .batch_write_item()
                .request_items(table, requests)
                .send()
                .await?;
            match out
                .unprocessed_items
                .and_then(|mut left| left.remove(table))
                .filter(|left| !left.is_empty())
            {
                Some(left) => requests = left,
                None => break,
            }
        }
    }
    Ok(())
}
