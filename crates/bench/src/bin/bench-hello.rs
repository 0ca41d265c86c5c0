//! The yardstick for the page benchmark: a bare axum hello-world, built by the same
//! `bench/run` with the same compiler, profile and axum as the portal.
//!
//! Usage: `bench-hello 127.0.0.1:PORT`.

use axum::Router;
use axum::routing::get;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8090".into());
    let app = Router::new().route("/", get(|| async { "Hello, World!" }));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
