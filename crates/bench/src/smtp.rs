//! A receiving SMTP server for the mail benchmark: accepts every message, keeps only its
//! Message-ID. Written here rather than using the tests' aiosmtpd sink because the figure
//! to measure is the portal's sending rate; a Python receiver on the same two cores would
//! measure itself.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Default)]
pub struct Received {
    ids: Arc<Mutex<HashSet<String>>>,
    messages: Arc<std::sync::atomic::AtomicU64>,
    connections: Arc<std::sync::atomic::AtomicU64>,
}

impl Received {
    /// Messages accepted, counting repeats.
    pub fn messages(&self) -> u64 {
        self.messages.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Distinct Message-IDs.
    pub fn distinct(&self) -> usize {
        self.ids.lock().map(|ids| ids.len()).unwrap_or(0)
    }

    /// SMTP connections opened by the sender (1 when it keeps one connection for all).
    pub fn connections(&self) -> u64 {
        self.connections.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Listens on a free loopback port until the runtime ends.
pub async fn start() -> anyhow::Result<(SocketAddr, Received)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let received = Received::default();
    let shared = received.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            shared.connections.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let received = shared.clone();
            tokio::spawn(async move {
                let _ = session(stream, received).await;
            });
        }
    });
    Ok((addr, received))
}

async fn session(stream: TcpStream, received: Received) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    write.write_all(b"220 bench-sink ESMTP\r\n").await?;
    let mut line = Vec::new();
    loop {
        line.clear();
        if read.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let command = String::from_utf8_lossy(&line).to_ascii_uppercase();
        let reply: &[u8] = match command.get(..4).unwrap_or("") {
            "EHLO" => b"250-bench-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "HELO" | "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 OK\r\n",
            "QUIT" => {
                write.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            }
            "DATA" => {
                write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                let mut message_id = None;
                loop {
                    line.clear();
                    if read.read_until(b'\n', &mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == b".\r\n" {
                        break;
                    }
                    if message_id.is_none() && line.len() > 11 && line[..11].eq_ignore_ascii_case(b"message-id:") {
                        message_id = Some(String::from_utf8_lossy(&line[11..]).trim().to_string());
                    }
                }
                received.messages.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if let (Some(id), Ok(mut ids)) = (message_id, received.ids.lock()) {
                    ids.insert(id);
                }
                b"250 OK queued\r\n"
            }
            _ => b"502 Command not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}
