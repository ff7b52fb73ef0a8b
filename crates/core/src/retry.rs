//! The retry policy every language shares (DESIGN.md, "Retries"):
//! - GET/PUT/PATCH/DELETE retry on 408, 429, 500, 502, 503, 504 and
//!   connection errors;
//! - POST retries only on 429 and on a failure to connect (nothing was
//!   sent): a POST that may have reached the server is never repeated;
//! - backoff 0.5 s x 2^n capped at 8 s, with jitter; `Retry-After` (seconds
//!   or HTTP date) is honoured up to 60 s — a longer wait is not retried and
//!   the error carries `retry_after`.
use std::time::Duration;

pub const BASE_DELAY: Duration = Duration::from_millis(500);
pub const MAX_DELAY: Duration = Duration::from_secs(8);
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// What came back from one attempt, as far as the policy cares.
#[derive(Debug, Clone, Copy)]
pub enum Outcome {
    Status(u16),
    /// The connection could not be made: nothing reached the server.
    ConnectFailed,
    /// Anything else that failed in transit (reset, timeout after sending).
    TransportFailed,
}

/// Whether this method may be repeated without the user's knowledge.
pub fn is_idempotent(method: &http::Method) -> bool {
    matches!(*method, http::Method::GET | http::Method::HEAD | http::Method::PUT | http::Method::PATCH | http::Method::DELETE | http::Method::OPTIONS)
}

/// Whether the outcome of attempt `attempt` (0-based) calls for another try.
pub fn should_retry(method: &http::Method, outcome: Outcome) -> bool {
    match outcome {
        Outcome::ConnectFailed => true,
        Outcome::Status(429) => true,
        Outcome::Status(408 | 500 | 502 | 503 | 504) => is_idempotent(method),
        Outcome::Status(_) => false,
        Outcome::TransportFailed => is_idempotent(method),
    }
}

/// The wait before retry number `retry` (0-based): `Retry-After` when given
/// (None when it exceeds the cap: give up), else exponential backoff with jitter.
pub fn delay(retry: u32, retry_after: Option<Duration>, jitter: f64) -> Option<Duration> {
    if let Some(wait) = retry_after {
        return (wait <= MAX_RETRY_AFTER).then_some(wait);
    }
    let exp = BASE_DELAY.saturating_mul(1u32.checked_shl(retry).unwrap_or(u32::MAX));
    let capped = exp.min(MAX_DELAY);
    // Jitter takes off up to a quarter, so that clients that failed together
    // do not come back together, and the cap stays a cap.
    Some(capped.mul_f64(1.0 - 0.25 * jitter.clamp(0.0, 1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;

    #[test]
    fn post_retries_only_on_429_and_connect_failures() {
        assert!(should_retry(&Method::POST, Outcome::Status(429)));
        assert!(should_retry(&Method::POST, Outcome::ConnectFailed));
        for status in [408, 500, 502, 503, 504] {
            assert!(!should_retry(&Method::POST, Outcome::Status(status)), "{status}");
        }
        assert!(!should_retry(&Method::POST, Outcome::TransportFailed));
    }

    #[test]
    fn idempotent_methods_retry_on_the_listed_statuses() {
        for m in [Method::GET, Method::PUT, Method::PATCH, Method::DELETE] {
            for status in [408, 429, 500, 502, 503, 504] {
                assert!(should_retry(&m, Outcome::Status(status)), "{m} {status}");
            }
            for status in [400, 401, 402, 403, 404, 409, 501, 505] {
                assert!(!should_retry(&m, Outcome::Status(status)), "{m} {status}");
            }
            assert!(should_retry(&m, Outcome::TransportFailed));
        }
    }

    #[test]
    fn backoff_doubles_from_half_a_second_and_caps_at_eight() {
        let d = |n| delay(n, None, 0.0).unwrap();
        assert_eq!([d(0), d(1), d(2), d(3), d(4), d(5), d(40)], [
            Duration::from_millis(500), Duration::from_secs(1), Duration::from_secs(2),
            Duration::from_secs(4), Duration::from_secs(8), Duration::from_secs(8), Duration::from_secs(8)
        ]);
        let jittered = delay(2, None, 1.0).unwrap();
        assert_eq!(jittered, Duration::from_millis(1500));
    }

    #[test]
    fn retry_after_wins_up_to_sixty_seconds() {
        assert_eq!(delay(0, Some(Duration::from_secs(3)), 0.5), Some(Duration::from_secs(3)));
        assert_eq!(delay(0, Some(Duration::from_secs(60)), 0.5), Some(Duration::from_secs(60)));
        assert_eq!(delay(0, Some(Duration::from_secs(61)), 0.5), None);
    }
}
