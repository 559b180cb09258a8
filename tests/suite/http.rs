//! The app over plain HTTP: a `kleroterion serve` child process and
//! requests written by hand (so a test controls every header, as an
//! attacker would). Shared by tests/suite/app.rs and benches/app.rs.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `kleroterion serve`, stopped when dropped.
pub struct Server {
    child: Child,
    /// e.g. http://127.0.0.1:40123 (no slash, no token).
    pub base: String,
    /// The printed address (with the token, if any).
    pub url: String,
    pub dir: PathBuf,
}

impl Server {
    /// A server on the workspace `ws` (new, or existing: a restart).
    pub fn start_at(ws: PathBuf, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kleroterion"))
            .args(["serve", "--port", "0", "--dir"])
            .arg(&ws)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("kleroterion is running: open ")
            .unwrap_or_else(|| panic!("unexpected first line: {line}"))
            .to_string();
        let base = url
            .split("/?")
            .next()
            .unwrap()
            .trim_end_matches('/')
            .to_string();
        Server {
            child,
            base,
            url,
            dir: ws,
        }
    }

    pub fn host(&self) -> &str {
        self.base.strip_prefix("http://").unwrap()
    }

    /// One request; (status, headers in lower case, body).
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        let mut s = TcpStream::connect(self.host()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
            head.push_str(&format!("Host: {}\r\n", self.host()));
        }
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).unwrap();
        // The server may refuse before reading a large body.
        let _ = s.write_all(body);
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a response");
        let head = String::from_utf8_lossy(&raw[..split]).to_lowercase();
        let mut body = raw[split + 4..].to_vec();
        if head.contains("transfer-encoding: chunked") {
            body = unchunk(&body);
        }
        let status = head[9..12].parse().unwrap();
        Reply {
            status,
            head,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    /// The body of a GET as bytes (a .zip, say).
    pub fn get_bytes(&self, path: &str) -> Vec<u8> {
        let mut st = TcpStream::connect(self.host()).unwrap();
        write!(
            st,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.host()
        )
        .unwrap();
        let mut raw = Vec::new();
        st.read_to_end(&mut raw).unwrap();
        let at = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        let head = String::from_utf8_lossy(&raw[..at]).to_lowercase();
        assert!(head.starts_with("http/1.1 200"), "{head}");
        if head.contains("transfer-encoding: chunked") {
            unchunk(&raw[at..])
        } else {
            raw[at..].to_vec()
        }
    }

    pub fn get(&self, path: &str) -> Reply {
        self.request("GET", path, &[], b"")
    }

    /// The form token of the app's pages.
    pub fn csrf(&self) -> String {
        let page = self.get("/").body;
        let at = page.find("name=\"csrf\" value=\"").expect("a form") + 19;
        page[at..at + 32].to_string()
    }

    /// A URL-encoded form post from the app's own page.
    pub fn post(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect();
        self.request(
            "POST",
            path,
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Origin", &self.base),
            ],
            body.join("&").as_bytes(),
        )
    }

    /// A multipart post with one file.
    pub fn upload(&self, path: &str, fields: &[(&str, &str)], file: (&str, &str, &[u8])) -> Reply {
        let (body, boundary) = multipart(fields, file);
        self.request(
            "POST",
            path,
            &[
                (
                    "Content-Type",
                    &format!("multipart/form-data; boundary={boundary}"),
                ),
                ("Origin", &self.base),
            ],
            &body,
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
    }
}

fn unchunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap().trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[eol + 4 + size..];
    }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn multipart(fields: &[(&str, &str)], file: (&str, &str, &[u8])) -> (Vec<u8>, String) {
    multipart_files(fields, &[file])
}

/// A multipart body of `fields` and `files` (field, file name, bytes).
pub fn multipart_files(
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> (Vec<u8>, String) {
    let boundary = "----kleroterion-test-boundary".to_string();
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (field, name, bytes) in files {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (body, boundary)
}

/// Waits for run `run_path` to end; returns its status word.
pub fn wait_for_run(s: &Server, run_path: &str) -> String {
    let start = Instant::now();
    loop {
        let p = s.get(&format!("{run_path}/progress")).body;
        let v: serde_json::Value = serde_json::from_str(&p).unwrap();
        let status = v["status"].as_str().unwrap().to_string();
        if status != "running" {
            return status;
        }
        assert!(start.elapsed() < Duration::from_secs(300), "run too long");
        std::thread::sleep(Duration::from_millis(200));
    }
}
