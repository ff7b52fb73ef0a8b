//! Function logs: the last 500 entries as JSON, or with `tail=true` a
//! Server-Sent Events stream (`id:` = the line's sequence number): the last
//! `tail_backlog` lines, then each new line, polling the database at
//! `log_poll_interval`; with `Last-Event-ID` it resumes after that line.

use std::time::Duration;

use bytes::Bytes;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;
use tokio::time::Instant;

use crate::error::ApiResult;
use crate::request::{ok, sse, Req};
use crate::routes::functions;
use crate::state::AppState;
use crate::util::rfc3339;

struct Line {
    seq: i64,
    ts_ms: i64,
    severity: String,
    message: String,
}

fn lines_after(c: &Connection, fid: &str, after: i64, limit: i64) -> rusqlite::Result<Vec<Line>> {
    let mut s = c.prepare_cached(
        "SELECT seq, ts_ms, severity, message FROM function_logs WHERE function_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
    )?;
    let rows = s.query_map(params![fid, after, limit], |r| {
        Ok(Line { seq: r.get(0)?, ts_ms: r.get(1)?, severity: r.get(2)?, message: r.get(3)? })
    })?;
    rows.collect()
}

/// One SSE event per log line; a multi-line message becomes several `data:` lines.
fn frame(l: &Line) -> String {
    let text = format!("{} {} {}", rfc3339(l.ts_ms), l.severity, l.message);
    let mut out = format!("id: {}\n", l.seq);
    for part in text.split('\n') {
        out.push_str("data: ");
        out.push_str(part.trim_end_matches('\r'));
        out.push('\n');
    }
    out.push('\n');
    out
}

pub async fn get(st: AppState, rq: Req) -> ApiResult {
    let (a, id) = (rq.account.id.clone(), rq.path("id").to_string());
    let tail = rq.query_bool("tail").unwrap_or(false);
    let resume: Option<i64> = rq.header("last-event-id").and_then(|v| v.trim().parse().ok());
    let backlog = st.config.tail_backlog as i64;
    let (fid, start) = st
        .db
        .call(move |c| {
            let f = functions::load(c, &a, &id)?;
            // The sequence number just before the last `backlog` lines (0 when there are fewer).
            let before_backlog: i64 = c
                .query_row(
                    "SELECT seq FROM function_logs WHERE function_id = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2",
                    rusqlite::params![f.id, backlog],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(0);
            Ok((f.id, before_backlog))
        })
        .await?;

    if !tail {
        let f2 = fid.clone();
        let lines = st
            .db
            .call(move |c| {
                let mut s = c.prepare(
                    "SELECT seq, ts_ms, severity, message FROM (SELECT * FROM function_logs WHERE function_id = ?1 ORDER BY seq DESC LIMIT 500) ORDER BY seq",
                )?;
                let rows = s
                    .query_map([&f2], |r| Ok(Line { seq: r.get(0)?, ts_ms: r.get(1)?, severity: r.get(2)?, message: r.get(3)? }))?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(rows)
            })
            .await?;
        let logs: Vec<_> = lines
            .iter()
            .map(|l| json!({ "timestamp": rfc3339(l.ts_ms), "severity": l.severity, "message": l.message }))
            .collect();
        return ok(json!({ "logs": logs }));
    }

    // A fresh tail replays the last `tail_backlog` lines, then follows; a
    // resumed one sends everything after the client's last event.
    let after = resume.unwrap_or(start);
    let poll = st.config.log_poll_interval.max(Duration::from_millis(5));
    let keepalive = st.config.tail_keepalive;
    let deadline = st.config.tail_max_duration.map(|d| Instant::now() + d);
    struct Tail {
        st: AppState,
        fid: String,
        after: i64,
        first: bool,
        quiet_since: Instant,
    }
    let init = Tail { st, fid, after, first: true, quiet_since: Instant::now() };
    let stream = futures::stream::unfold(init, move |mut t| async move {
        if t.first {
            t.first = false;
            // A comment first, so that the client sees the stream open at once.
            return Some((Ok(Bytes::from_static(b": tailing\n\n")), t));
        }
        loop {
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return None;
            }
            let (fid, after) = (t.fid.clone(), t.after);
            let lines = t.st.db.call(move |c| Ok(lines_after(c, &fid, after, 1000)?)).await.ok()?;
            if let Some(last) = lines.last() {
                t.after = last.seq;
                t.quiet_since = Instant::now();
                let text: String = lines.iter().map(frame).collect();
                return Some((Ok(Bytes::from(text)), t));
            }
            if t.quiet_since.elapsed() >= keepalive {
                t.quiet_since = Instant::now();
                return Some((Ok(Bytes::from_static(b": keepalive\n\n")), t));
            }
            let mut wait = poll;
            if let Some(d) = deadline {
                wait = wait.min(d.saturating_duration_since(Instant::now()));
            }
            tokio::time::sleep(wait).await;
        }
    });
    Ok(sse(stream))
}
