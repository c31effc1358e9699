//! Bad profiles are refused precisely: for each case in `tests/cases/errors/<case>.toml`,
//! `build`, `check` and `plan` exit 1 with exactly the report in `<case>.stderr` (source
//! excerpt, key path, help line, closing line), print nothing on stdout, and write nothing.
//! Re-record the reports with `SNAPSHOTS=overwrite cargo test --test it errors`.
use std::fs;
use std::path::PathBuf;

use crate::support::{repo, Kmgen, Scratch};

fn cases_dir() -> PathBuf {
    repo().join("tests/cases/errors")
}

fn cli_dir() -> PathBuf {
    repo().join("tests/cases/cli")
}

/// Runs one case through `build`, `check` and `plan`; the profile is always `profile.toml`
/// in a fresh folder, so the file name in the report is stable.
fn check_case(name: &str) {
    let toml = fs::read_to_string(cases_dir().join(format!("{name}.toml"))).unwrap();
    let dir = Scratch::new("errors");
    dir.write("profile.toml", &toml);

    let build = Kmgen::new()
        .current_dir(&dir)
        .args(["build", "profile.toml", "-o", "out"])
        .run()
        .failure(1)
        .stdout_is("");
    let out = dir.join("out");
    assert!(
        !out.exists() || fs::read_dir(&out).unwrap().next().is_none(),
        "{name}: build wrote into {}",
        out.display()
    );
    assert!(
        build.stderr.ends_with("; nothing was written\n"),
        "{name}: the report must close with the problem count\n{}",
        build.stderr
    );
    let build = build.stderr_snapshot(cases_dir().join(format!("{name}.stderr")));

    // `check` and `plan` load the profile the same way and must say the same thing.
    for args in [
        &["check", "profile.toml"][..],
        &["plan", "profile.toml", "--format", "json"][..],
    ] {
        let r = Kmgen::new()
            .current_dir(&dir)
            .args(args)
            .run()
            .failure(1)
            .stdout_is("");
        assert_eq!(
            r.stderr, build.stderr,
            "{name}: {args:?} report differs from build's"
        );
    }
    let left: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "profile.toml" && n != "out")
        .collect();
    assert!(left.is_empty(), "{name}: left files behind: {left:?}");
}

macro_rules! cases {
    ($($test:ident => $name:literal,)*) => {
        $(
            #[test]
            fn $test() {
                check_case($name);
            }
        )*
        const CASES: &[&str] = &[$($name),*];
    };
}

cases! {
    apim_version_update => "apim-version-update",
    bad_host => "bad-host",
    bad_is_km_version => "bad-is-km-version",
    blank_database_user => "blank-database-user",
    control_characters => "control-characters",
    database_user_two_passwords => "database-user-two-passwords",
    deep_dotted_key => "deep-dotted-key",
    device_as_input => "device-as-input",
    duplicate_key => "duplicate-key",
    duplicate_node_names => "duplicate-node-names",
    embedded_ldap_two_key_managers => "embedded-ldap-two-key-managers",
    empty_profile => "empty-profile",
    encrypt_oauth_keys_per_product => "encrypt-oauth-keys-per-product",
    every_parse_problem => "every-parse-problem",
    extra_names_wrong_type => "extra-names-wrong-type",
    gateway_load_balancer_port_zero => "gateway-load-balancer-port-zero",
    gateway_roles_vs_sync => "gateway-roles-vs-sync",
    h2_server_cannot_work => "h2-server-cannot-work",
    hazelcast_port_collision => "hazelcast-port-collision",
    hazelcast_port_km_collision => "hazelcast-port-km-collision",
    hazelcast_port_unused => "hazelcast-port-unused",
    key_alias_too_long => "key-alias-too-long",
    key_bits_1024 => "key-bits-1024",
    km_load_balancer_missing => "km-load-balancer-missing",
    ldap_missing_fields => "ldap-missing-fields",
    ldap_schema => "ldap-schema",
    load_balancers_share_a_port => "load-balancers-share-a-port",
    loopback_host => "loopback-host",
    missing_deployment_name => "missing-deployment-name",
    missing_env_secret => "missing-env-secret",
    missing_file_secret => "missing-file-secret",
    missing_node_host => "missing-node-host",
    mysql_without_host => "mysql-without-host",
    name_double_dash => "name-double-dash",
    name_uppercase => "name-uppercase",
    nfs_export_and_homes => "nfs-export-and-homes",
    nfs_without_export => "nfs-without-export",
    no_nodes => "no-nodes",
    non_ascii_password => "non-ascii-password",
    one_database_two_users => "one-database-two-users",
    oracle_user_and_password => "oracle-user-and-password",
    port_collision => "port-collision",
    port_offset_out_of_range => "port-offset-out-of-range",
    port_offset_past_65535 => "port-offset-past-65535",
    port_offset_string => "port-offset-string",
    reserved_node_names => "reserved-node-names",
    roles_distributed => "roles-distributed",
    roles_hybrid_active_active => "roles-hybrid-active-active",
    roles_hybrid_single_node => "roles-hybrid-single-node",
    secret_wrong_type => "secret-wrong-type",
    several_problems => "several-problems",
    short_keystore_password => "short-keystore-password",
    syntax_error => "syntax-error",
    syntax_error_near_secret => "syntax-error-near-secret",
    sync_keys => "sync-keys",
    sync_unset_active_active => "sync-unset-active-active",
    sync_unset_two_gateways => "sync-unset-two-gateways",
    sync_with_one_gateway => "sync-with-one-gateway",
    thrift_behind_load_balancer => "thrift-behind-load-balancer",
    tm_load_balancer_missing => "tm-load-balancer-missing",
    tm_load_balancer_without_traffic_managers => "tm-load-balancer-without-traffic-managers",
    unknown_database_type => "unknown-database-type",
    unknown_key_database_am => "unknown-key-database-am",
    unknown_key_deployment => "unknown-key-deployment",
    unknown_key_km_load_balancer => "unknown-key-km-load-balancer",
    unknown_key_node => "unknown-key-node",
    unknown_key_tls => "unknown-key-tls",
    unknown_pattern => "unknown-pattern",
    unknown_role => "unknown-role",
    unknown_secret_source => "unknown-secret-source",
    unknown_tls_format => "unknown-tls-format",
    unreachable_hosts => "unreachable-hosts",
    user_store_url_with_jdbc => "user-store-url-with-jdbc",
    validity_days_zero => "validity-days-zero",
}

/// Every `.toml` in the cases folder has a test above and a recorded report, and the other
/// way round: a case cannot be forgotten or left without its expected output.
#[test]
fn every_case_file_has_a_test_and_a_report() {
    let mut on_disk: Vec<String> = fs::read_dir(cases_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut expected: Vec<String> = CASES
        .iter()
        .flat_map(|c| [format!("{c}.stderr"), format!("{c}.toml")])
        .collect();
    expected.sort();
    if std::env::var("SNAPSHOTS").as_deref() != Ok("overwrite") {
        assert_eq!(on_disk, expected);
    }
    assert!(CASES.len() >= 30, "only {} cases", CASES.len());
}

/// The examples shipped in `profiles/` pass, so the cases above fail for their own reason.
#[test]
fn example_profiles_pass_check() {
    let examples = repo().join("profiles");
    let mut names: Vec<String> = fs::read_dir(&examples)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    assert!(
        names.len() >= 5,
        "only {} profiles in {}: {names:?}",
        names.len(),
        examples.display()
    );
    for name in names {
        Kmgen::new()
            .current_dir(&examples)
            .args(["check", &name])
            .run()
            .success()
            .stdout_contains(": ok (");
    }
}

fn cli_snapshot(args: &[&str], code: i32, stream: &str, file: &str) {
    let run = Kmgen::new().args(args).run();
    let r = if code == 0 {
        run.success()
    } else {
        run.failure(code)
    };
    let r = match stream {
        "stdout" => r.stderr_is("").stdout_snapshot(cli_dir().join(file)),
        _ => r.stdout_is("").stderr_snapshot(cli_dir().join(file)),
    };
    assert!(
        fs::read_dir(r.dir()).unwrap().next().is_none(),
        "{args:?} wrote files"
    );
}

#[test]
fn help() {
    cli_snapshot(&["--help"], 0, "stdout", "help.stdout");
}

#[test]
fn build_help() {
    cli_snapshot(&["build", "--help"], 0, "stdout", "build-help.stdout");
}

#[test]
fn check_and_plan_help() {
    cli_snapshot(&["check", "--help"], 0, "stdout", "check-help.stdout");
    cli_snapshot(&["plan", "--help"], 0, "stdout", "plan-help.stdout");
}

#[test]
fn diff_help() {
    cli_snapshot(&["diff", "--help"], 0, "stdout", "diff-help.stdout");
}

#[test]
fn unknown_flag_is_a_usage_error() {
    cli_snapshot(
        &["build", "profile.toml", "--frobnicate"],
        2,
        "stderr",
        "unknown-flag.stderr",
    );
}

#[test]
fn other_usage_errors_exit_2() {
    cli_snapshot(&[], 2, "stderr", "no-command.stderr");
    cli_snapshot(
        &["plan", "profile.toml", "--format", "yaml"],
        2,
        "stderr",
        "bad-format.stderr",
    );
    cli_snapshot(&["check"], 2, "stderr", "missing-profile.stderr");
}

#[test]
fn unreadable_profile_is_exit_1() {
    let dir = Scratch::new("cli");
    Kmgen::new()
        .current_dir(&dir)
        .args(["build", "nope.toml", "-o", "out"])
        .run()
        .failure(1)
        .stdout_is("")
        .stderr_is("error: cannot read `nope.toml`: No such file or directory (os error 2)\n");
    assert!(!dir.join("out").exists());
}
