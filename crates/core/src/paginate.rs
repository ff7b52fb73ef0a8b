//! Offset pagination (`x-sdk-paginate`): the chats list as one stream that
//! fetches the next page when the current one is used up.
use crate::error::Error;
use crate::Client;
use futures::stream::{BoxStream, StreamExt};
use serde_json::{json, Value};
use std::collections::VecDeque;

pub fn chats(client: Client, page_size: u32) -> BoxStream<'static, Result<Value, Error>> {
    struct State {
        client: Client,
        offset: u64,
        page: VecDeque<Value>,
        done: bool,
    }
    let limit = page_size.clamp(1, 100);
    let state = State { client, offset: 0, page: VecDeque::new(), done: false };
    futures::stream::unfold(state, move |mut st| async move {
        loop {
            if let Some(item) = st.page.pop_front() {
                return Some((Ok(item), st));
            }
            if st.done {
                return None;
            }
            match st.client.call("listChats", json!({ "limit": limit, "offset": st.offset })).await {
                Ok(page) => {
                    let items = page["chats"].as_array().cloned().unwrap_or_default();
                    let total = page["total"].as_u64();
                    st.offset += items.len() as u64;
                    st.done = items.is_empty() || total.is_some_and(|t| st.offset >= t);
                    st.page.extend(items);
                }
                Err(e) => {
                    st.done = true;
                    return Some((Err(e), st));
                }
            }
        }
    })
    .boxed()
}
