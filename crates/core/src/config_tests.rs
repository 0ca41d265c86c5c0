//! The configuration's tests: presets, overrides and every refusal with its file, key and rule.

use super::*;
use crate::portal::{LoginIdKind, Registration, SecondFactor};

#[test]
fn rokin_is_open_on_its_business_days_only() {
    let config = Config::demo().unwrap();
    let rokin = config.portal("rokin").unwrap();
    // The service hours' closed days are the calendar's rules (non_business_days).
    assert_eq!(rokin.hours.closed_days(), &rokin.closures[..]);
    assert!(rokin.closures.contains(&crate::calendar::ClosedDay::MonthDay(12, 31)));
    let none = crate::calendar::Overrides::default();
    let day = chrono::NaiveDate::from_ymd_opt(2025, 12, 29).unwrap();
    assert!(rokin.calendar(&none).is_business_day(day));
    // The government portals close from 12/29.
    assert!(!config.portal("mlit-fwms").unwrap().calendar(&none).is_business_day(day));
}

#[test]
fn demo_has_the_five_presets() {
    let config = Config::demo().unwrap();
    let ids: Vec<_> = config.portals.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["mlit-fwms", "shaho", "rokin", "hellowork", "jrec-in"]);
    for portal in &config.portals {
        assert!(portal.settings.help_page("top").is_some(), "{} has no help for its first screen", portal.id);
    }
}

/// Issue 14 item 6: links in mails are absolute, made of `public_url`, else the address
/// the server listens on (the demo's).
#[test]
fn portal_urls_are_absolute() {
    let mut demo = Config::demo().unwrap();
    assert_eq!(demo.portal("hellowork").unwrap().url("/login"), "http://127.0.0.1:8080/hellowork/login");
    demo.set_listen("127.0.0.1:9090");
    assert_eq!(demo.portal("rokin").unwrap().url("/certificate"), "http://127.0.0.1:9090/rokin/certificate");
    let mut site = Config::parse(
        "site.toml",
        "[server]\npublic_url = \"https://madoguchi.example.jp/\"\n[[portal]]\npreset = \"shaho\"\n",
    )
    .unwrap();
    assert_eq!(site.portal("shaho").unwrap().url("/login"), "https://madoguchi.example.jp/shaho/login");
    site.set_listen("0.0.0.0:80");
    assert_eq!(site.portal("shaho").unwrap().url("/login"), "https://madoguchi.example.jp/shaho/login");
}

#[test]
fn presets_carry_the_policy_table() {
    let config = Config::demo().unwrap();
    let p = |id: &str| config.portal(id).unwrap().settings.clone();
    let (mlit, shaho, rokin, hw, jrec) = (p("mlit-fwms"), p("shaho"), p("rokin"), p("hellowork"), p("jrec-in"));
    assert_eq!((mlit.password.min, mlit.password.max, mlit.password.no_name_run, mlit.password.history), (8, 64, 3, 3));
    assert_eq!((mlit.password.max_age_days, mlit.password.expiry_warning_days), (Some(180), 7));
    assert_eq!((mlit.lockout.failures, mlit.lockout.lock_minutes), (5, 30));
    assert!(matches!(
        mlit.registration,
        Registration::ProvisionalTempPassword { temp_password_hours: 3, per_address_per_hour: 5, per_ip_per_hour: 20 }
    ));
    assert_eq!(shaho.login_id.kind, LoginIdKind::Email);
    assert_eq!((shaho.password.min, shaho.password.max, shaho.password.min_groups), (8, 128, Some(3)));
    assert_eq!((shaho.lockout.failures, shaho.lockout.lock_minutes), (10, 30));
    assert!(matches!(shaho.second_factor, SecondFactor::OptionalEmailCode { code_minutes: 30, .. }));
    assert_eq!((rokin.login_id.min, rokin.login_id.max, rokin.login_id.case_sensitive), (6, 12, true));
    assert_eq!((rokin.password.min, rokin.password.max, rokin.password.groups.len()), (8, 12, 4));
    assert_eq!((rokin.lockout.failures, rokin.lockout.lock_minutes, rokin.lockout.block_after_locks), (6, 60, Some(3)));
    assert!(rokin.lockout.notify_user);
    assert!(matches!(
        rokin.second_factor,
        SecondFactor::ClientCertificate { validity_days: 366, renew_before_days: 30, code_digits: 6, .. }
    ));
    assert!(matches!(
        rokin.registration,
        Registration::ContractMaster { contract_number_digits: 8, max_general_users: 10 }
    ));
    assert_eq!((hw.password.min, hw.password.max), (8, 32));
    assert_eq!((hw.lockout.failures, hw.lockout.lock_minutes), (5, 30));
    assert!(matches!(
        hw.second_factor,
        SecondFactor::EmailOtp { code_minutes: 30, max_attempts: 10, skip_days: 90, .. }
    ));
    assert_eq!((jrec.password.min, jrec.password.max), (8, 32));
    assert_eq!(jrec.login_id.kind, LoginIdKind::Issued);
    for s in [&mlit, &shaho, &rokin, &hw, &jrec] {
        assert_eq!(s.session.idle_minutes, 60);
    }
}

#[test]
fn overrides_change_any_value_and_keep_the_rest() {
    let text = r#"
        [[portal]]
        id = "rokin-kyushu"
        preset = "rokin"
        host = "rokin.example.jp"
        lockout = { failures = 5 }
        name = { ja = "九州ろうきん 賃金控除事務支援システム", en = "Kyushu Rokin" }
    "#;
    let config = Config::parse("x.toml", text).unwrap();
    let portal = config.portal("rokin-kyushu").unwrap();
    assert_eq!(portal.settings.lockout.failures, 5);
    assert_eq!(portal.settings.lockout.lock_minutes, 60);
    assert_eq!(portal.host.as_deref(), Some("rokin.example.jp"));
    assert!(portal.settings.name.ja.starts_with("九州"));
}

#[test]
fn changing_a_kind_replaces_the_whole_table() {
    let text = "[[portal]]\npreset = \"hellowork\"\nsecond_factor = { kind = \"none\" }\n";
    let config = Config::parse("x.toml", text).unwrap();
    assert!(matches!(config.portals[0].settings.second_factor, SecondFactor::None));
}

#[test]
fn the_demo_serves_tls_with_a_self_signed_certificate() {
    let server = Config::demo().unwrap().server;
    let tls = server.tls.expect("the demo has [server.tls]");
    assert_eq!((tls.listen.as_str(), tls.self_signed), ("127.0.0.1:8443", true));
    assert_eq!(tls.cert_path(&server.data_dir), Path::new("data/tls/server.crt"));
    assert_eq!(tls.key_path(&server.data_dir), Path::new("data/tls/server.key"));
    assert!(server.trusted_proxies.is_empty());
    assert_eq!(server.client_cert_header, "X-SSL-Client-Cert");
}

#[test]
fn tls_and_proxy_keys_are_read_and_checked() {
    let text = "[server]\ndata_dir = \"/var/lib/madoguchi\"\ntrusted_proxies = [\"127.0.0.1/32\", \"::1/128\"]\n\
                client_cert_header = \"X-Client-Cert\"\n\
                [server.tls]\nlisten = \"0.0.0.0:443\"\ncert = \"/etc/madoguchi/fullchain.pem\"\nkey = \"/etc/madoguchi/key.pem\"\n\
                [[portal]]\npreset = \"rokin\"\n";
    let server = Config::parse("x.toml", text).unwrap().server;
    let tls = server.tls.unwrap();
    assert_eq!(tls.cert_path(&server.data_dir), Path::new("/etc/madoguchi/fullchain.pem"));
    assert_eq!((tls.self_signed, tls.handshake_timeout_seconds), (false, 10));
    assert_eq!(server.trusted_proxies.len(), 2);

    let rokin = "[[portal]]\npreset = \"rokin\"\n";
    let e = refusal(&format!("[server.tls]\nlisten = \"127.0.0.1:8443\"\n{rokin}"));
    assert!(e.contains("key `server.tls`") && e.contains("self_signed"), "{e}");
    let e = refusal(&format!("[server.tls]\nlisten = \"127.0.0.1:8080\"\nself_signed = true\n{rokin}"));
    assert!(e.contains("server.tls.listen") && e.contains("differ"), "{e}");
    let e = refusal(&format!("[server.tls]\nlisten = \"here\"\nself_signed = true\n{rokin}"));
    assert!(e.contains("server.tls.listen"), "{e}");
    let e = refusal(&format!("[server.tls]\nself_signed = true\nhandshake_timeout_seconds = 0\n{rokin}"));
    assert!(e.contains("server.tls.handshake_timeout_seconds"), "{e}");
    let e = refusal(&format!("[server.tls]\nself_signed = true\nport = 1\n{rokin}"));
    assert!(e.contains("server.tls") && e.contains("unknown field `port`"), "{e}");
    let e = refusal(&format!("[server]\ntrusted_proxies = [\"127.0.0.1\"]\n{rokin}"));
    assert!(e.contains("server.trusted_proxies") && e.contains("127.0.0.1"), "{e}");
    let e = refusal(&format!("[server]\nclient_cert_header = \"X Cert\"\n{rokin}"));
    assert!(e.contains("server.client_cert_header"), "{e}");
}

#[test]
fn a_config_without_smtp_is_refused_unless_it_asks_for_the_dev_mailbox() {
    let shaho = "[[portal]]\npreset = \"shaho\"\n";
    let production = Config::parse("site.toml", shaho).unwrap();
    assert!(!production.server.dev_mailbox);
    let e = production.mail_transport(None).unwrap_err().to_string();
    assert!(e.starts_with("site.toml: key `server.smtp`: is required") && e.contains("/_dev/mail"), "{e}");
    // A URL from the command line or the environment is a transport.
    let url = "smtp://127.0.0.1:25";
    assert_eq!(production.mail_transport(Some(url)), Ok(MailTransport::Smtp(url.into())));
    // `demo = true` seeds demo data; it does not open the mailbox.
    let seeded = Config::parse("site.toml", &format!("[server]\ndemo = true\n{shaho}")).unwrap();
    assert!(seeded.mail_transport(None).is_err());

    let in_file = Config::parse("site.toml", &format!("[server]\nsmtp = \"{url}\"\n{shaho}")).unwrap();
    assert_eq!(in_file.mail_transport(None), Ok(MailTransport::Smtp(url.into())));
    assert_eq!(in_file.mail_transport(Some("smtps://relay:465")), Ok(MailTransport::Smtp("smtps://relay:465".into())));

    let dev = Config::parse("site.toml", &format!("[server]\ndev_mailbox = true\n{shaho}")).unwrap();
    assert_eq!(dev.mail_transport(None), Ok(MailTransport::DevMailbox));
    assert_eq!(dev.mail_transport(Some(url)), Ok(MailTransport::Smtp(url.into())));

    let demo = Config::demo().unwrap();
    assert_eq!((demo.file.as_str(), demo.mail_transport(None)), ("(demo)", Ok(MailTransport::DevMailbox)));
    assert_eq!(demo.mail_transport(Some(url)), Ok(MailTransport::Smtp(url.into())));
}

#[test]
fn connection_limits_and_the_metrics_list_are_read_and_checked() {
    let rokin = "[[portal]]\npreset = \"rokin\"\n";
    let server = Config::parse("x.toml", rokin).unwrap().server;
    assert_eq!(
        (server.header_read_timeout_seconds, server.idle_timeout_seconds, server.max_connections),
        (10, 30, 512)
    );
    assert_eq!(server.metrics_allow, ["127.0.0.1/32", "::1/128"]);
    let text = format!(
        "[server]\nheader_read_timeout_seconds = 2\nidle_timeout_seconds = 3\nmax_connections = 4\n\
         metrics_allow = [\"10.0.0.0/8\"]\n{rokin}"
    );
    let server = Config::parse("x.toml", &text).unwrap().server;
    assert_eq!((server.header_read_timeout_seconds, server.idle_timeout_seconds, server.max_connections), (2, 3, 4));
    assert_eq!(server.metrics_allow, ["10.0.0.0/8"]);
    for (key, value) in [
        ("header_read_timeout_seconds", "0"),
        ("header_read_timeout_seconds", "301"),
        ("idle_timeout_seconds", "0"),
        ("max_connections", "0"),
        ("metrics_allow", "[\"localhost\"]"),
    ] {
        let e = refusal(&format!("[server]\n{key} = {value}\n{rokin}"));
        assert!(e.contains(&format!("server.{key}")), "{key} = {value}: {e}");
    }
}

fn refusal(text: &str) -> String {
    Config::parse("site.toml", text).unwrap_err().to_string()
}

#[test]
fn bad_configs_name_file_key_and_rule() {
    let e = refusal("[[portal]]\npreset = \"rokin\"\nlockout = { failures = 5, colour = 1 }\n");
    assert!(e.contains("site.toml") && e.contains("portal[0].lockout") && e.contains("unknown field `colour`"), "{e}");
    let e = refusal("[[portal]]\npreset = \"rokin\"\npassword = { min = 20 }\n");
    assert!(e.contains("portal[0].password.max") && e.contains("at least password.min"), "{e}");
    let e = refusal("[[portal]]\npreset = \"rokin\"\nlockout = { failures = \"six\" }\n");
    assert!(e.contains("portal[0].lockout.failures") && e.contains("invalid type"), "{e}");
    let e = refusal("[[portal]]\npreset = \"nope\"\n");
    assert!(e.contains("portal[0].preset") && e.contains("mlit-fwms"), "{e}");
    let e = refusal("[server]\nlisten = \"everywhere\"\n[[portal]]\npreset = \"shaho\"\n");
    assert!(e.contains("server.listen"), "{e}");
    let e = refusal("[server]\nport = 80\n[[portal]]\npreset = \"shaho\"\n");
    assert!(e.contains("server") && e.contains("unknown field `port`"), "{e}");
    let e = refusal("colour = 1\n[[portal]]\npreset = \"shaho\"\n");
    assert!(e.contains("key `colour`"), "{e}");
    let e = refusal("[[portal]]\npreset = \"shaho\"\n[[portal]]\npreset = \"shaho\"\n");
    assert!(e.contains("portal[1].id") && e.contains("used by another portal"), "{e}");
    let e = refusal("[[portal]]\npreset = \"rokin\"\nservice_hours = { hours = \"8-20\" }\n");
    assert!(e.contains("portal[0].service_hours") && e.contains("HH:MM-HH:MM"), "{e}");
    let e = refusal("[[portal]]\npreset = \"rokin\"\ncalendar = { closed = [\"friday\"] }\n");
    assert!(e.contains("portal[0].calendar.closed") && e.contains("MM-DD"), "{e}");
    let e = refusal("[[portal]]\npreset = \"hellowork\"\nsecond_factor = { office_networks = [\"10.0.0.0/33\"] }\n");
    assert!(e.contains("office_networks"), "{e}");
    let e = refusal("[server]\nargon2 = { m_kib = 4, t = 0, p = 1 }\n[[portal]]\npreset = \"shaho\"\n");
    assert!(e.contains("server.argon2.m_kib") && e.contains("server.argon2.t"), "{e}");
    let e = refusal("[[portal]\n");
    assert!(e.contains("site.toml") && e.contains("not valid TOML"), "{e}");
    let e = refusal("[[portal]]\nid = \"Rokin Main\"\npreset = \"rokin\"\n");
    assert!(e.contains("portal[0].id"), "{e}");
    let e = refusal("[[portal]]\npreset = \"jrec-in\"\napplications = { retention_days = 30 }\n");
    assert!(e.contains("portal[0].applications.retention_days") && e.contains("at least 31"), "{e}");
}

#[test]
fn the_retention_of_applications_is_a_year_unless_the_operator_says_otherwise() {
    let config = Config::parse("site.toml", "[[portal]]\npreset = \"jrec-in\"\n").unwrap();
    assert_eq!(config.portals[0].settings.applications.retention_days, 365);
    let text = "[[portal]]\npreset = \"jrec-in\"\napplications = { retention_days = 400 }\n";
    let config = Config::parse("site.toml", text).unwrap();
    assert_eq!(config.portals[0].settings.applications.retention_days, 400);
}
