//! A browser as the sections that walk the release server's screens need one (受入計画, Web応募):
//! its cookies and the CSRF token its forms repeat, form POSTs and multipart uploads timed from
//! request to answer, the login a person makes, and the few readings of a page they need
//! (hidden fields, a redirect's address, the first error message).

use crate::http::{self, Response};
use anyhow::{Context, bail};
use std::net::SocketAddr;
use std::time::Instant;

/// The browser's cookies and the CSRF token its forms repeat.
pub struct Browser {
    pub addr: SocketAddr,
    pub cookie: String,
    pub csrf: String,
}

impl Browser {
    /// Logs an employer in with its login ID and password, as a browser does (CSRF token from
    /// the login page; the login renews it, so the session's forms carry the new one).
    pub async fn login(addr: SocketAddr, portal: &str, login_id: &str, password: &str) -> anyhow::Result<Browser> {
        let page = http::request(addr, "GET", &format!("/{portal}/login"), &[], None).await?;
        let csrf = page.cookie("mdg_csrf").context("the login page set no CSRF cookie")?;
        let body = form(&csrf, &[("login_id", login_id), ("password", password)]);
        let cookie = format!("mdg_csrf={csrf}");
        let answer =
            http::request(addr, "POST", &format!("/{portal}/login"), &[("Cookie", &cookie)], Some(&body)).await?;
        let session = answer.cookie("mdg_s").with_context(|| format!("login: status {}", answer.status))?;
        let csrf = answer.cookie("mdg_csrf").unwrap_or(csrf);
        Ok(Browser { addr, cookie: format!("mdg_csrf={csrf}; mdg_s={session}"), csrf })
    }

    /// A page that must answer 200.
    pub async fn get(&self, path: &str) -> anyhow::Result<Response> {
        let page = http::request(self.addr, "GET", path, &[("Cookie", &self.cookie)], None).await?;
        if page.status != 200 {
            bail!("GET {path} answered {}: {}", page.status, excerpt(&page.body));
        }
        Ok(page)
    }

    /// A form POST with the token; the answer and the milliseconds it took.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> anyhow::Result<(Response, f64)> {
        let body = form(&self.csrf, fields);
        let began = Instant::now();
        let answer = http::request(self.addr, "POST", path, &[("Cookie", &self.cookie)], Some(&body)).await?;
        Ok((answer, began.elapsed().as_secs_f64() * 1000.0))
    }

    /// A multipart POST of `fields` and one PDF `file`; the answer and the milliseconds it took.
    pub async fn upload(&self, path: &str, fields: &[(&str, &str)], file: &[u8]) -> anyhow::Result<(Response, f64)> {
        let boundary = "----madoguchi-bench-7d3f";
        let mut body = Vec::new();
        for (k, v) in std::iter::once(&("_csrf", self.csrf.as_str())).chain(fields) {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"document.pdf\"\r\n\
                 Content-Type: application/pdf\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let content_type = format!("multipart/form-data; boundary={boundary}");
        let began = Instant::now();
        let answer =
            http::request_with(self.addr, "POST", path, &[("Cookie", &self.cookie)], Some((&content_type, &body)))
                .await?;
        Ok((answer, began.elapsed().as_secs_f64() * 1000.0))
    }
}

/// A form body: the token first, then the fields in order (a name may repeat).
fn form(csrf: &str, fields: &[(&str, &str)]) -> String {
    let mut body = url::form_urlencoded::Serializer::new(String::new());
    body.append_pair("_csrf", csrf);
    for (k, v) in fields {
        body.append_pair(k, v);
    }
    body.finish()
}

/// The value of the first hidden field `name` of a page.
pub fn hidden(body: &str, name: &str) -> anyhow::Result<String> {
    values_of(body, name).into_iter().next().with_context(|| format!("no field {name}: {}", excerpt(body)))
}

/// The values of every `name="…" value="…"` input of a page, in order.
pub fn values_of(body: &str, name: &str) -> Vec<String> {
    let marker = format!("name=\"{name}\" value=\"");
    body.match_indices(&marker)
        .filter_map(|(at, _)| {
            let rest = &body[at + marker.len()..];
            Some(rest[..rest.find('"')?].to_string())
        })
        .collect()
}

/// A 303 whose address ends with `ending`, else what the page said.
pub fn expect_redirect(answer: &Response, ending: &str, what: &str) -> anyhow::Result<()> {
    match answer.header("location") {
        Some(location) if answer.status == 303 && location.ends_with(ending) => Ok(()),
        other => bail!("{what} answered {} to {other:?}: {}", answer.status, excerpt(&answer.body)),
    }
}

/// The page's first error message, else its beginning.
pub fn excerpt(body: &str) -> String {
    let errors: Vec<&str> = body.match_indices("class=\"error-message\"").map(|(at, _)| &body[at..]).collect();
    let text = errors.first().copied().unwrap_or(body);
    text.chars().take(300).collect()
}

/// A PDF of `size` bytes (a real header, padding after it), as a scanner makes them big.
pub fn pdf(size: usize) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    out.resize(size, b' ');
    out
}

#[cfg(test)]
mod tests {
    use super::{form, values_of};

    #[test]
    fn fields_are_read_and_written_as_the_pages_do() {
        assert_eq!(values_of("name=\"c\" value=\"1\" name=\"c\" value=\"2\"", "c"), ["1", "2"]);
        assert_eq!(form("t", &[("ids", "1"), ("ids", "2"), ("n", "受理")]), "_csrf=t&ids=1&ids=2&n=%E5%8F%97%E7%90%86");
    }
}
