//! The request as handlers see it and the reply they give back.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use http_body_util::Full;
use serde_json::Value;

/// A request whose body has been read.
pub(crate) struct Req {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl std::fmt::Debug for Req {
    // Headers carry the Authorization token and bodies may carry secrets: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Req")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("body_bytes", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl Req {
    /// The first value of a query parameter.
    pub(crate) fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The request's content type, lower-cased and without parameters.
    pub(crate) fn content_type(&self) -> String {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .unwrap_or_default()
    }

    /// Form fields of an `application/x-www-form-urlencoded` body, or the text fields of a
    /// `multipart/form-data` one (Zoho's official Node SDK sends its token requests that way and
    /// Zoho's accounts server takes them); empty otherwise.
    pub(crate) fn form(&self) -> Vec<(String, String)> {
        match self.content_type().as_str() {
            "application/x-www-form-urlencoded" => parse_pairs(&self.body),
            "multipart/form-data" => self.multipart_text_fields(),
            _ => Vec::new(),
        }
    }

    /// The parts of a multipart body that carry no file, as name/value pairs; a malformed body
    /// gives the fields read before the fault (the endpoint then reports what is missing).
    fn multipart_text_fields(&self) -> Vec<(String, String)> {
        let boundary = self
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| multer::parse_boundary(v).ok());
        let Some(boundary) = boundary else {
            return Vec::new();
        };
        let body = self.body.clone();
        let stream = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
        let mut multipart = multer::Multipart::new(stream, boundary);
        // The whole body is already in memory, so every await below is ready at once.
        futures::executor::block_on(async move {
            let mut fields = Vec::new();
            while let Ok(Some(field)) = multipart.next_field().await {
                if field.file_name().is_some() {
                    continue;
                }
                let Some(name) = field.name().map(str::to_owned) else {
                    continue;
                };
                match field.text().await {
                    Ok(value) => fields.push((name, value)),
                    Err(_) => break,
                }
            }
            fields
        })
    }
}

/// Decodes `a=1&b=2` pairs.
pub(crate) fn parse_pairs(raw: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// What a handler answers: the response plus the normalized route name for the stats.
#[derive(Debug)]
pub(crate) struct Reply {
    pub route: &'static str,
    pub response: Box<http::Response<Full<Bytes>>>,
    /// Drop the connection instead of answering (a simulated reset).
    pub reset: bool,
}

impl Reply {
    /// A reply with a body and content type.
    pub(crate) fn bytes(
        route: &'static str,
        status: u16,
        content_type: &str,
        body: impl Into<Bytes>,
    ) -> Reply {
        let mut response = http::Response::new(Full::new(body.into()));
        *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
        if let Ok(value) = HeaderValue::from_str(content_type) {
            response.headers_mut().insert(header::CONTENT_TYPE, value);
        }
        Reply {
            route,
            response: Box::new(response),
            reset: false,
        }
    }

    /// A JSON reply, with the content type Zoho sends.
    pub(crate) fn json(route: &'static str, status: u16, body: &Value) -> Reply {
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        Reply::bytes(route, status, "application/json;charset=UTF-8", bytes)
    }

    /// An empty reply (204, 304).
    pub(crate) fn empty(route: &'static str, status: u16) -> Reply {
        let mut reply = Reply::bytes(route, status, "text/plain", Bytes::new());
        reply.response.headers_mut().remove(header::CONTENT_TYPE);
        reply
    }

    /// A redirect.
    pub(crate) fn redirect(route: &'static str, location: &str) -> Reply {
        let mut reply = Reply::empty(route, 302);
        if let Ok(value) = HeaderValue::from_str(location) {
            reply.response.headers_mut().insert(header::LOCATION, value);
        }
        reply
    }

    /// The connection is dropped without an answer.
    pub(crate) fn reset(route: &'static str) -> Reply {
        let mut reply = Reply::empty(route, 500);
        reply.reset = true;
        reply
    }

    /// Adds a header.
    pub(crate) fn with_header(mut self, name: &'static str, value: &str) -> Reply {
        if let Ok(value) = HeaderValue::from_str(value) {
            self.response.headers_mut().insert(name, value);
        }
        self
    }

    /// The HTTP status.
    pub(crate) fn status(&self) -> u16 {
        self.response.status().as_u16()
    }
}
