//! End to end: a scan saved with `-o` is private and re-evaluates offline to the same findings;
//! broken scan files and broken profiles are refused with the file and line named; the
//! `profiles` subcommands.

mod harness;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use harness::report::{self, str_at};
use harness::rules::{self, SSH_EXPOSED};
use harness::run::{edgeaudit, scan};
use harness::{closed_port, fixture, Lab};
use serde_json::Value;

fn read_json(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}\n{text}", path.display()))
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_saved_scan_is_private_and_reevaluates_to_the_same_findings() {
    let sshd = Lab::sshd();
    let http = Lab::nginx_http();
    // HTTPS brings the TLS engine's facts (versions, suites, chain) into the saved scan.
    let https = Lab::nginx_https();
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("scan.json");

    let live = scan()
        .target("127.0.0.1")
        .ports(&[sshd.port(), http.port(), https.port(), closed_port()])
        .vantage("outside")
        .arg("-o")
        .arg(saved.display().to_string())
        .run();
    live.assert_no_panic();
    assert!(saved.is_file(), "-o wrote nothing\n{}", live.context());
    assert_eq!(
        mode(&saved),
        0o600,
        "a saved scan holds a network map: mode must be 0600"
    );
    let live_report = read_json(&saved);
    assert_eq!(
        live.code,
        Some(report::expected_exit(&live_report, "high")),
        "{}",
        live.context()
    );
    let live_findings = report::findings(&live_report);
    assert!(
        !SSH_EXPOSED
            .violations_at(&live_report, sshd.port())
            .is_empty(),
        "the comparison below needs findings to compare\n{}",
        live.context()
    );

    let offline = edgeaudit([
        "evaluate".as_ref(),
        saved.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    let offline_report = offline.json();
    assert_eq!(
        report::findings(&offline_report),
        live_findings,
        "offline findings differ from the live ones\nlive:\n{}\noffline:\n{}",
        report::pretty(&live_report["findings"]),
        report::pretty(&offline_report["findings"])
    );
    assert_eq!(
        offline_report["scan"], live_report["scan"],
        "evaluate must carry the scan unchanged"
    );
    assert_eq!(offline.code, live.code, "{}", offline.context());

    // --fail-on applies offline too, and -o from evaluate is private as well.
    let out = dir.path().join("evaluated.md");
    let run = edgeaudit([
        "evaluate".as_ref(),
        saved.as_os_str(),
        "--fail-on".as_ref(),
        "none".as_ref(),
        "--format".as_ref(),
        "md".as_ref(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    run.assert_exit(0);
    assert!(
        fs::metadata(&out).map(|m| m.len() > 0).unwrap_or(false),
        "{}",
        run.context()
    );
    assert_eq!(mode(&out), 0o600);
    edgeaudit([
        "evaluate".as_ref(),
        saved.as_os_str(),
        "--fail-on".as_ref(),
        "info".as_ref(),
    ])
    .assert_exit(1);
}

#[test]
fn save_keeps_the_json_report_beside_a_text_report() {
    let sshd = Lab::sshd();
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("report.txt");
    let saved = dir.path().join("saved.json");
    let run = scan()
        .target("127.0.0.1")
        .ports(&[sshd.port()])
        .vantage("outside")
        .format("text")
        .args(["-o".to_string(), text.display().to_string()])
        .args(["--save".to_string(), saved.display().to_string()])
        .run();
    run.assert_no_panic();
    assert!(fs::read_to_string(&text)
        .unwrap_or_default()
        .contains(&sshd.port().to_string()));
    assert_eq!(mode(&text), 0o600);
    assert_eq!(mode(&saved), 0o600);
    let report = read_json(&saved);
    let host = report::host(report::target(&report, "127.0.0.1"), harness::LOOPBACK_V4);
    assert_eq!(report::state(report::port(host, sshd.port())), "open");
    assert!(
        !SSH_EXPOSED.violations_at(&report, sshd.port()).is_empty(),
        "{}",
        run.context()
    );
    assert_eq!(
        run.code,
        Some(report::expected_exit(&report, "high")),
        "{}",
        run.context()
    );
}

#[test]
fn evaluate_refuses_a_malformed_scan_file_naming_file_and_line() {
    let file = fixture(harness::MALFORMED_SCAN);
    let run = edgeaudit(["evaluate".as_ref(), file.as_os_str()]);
    run.assert_exit(2)
        .assert_stderr_names_file(&file)
        .assert_stderr_names_line(harness::MALFORMED_SCAN_LINE);
}

#[test]
fn evaluate_refuses_json_that_is_not_a_scan() {
    let file = fixture(harness::WRONG_SHAPE_SCAN);
    edgeaudit(["evaluate".as_ref(), file.as_os_str()])
        .assert_exit(2)
        .assert_stderr_names_file(&file);
}

#[test]
fn evaluate_refuses_a_missing_scan_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-scan.json");
    edgeaudit(["evaluate".as_ref(), missing.as_os_str()])
        .assert_exit(2)
        .assert_stderr_names_file(&missing);
}

#[test]
fn a_broken_profile_is_refused_naming_file_and_line() {
    let cases = [
        (harness::BROKEN_SYNTAX_PROFILE, harness::BROKEN_SYNTAX_LINE),
        (
            harness::MISSPELLED_FIELD_PROFILE,
            harness::MISSPELLED_FIELD_LINE,
        ),
    ];
    let closed = closed_port().to_string();
    // A good scan file, so evaluate can only object to the profile.
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("scan.json");
    scan()
        .target("127.0.0.1")
        .ports(&[closed_port()])
        .arg("-o")
        .arg(saved.display().to_string())
        .run()
        .assert_exit(0);
    let saved_arg = saved.display().to_string();
    for (name, line) in cases {
        let profile = fixture(name);
        let profile_arg = profile.display().to_string();

        // scan refuses before scanning (a closed loopback port, in case it does not).
        let run = edgeaudit([
            "scan",
            "--no-progress",
            "--ports",
            &closed,
            "--connect-timeout",
            "1s",
            "--timeout",
            "5s",
            "--profile",
            &profile_arg,
            "127.0.0.1",
        ]);
        run.assert_exit(2)
            .assert_stderr_names_file(&profile)
            .assert_stderr_names_line(line);

        // evaluate refuses it too.
        let run = edgeaudit(["evaluate", &saved_arg, "--profile", &profile_arg]);
        run.assert_exit(2)
            .assert_stderr_names_file(&profile)
            .assert_stderr_names_line(line);

        // and lint says where.
        let run = edgeaudit(["profiles", "lint", &profile_arg]);
        run.assert_exit(2)
            .assert_stderr_names_file(&profile)
            .assert_stderr_names_line(line);
    }
}

#[test]
fn a_missing_profile_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere.toml");
    edgeaudit(["profiles".as_ref(), "lint".as_ref(), missing.as_os_str()])
        .assert_exit(2)
        .assert_stderr_names_file(&missing);
}

#[test]
fn every_shipped_profile_lints_clean() {
    let shipped = harness::shipped_profiles();
    assert!(!shipped.is_empty(), "no profiles/*.toml shipped");
    for profile in shipped {
        edgeaudit(["profiles".as_ref(), "lint".as_ref(), profile.as_os_str()]).assert_exit(0);
    }
}

#[test]
fn the_shipped_profile_file_evaluates_like_the_builtin() {
    let sshd = Lab::sshd();
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("scan.json");
    scan()
        .target("127.0.0.1")
        .ports(&[sshd.port()])
        .vantage("outside")
        .arg("-o")
        .arg(saved.display().to_string())
        .run()
        .assert_no_panic();
    let file = harness::shipped_profiles()
        .into_iter()
        .find(|p| {
            fs::read_to_string(p)
                .unwrap_or_default()
                .lines()
                .any(|l| l.replace(' ', "") == format!("id=\"{}\"", rules::PROFILE))
        })
        .unwrap_or_else(|| panic!("no profiles/*.toml has id = \"{}\"", rules::PROFILE));
    let builtin = edgeaudit([
        "evaluate".as_ref(),
        saved.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    let from_file = edgeaudit([
        "evaluate".as_ref(),
        saved.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
        "--profile".as_ref(),
        file.as_os_str(),
    ]);
    assert_eq!(
        report::findings(&from_file.json()),
        report::findings(&builtin.json()),
        "the profile loaded from {} and the built-in disagree",
        file.display()
    );
}

#[test]
fn profiles_list_shows_the_default_profile() {
    let run = edgeaudit(["profiles", "list"]);
    run.assert_exit(0);
    assert!(run.stdout.contains(rules::PROFILE), "{}", run.context());
}

#[test]
fn profiles_show_prints_the_default_profile() {
    let run = edgeaudit(["profiles", "show", rules::PROFILE]);
    run.assert_exit(0);
    assert!(run.stdout.contains(rules::PROFILE), "{}", run.context());
    assert!(
        run.stdout.lines().count() > 3,
        "a profile has more to show\n{}",
        run.context()
    );
}

#[test]
fn profiles_show_refuses_an_unknown_profile() {
    let run = edgeaudit(["profiles", "show", "no-such-profile"]);
    run.assert_exit(2);
    assert!(run.stderr.contains("no-such-profile"), "{}", run.context());
}

#[test]
fn report_lists_the_profiles_it_applied() {
    let run = scan().target("127.0.0.1").ports(&[closed_port()]).run();
    let report = run.json();
    let profiles = report::array_at(&report, "/profiles");
    let default = profiles
        .iter()
        .find(|p| p["id"] == rules::PROFILE)
        .unwrap_or_else(|| panic!("{}", run.context()));
    assert!(!str_at(default, "/version").is_empty());
    assert!(!str_at(default, "/title/ja").is_empty());
    assert!(!str_at(default, "/title/en").is_empty());
    run.assert_exit(0);
}
