//! Prints the IKE audit of one address as JSON: `ike_probe ADDR:PORT [SECONDS]`.
//!
//! The strongSwan tests run it inside their network namespace (`ip netns exec NS ike_probe …`),
//! since the library function must reach a responder that only exists there.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use edgeaudit::probe::ike::audit_ike;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(addr) = args.next().and_then(|a| a.parse::<SocketAddr>().ok()) else {
        eprintln!("usage: ike_probe ADDR:PORT [SECONDS]");
        return ExitCode::from(2);
    };
    let seconds = args.next().and_then(|s| s.parse().ok()).unwrap_or(30);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    let audit = audit_ike(addr, deadline, Duration::from_millis(500)).await;
    match serde_json::to_string_pretty(&audit) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
