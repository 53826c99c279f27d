//! Reading the JSON Report (`--format json`) with clear failures when something is missing.
//! Only facts the spec fixes are read here: no exact rule ids (those live in `rules.rs`).

use std::collections::BTreeSet;
use std::net::IpAddr;

use serde_json::Value;

/// Severities from least to most severe.
pub const SEVERITIES: [&str; 5] = ["info", "low", "medium", "high", "critical"];

/// `value` at JSON `pointer`, or a panic that shows where it was looked for.
pub fn at<'a>(value: &'a Value, pointer: &str) -> &'a Value {
    value
        .pointer(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in\n{}", pretty(value)))
}

/// The string at `pointer`.
pub fn str_at<'a>(value: &'a Value, pointer: &str) -> &'a str {
    at(value, pointer)
        .as_str()
        .unwrap_or_else(|| panic!("{pointer} is not a string in\n{}", pretty(value)))
}

/// The array at `pointer`.
pub fn array_at<'a>(value: &'a Value, pointer: &str) -> &'a [Value] {
    at(value, pointer)
        .as_array()
        .unwrap_or_else(|| panic!("{pointer} is not an array in\n{}", pretty(value)))
}

pub fn pretty(value: &Value) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    if text.len() > 12_000 {
        let mut end = 12_000;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}\n... ({} bytes)", &text[..end], text.len())
    } else {
        text
    }
}

pub fn targets(report: &Value) -> &[Value] {
    array_at(report, "/scan/targets")
}

/// The target whose `input` is exactly `input`.
pub fn target<'a>(report: &'a Value, input: &str) -> &'a Value {
    targets(report)
        .iter()
        .find(|t| t["input"] == input)
        .unwrap_or_else(|| panic!("no target with input {input:?} in\n{}", pretty(report)))
}

pub fn hosts(target: &Value) -> &[Value] {
    array_at(target, "/hosts")
}

/// The addresses of a target's hosts, parsed (so `::1` and `0:0:..:1` compare equal).
pub fn host_addresses(target: &Value) -> BTreeSet<IpAddr> {
    hosts(target)
        .iter()
        .map(|h| address_of(h, "/address"))
        .collect()
}

fn address_of(value: &Value, pointer: &str) -> IpAddr {
    let text = str_at(value, pointer);
    text.parse()
        .unwrap_or_else(|e| panic!("{pointer} = {text:?} is not an IP address: {e}"))
}

/// The host with `address` in `target`.
pub fn host(target: &Value, address: IpAddr) -> &Value {
    hosts(target)
        .iter()
        .find(|h| address_of(h, "/address") == address)
        .unwrap_or_else(|| panic!("no host {address} in target\n{}", pretty(target)))
}

/// The host with `address` in whichever target has it (first match).
pub fn any_host(report: &Value, address: IpAddr) -> &Value {
    targets(report)
        .iter()
        .flat_map(hosts)
        .find(|h| address_of(h, "/address") == address)
        .unwrap_or_else(|| panic!("no host {address} in any target of\n{}", pretty(report)))
}

/// The port observation for `port` on `host`.
pub fn port(host: &Value, port: u16) -> &Value {
    array_at(host, "/ports")
        .iter()
        .find(|p| p["port"] == port)
        .unwrap_or_else(|| panic!("port {port} missing from host\n{}", pretty(host)))
}

/// `open`, `closed`, `filtered` or `not_tested`.
pub fn state(port: &Value) -> &str {
    str_at(port, "/state")
}

/// The service identification of an open port.
pub fn service(port: &Value) -> &Value {
    at(port, "/service")
}

pub fn findings(report: &Value) -> &[Value] {
    array_at(report, "/findings")
}

pub fn violations(report: &Value) -> Vec<&Value> {
    findings(report)
        .iter()
        .filter(|f| f["status"] == "violation")
        .collect()
}

pub fn not_tested(report: &Value) -> Vec<&Value> {
    findings(report)
        .iter()
        .filter(|f| f["status"] == "not_tested")
        .collect()
}

pub fn severity_rank(severity: &str) -> usize {
    SEVERITIES
        .iter()
        .position(|s| *s == severity)
        .unwrap_or_else(|| panic!("unknown severity {severity:?}"))
}

/// Whether any violation is at or above `fail_on` (`none` never matches).
pub fn has_violation_at_or_above(report: &Value, fail_on: &str) -> bool {
    if fail_on == "none" {
        return false;
    }
    let threshold = severity_rank(fail_on);
    violations(report)
        .iter()
        .any(|f| severity_rank(str_at(f, "/severity")) >= threshold)
}

/// Whether some target could not be tested: its name did not resolve, or a host ran out of
/// time or budget (`incomplete`).
pub fn some_target_untested(report: &Value) -> bool {
    targets(report).iter().any(|t| {
        t["resolution"]["kind"] == "failed"
            || hosts(t).iter().any(|h| h.get("incomplete").is_some())
    })
}

/// The exit code the spec requires for this report under `--fail-on fail_on`:
/// 1 for a violation at or above it, else 3 if some target was not tested, else 0.
pub fn expected_exit(report: &Value, fail_on: &str) -> i32 {
    if has_violation_at_or_above(report, fail_on) {
        1
    } else if some_target_untested(report) {
        3
    } else {
        0
    }
}

/// Findings located at `port` (any address).
pub fn findings_at_port(report: &Value, port: u16) -> Vec<&Value> {
    findings(report)
        .iter()
        .filter(|f| f["location"]["port"] == port)
        .collect()
}
