//! The JSON renderer: the whole [`Report`] (observations and findings), pretty-printed, with a
//! trailing newline. The schema is documented in `docs/json-schema.md`; [`super::read_report_or_scan`]
//! reads it back.

use super::Report;

pub fn render(report: &Report) -> String {
    // Every type in the report serialises infallibly: string-keyed structs, strings, integers,
    // addresses. A failure here is a bug in the model, not a run-time condition.
    let mut out = serde_json::to_string_pretty(report).expect("a report always serialises to JSON");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::*;

    #[test]
    fn json_is_complete_pretty_and_newline_terminated() {
        let out = render(&fixtures::report());
        assert!(out.ends_with("}\n"));
        assert!(out.starts_with("{\n  \"schema_version\": 1,"), "{out}");
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            value["scan"]["targets"][0]["hosts"][0]["ports"][0]["state"],
            "open"
        );
        assert_eq!(value["scan"]["targets"][1]["resolution"]["kind"], "failed");
        assert_eq!(value["findings"][0]["status"], "violation");
        assert_eq!(value["findings"][1]["status"], "not_tested");
        assert_eq!(
            value["findings"][1]["reason"],
            "name did not resolve (NXDOMAIN)"
        );
        assert_eq!(value["summary"]["violations_by_severity"]["high"], 1);
        assert_eq!(
            value["profiles"][0]["title"]["ja"],
            "総務省 テレワークセキュリティガイドライン"
        );
    }

    #[test]
    fn hostile_strings_survive_json_escaped() {
        let out = render(&fixtures::report());
        assert!(
            !out.contains('\u{1b}'),
            "control characters are JSON-escaped"
        );
        assert!(out.contains("\\u001b[2J"));
    }
}
