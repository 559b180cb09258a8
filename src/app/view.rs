//! The pages' templates (minijinja, compiled into the binary, every value
//! escaped unless it is HTML the library built, such as a chart) and the
//! static files.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::Environment;

pub struct View {
    env: Environment<'static>,
}

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("home.html", include_str!("templates/home.html")),
    ("assembly.html", include_str!("templates/assembly.html")),
    ("run.html", include_str!("templates/run.html")),
    ("review.html", include_str!("templates/review.html")),
    ("message.html", include_str!("templates/message.html")),
    ("seed-rule.html", include_str!("templates/seed-rule.html")),
    ("fairness.html", include_str!("templates/fairness.html")),
];

/// The style: the reports' own (so their charts look the same here), then
/// the app's.
pub fn style() -> String {
    format!(
        "{}\n{}",
        kleroterion::report::html::STYLE,
        include_str!("static/app.css")
    )
}

pub const SCRIPT: &str = include_str!("static/app.js");

impl View {
    pub fn new() -> View {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            // The templates are part of the binary and tested: one that
            // fails to parse is a build mistake, shown on first use.
            let _ = env.add_template(name, source);
        }
        View { env }
    }

    /// The page `name` with `ctx`, or an error page.
    pub fn render(&self, name: &str, ctx: minijinja::Value) -> Response {
        match self.env.get_template(name).and_then(|t| t.render(ctx)) {
            Ok(html) => Html(html).into_response(),
            Err(e) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html(format!(
                    "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Internal error</title></head><body><h1>Internal error</h1><p>The page could not be shown ({}). Please report it.</p></body></html>",
                    kleroterion::report::html::esc(&e.kind().to_string())
                )),
            )
                .into_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_template_parses() {
        let mut env = minijinja::Environment::new();
        for (name, source) in super::TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}
