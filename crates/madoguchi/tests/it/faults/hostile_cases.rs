//! What the hostile walk sends to one route and how it judges the answer: the cases built
//! from the route's form fields, query parameters and file inputs (each hostile value in each
//! place, wrong or missing CSRF tokens, repeated fields, multipart bodies), sent as a browser
//! would, and the verdict on the page that comes back.

use super::*;

pub(super) struct Case {
    pub(super) label: String,
    pub(super) method: Method,
    pub(super) uri: String,
    pub(super) body: Option<String>,
    pub(super) expect: Expect,
    /// A `multipart/form-data` body instead of `body`.
    pub(super) multipart: Option<Vec<u8>>,
}

pub(super) async fn send(walker: &Walker, case: &Case) -> Page {
    let mut request = Request::builder().method(case.method.clone()).uri(&case.uri);
    let cookies = walker.browser.cookie_header();
    if !cookies.is_empty() {
        request = request.header(header::COOKIE, cookies);
    }
    let body = match (&case.body, &case.multipart) {
        (_, Some(bytes)) => {
            request = request.header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"));
            Body::from(bytes.clone())
        }
        (Some(b), None) => {
            request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            Body::from(b.clone())
        }
        (None, None) => Body::empty(),
    };
    walker.browser.send(request.body(body).unwrap()).await
}

pub(super) fn form_body(fields: &[(String, String)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={v}", url::form_urlencoded::byte_serialize(k.as_bytes()).collect::<String>()))
        .collect::<Vec<_>>()
        .join("&")
}

/// Every case for one concrete path of a template; with hostile path segments (`full` false)
/// only the plain request and, for a POST, empty fields and a wrong token: the segment is
/// what is tested there.
pub(super) fn cases(
    path: &str,
    method: &Method,
    fields: &BTreeSet<String>,
    query: &BTreeSet<String>,
    csrf: &str,
    full: bool,
) -> Vec<Case> {
    if full {
        return cases_of(path, method, fields, query, csrf);
    }
    let case = |label: &str, token: &str, expect| {
        let mut pairs = vec![("_csrf".to_string(), token.to_string())];
        pairs.extend(fields.iter().map(|n| (n.clone(), String::new())));
        Case {
            label: label.into(),
            method: method.clone(),
            uri: path.into(),
            body: Some(form_body(&pairs)),
            expect,
            multipart: None,
        }
    };
    if *method == Method::GET {
        let plain = Case {
            label: "plain".into(),
            method: Method::GET,
            uri: path.into(),
            body: None,
            expect: Expect::NoServerError,
            multipart: None,
        };
        return vec![plain];
    }
    vec![
        case("form empty", csrf, Expect::NoServerError),
        case("wrong CSRF token", &"0".repeat(64), Expect::RefusedUnchanged),
    ]
}

pub(super) const BOUNDARY: &str = "----hostile-boundary-b8Qx2";

/// One part of a multipart body: its name, its file name if it is a file, its bytes.
pub(super) type Part = (String, Option<Vec<u8>>, Vec<u8>);

pub(super) fn multipart_body(parts: &[Part]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, file_name, bytes) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"").as_bytes());
        if let Some(file_name) = file_name {
            body.extend_from_slice(b"; filename=\"");
            body.extend_from_slice(file_name);
            body.extend_from_slice(b"\"\r\nContent-Type: application/pdf");
        }
        body.extend_from_slice(b"\r\n\r\n");
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// A form with a file (the manuals' upload): every value in its text fields and its file's
/// name, a file of bytes that are no text (NUL included, which a file may hold); the token
/// missing, after the file, or the body cut short.
pub(super) fn multipart_cases(
    path: &str,
    fields: &BTreeSet<String>,
    files: &BTreeSet<String>,
    csrf: &str,
) -> Vec<Case> {
    let file = b"%PDF-1.4\n\x00\x01\xff\xfe binary \x00 stream\n%%EOF\n".to_vec();
    let case = |label: &str, parts: &[Part], expect| Case {
        label: format!("multipart {label}"),
        method: Method::POST,
        uri: path.into(),
        body: None,
        expect,
        multipart: Some(multipart_body(parts)),
    };
    let token: Part = ("_csrf".into(), None, csrf.as_bytes().to_vec());
    let texts = |value: &[u8]| -> Vec<Part> { fields.iter().map(|f| (f.clone(), None, value.to_vec())).collect() };
    let files_named =
        |name: &[u8]| -> Vec<Part> { files.iter().map(|f| (f.clone(), Some(name.to_vec()), file.clone())).collect() };
    let mut out = Vec::new();
    let n = fields.len().max(1);
    for (label, value, expect) in values((1 << 20) / n, (100 << 10) / n) {
        let bytes = value.bytes();
        let parts: Vec<Part> = [vec![token.clone()], texts(&bytes), files_named(b"a.pdf")].concat();
        // A 1 MB text field fits the upload limit: the handler must refuse it itself.
        let expect = if label == "1 MB" { Expect::NoServerError } else { expect };
        out.push(case(label, &parts, expect));
    }
    let plain = texts(b"Abcd-1234");
    // A file name no browser sends: a line break, a quote, NUL, invalid UTF-8, a path.
    let name = b"..\\../\r\nX: \"\x00\xff.pdf";
    let hostile_name = [vec![token.clone()], plain.clone(), files_named(name)].concat();
    out.push(case("with a hostile file name", &hostile_name, Expect::NoServerError));
    let with_file = files_named(b"a.pdf");
    out.push(case("without a CSRF token", &[plain.clone(), with_file.clone()].concat(), Expect::RefusedUnchanged));
    let file_first = [with_file.clone(), vec![token.clone()], plain.clone()].concat();
    out.push(case("with the file before the token", &file_first, Expect::RefusedUnchanged));
    let mut cut = case("cut short", &[vec![token], plain, with_file].concat(), Expect::NoServerError);
    if let Some(body) = cut.multipart.as_mut() {
        body.truncate(body.len() - 20);
    }
    out.push(cut);
    out
}

pub(super) fn cases_of(
    path: &str,
    method: &Method,
    fields: &BTreeSet<String>,
    query: &BTreeSet<String>,
    csrf: &str,
) -> Vec<Case> {
    let mut out = Vec::new();
    if *method == Method::GET {
        out.push(Case {
            label: "plain".into(),
            method: Method::GET,
            uri: path.into(),
            body: None,
            expect: Expect::NoServerError,
            multipart: None,
        });
        // A page without known parameters still gets an unknown one.
        let names: Vec<String> = if query.is_empty() { vec!["q".into()] } else { query.iter().cloned().collect() };
        // The URI holds all of them: the long value is split between the parameters.
        for (label, value, expect) in values(LONG_QUERY / names.len(), LONG_QUERY / 4 / names.len()) {
            let pairs: Vec<(String, String)> = names.iter().map(|n| (n.clone(), value.encoded())).collect();
            out.push(Case {
                label: format!("query {label}"),
                method: Method::GET,
                uri: format!("{path}?{}", form_body(&pairs)),
                body: None,
                expect,
                multipart: None,
            });
        }
        let repeated: Vec<(String, String)> =
            names.iter().flat_map(|n| [(n.clone(), "1".into()), (n.clone(), "2".into())]).collect();
        out.push(Case {
            label: "query repeated".into(),
            method: Method::GET,
            uri: format!("{path}?{}", form_body(&repeated)),
            body: None,
            expect: Expect::NoServerError,
            multipart: None,
        });
        out.push(Case {
            label: "query malformed".into(),
            method: Method::GET,
            uri: format!("{path}?%&=&&%ZZ=%G1&a=%"),
            body: None,
            expect: Expect::NoServerError,
            multipart: None,
        });
        return out;
    }
    let with_csrf = |token: &str, pairs: Vec<(String, String)>| {
        let mut all = vec![("_csrf".to_string(), token.to_string())];
        all.extend(pairs);
        form_body(&all)
    };
    let n = fields.len().max(1);
    for (label, value, expect) in values((1 << 20) / n, (100 << 10) / n) {
        let pairs: Vec<(String, String)> = fields.iter().map(|n| (n.clone(), value.encoded())).collect();
        // Over the body limit, the request is refused before any handler.
        let expect = if label == "1 MB" && !fields.is_empty() { Expect::RefusedUnchanged } else { expect };
        out.push(Case {
            label: format!("form {label}"),
            method: method.clone(),
            uri: path.into(),
            body: Some(with_csrf(csrf, pairs)),
            expect,
            multipart: None,
        });
    }
    let plausible: Vec<(String, String)> = fields.iter().map(|n| (n.clone(), "Abcd-1234-xyz".into())).collect();
    let wrong = "0".repeat(64);
    for (label, body) in [
        ("wrong CSRF token", with_csrf(&wrong, plausible.clone())),
        ("no CSRF token", form_body(&plausible)),
        ("CSRF token repeated with a wrong one first", {
            let mut all = vec![("_csrf".to_string(), wrong.clone()), ("_csrf".to_string(), csrf.to_string())];
            all.extend(plausible.clone());
            form_body(&all)
        }),
    ] {
        out.push(Case {
            label: label.into(),
            method: method.clone(),
            uri: path.into(),
            body: Some(body),
            expect: Expect::RefusedUnchanged,
            multipart: None,
        });
    }
    let repeated: Vec<(String, String)> =
        fields.iter().flat_map(|n| [(n.clone(), "a".into()), (n.clone(), "b".into())]).collect();
    out.push(Case {
        label: "fields repeated".into(),
        method: method.clone(),
        uri: path.into(),
        body: Some(with_csrf(csrf, repeated)),
        expect: Expect::NoServerError,
        multipart: None,
    });
    out.push(Case {
        label: "NUL in the path's query".into(),
        method: method.clone(),
        uri: format!("{path}?x=%00"),
        body: Some(with_csrf(csrf, plausible)),
        expect: Expect::RefusedUnchanged,
        multipart: None,
    });
    out
}

/// Checks one answer; returns what is wrong with it.
pub(super) fn judge(
    case: &Case,
    page: &Page,
    before: Option<&BTreeMap<String, i64>>,
    after: Option<&BTreeMap<String, i64>>,
) -> Option<String> {
    let status = page.status;
    if status.is_server_error() {
        let body: String = page.body.chars().take(300).collect();
        return Some(format!("{status} — {body}"));
    }
    if status.is_redirection() {
        let location = page.location();
        if !location.starts_with('/') || location.starts_with("//") || location.starts_with("/\\") {
            return Some(format!("{status} redirects off the site: {location:?}"));
        }
    }
    // A file may hold any byte: only a NUL in a text field is refused as input.
    let plain_file = !case.label.contains("NUL") && !case.label.contains("file name");
    if case.multipart.is_some() && plain_file && page.body.contains("入力内容を受け付けられません") {
        return Some("a file's bytes were refused as text input".into());
    }
    if page.body.contains("<script>alert(1)") {
        return Some("the markup was echoed unescaped".into());
    }
    if status.is_success() && page.body.is_empty() && case.method == Method::GET {
        return Some(format!("{status} with an empty body"));
    }
    if case.expect == Expect::RefusedUnchanged {
        if !status.is_client_error() {
            return Some(format!("{status}, expected a refusal (4xx)"));
        }
        if let (Some(before), Some(after)) = (before, after) {
            let diff = changed(before, after);
            if !diff.is_empty() {
                return Some(format!("{status} but the database changed: {diff:?}"));
            }
        }
    }
    None
}
