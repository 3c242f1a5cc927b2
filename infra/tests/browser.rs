//! The browser tier: the staff page in headless Chromium, driven through chromedriver
//! (WebDriver), against the local server on a fresh data folder whose messages go to a fake
//! StarSender. Each journey asserts what a person sees on the page, in the order of a day's
//! work. A failing journey saves a screenshot of the page into `target/tmp/browser/`; with
//! `SCREENSHOTS=<folder>` each section's screenshot is saved there (the README's, in `docs/`).
//!
//! `infra/test.sh` installs Debian's `chromium` and `chromium-driver` and runs it; by hand:
//! `cargo test --workspace --test browser -- --ignored`. Without chromedriver it fails, it never
//! passes by skipping.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bengkel::fakes::starsender::{Behaviour, FakeStarSender};
use bengkel::reminder::template::indonesian_date;
use chrono::{Days, FixedOffset, Months, NaiveDate, Utc};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

type Error = Box<dyn std::error::Error + Send + Sync>;
type Outcome = Result<(), Error>;

const SECRET: &str = "browser-tier-secret-0123456789abcdef";
/// The path secret of the reply webhook.
const WEBHOOK_SECRET: &str = "browser-tier-webhook-secret-0123456789";
/// How long the page may take to show what a journey waits for.
const PATIENCE: Duration = Duration::from_secs(20);
/// A phone held upright (a common Android size), tall enough for a section's screenshot.
const WINDOW: (u32, u32) = (412, 1400);

/// A child process stopped when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

/// chromedriver on a free port, once it accepts connections.
fn chromedriver() -> (Process, String) {
    let binary = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let port = free_port();
    let child = Command::new(&binary)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start {binary} ({e}): install chromium and chromium-driver (infra/test.sh does)")
        });
    let process = Process(child);
    wait_for_port(port, "chromedriver");
    (process, format!("http://127.0.0.1:{port}"))
}

fn wait_for_port(port: u16, what: &str) {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < PATIENCE,
            "{what} did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The local server (`cargo run`'s binary) on a fresh data folder, sending to `gateway`;
/// answers the signed-in link its start-up log prints.
fn local_server(data: &Path, gateway: &FakeStarSender) -> (Process, String) {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_local"))
        .env("PORT", port.to_string())
        .env("DATA_DIR", data)
        .env("JWT_SECRET", SECRET)
        .env("STARSENDER_URL", &gateway.url)
        .env("WHATSAPP_PROVIDER", "starsender")
        .env("STARSENDER_API_KEY", "browser-tier-device")
        // Statuses are polled every second here, every 15 minutes when deployed.
        .env("STARSENDER_ACCOUNT_KEY", "browser-tier-account")
        .env("DELIVERY_POLL_SECS", "1")
        .env("STARSENDER_WEBHOOK_SECRET", WEBHOOK_SECRET)
        // A hung send gives up soon: the "Perlu dicek" journey waits for it.
        .env("GATEWAY_TIMEOUT_MS", "1500")
        .env("WORKSHOP_NAME", "Bengkel Maju")
        // Messages leave at once, at any hour: the journeys check the page, not pacing.
        .env("SEND_GAP_SECONDS", "0-0")
        .env("QUIET_HOURS", "")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .env_remove("CORS_ALLOW_ORIGINS")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the local server");
    let mut process = Process(child);
    let stdout = process.0.stdout.take().expect("piped stdout");
    let (link_tx, link_rx) = mpsc::channel();
    // Reads the log to its end, so the server never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(at) = line.find("http://")
                && line.contains("#token=")
            {
                let link = line[at..].split_whitespace().next().unwrap_or("");
                let _ = link_tx.send(link.to_string());
            }
        }
    });
    let link = link_rx
        .recv_timeout(PATIENCE)
        .expect("the start-up log prints the staff page's link with #token=");
    assert!(
        link.starts_with(&format!("http://127.0.0.1:{port}/#token=")),
        "{link}"
    );
    wait_for_port(port, "the local server");
    (process, link)
}

/// A token signed with the server's secret that expired an hour ago.
fn expired_token() -> String {
    let exp = Utc::now().timestamp() - 3600;
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"sub": "kasir", "exp": exp}),
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("sign")
}

/// Today in Jakarta, where the server's "today" is.
fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&FixedOffset::east_opt(7 * 3600).unwrap())
        .date_naive()
}

/// The browser, and what the journeys share.
struct Page {
    client: Client,
    base: String,
    gateway: FakeStarSender,
    screenshots: Option<PathBuf>,
}

impl Page {
    async fn find(&self, css: &str) -> Result<Element, Error> {
        Ok(self
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
            .map_err(|e| format!("{css}: {e}"))?)
    }

    /// Waits until the text of `css` contains every one of `wanted`; answers that text.
    async fn sees(&self, css: &str, wanted: &[&str]) -> Result<String, Error> {
        let started = Instant::now();
        loop {
            let text = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if wanted.iter().all(|w| text.contains(w)) {
                return Ok(text);
            }
            if started.elapsed() > PATIENCE {
                return Err(format!("{css} shows {text:?}, not all of {wanted:?}").into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The texts of every element `css` finds, in page order.
    async fn texts(&self, css: &str) -> Result<Vec<String>, Error> {
        let mut texts = Vec::new();
        for element in self.client.find_all(Locator::Css(css)).await? {
            texts.push(element.text().await?);
        }
        Ok(texts)
    }

    async fn click(&self, css: &str) -> Outcome {
        self.find(css).await?.click().await?;
        Ok(())
    }

    async fn type_into(&self, css: &str, text: &str) -> Outcome {
        let field = self.find(css).await?;
        field.clear().await?;
        if !text.is_empty() {
            field.send_keys(text).await?;
        }
        Ok(())
    }

    /// Sets a date field. The date picker is the browser's own widget, typed into in the
    /// locale's order, so the test sets the value as the picker would and fires its events.
    async fn set_date(&self, css: &str, date: NaiveDate) -> Outcome {
        let field = self.find(css).await?;
        self.client
            .execute(
                "arguments[0].value = arguments[1];
                 arguments[0].dispatchEvent(new Event('input', {bubbles: true}));
                 arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
                vec![serde_json::to_value(&field)?, json!(date.to_string())],
            )
            .await?;
        Ok(())
    }

    /// Opens a section from the navigation and waits for its heading.
    async fn open(&self, section: &str, heading: &str) -> Outcome {
        self.click(&format!("nav button[data-section='{section}']"))
            .await?;
        self.sees(&format!("#{section} h2"), &[heading]).await?;
        let current = self
            .find(&format!("nav button[data-section='{section}']"))
            .await?
            .attr("aria-current")
            .await?;
        assert_eq!(
            current.as_deref(),
            Some("page"),
            "{section} is marked current"
        );
        Ok(())
    }

    /// Answers the confirmation dialog with its "yes" button.
    async fn confirm(&self, question: &[&str]) -> Outcome {
        self.sees("#confirm-text", question).await?;
        self.click("#confirm-ok").await
    }

    async fn screenshot(&self, folder: &Path, name: &str) -> Outcome {
        std::fs::create_dir_all(folder)?;
        let png = self.client.screenshot().await?;
        std::fs::write(folder.join(format!("{name}.png")), png)?;
        Ok(())
    }

    /// The README's screenshot of a section, when asked for.
    async fn document(&self, section: &str) -> Outcome {
        match &self.screenshots {
            Some(folder) => {
                self.client.execute("window.scrollTo(0, 0)", vec![]).await?;
                self.screenshot(folder, &format!("page-{section}")).await
            }
            None => Ok(()),
        }
    }

    fn messages_sent(&self) -> Vec<serde_json::Value> {
        self.gateway
            .received()
            .into_iter()
            .map(|request| request.body)
            .collect()
    }
}

async fn sign_in_through_the_link(page: &Page, link: &str) -> Outcome {
    page.client.goto(link).await?;
    page.sees("#dasbor h2", &["Dasbor"]).await?;
    page.sees("#session-text", &["Masuk", "berlaku sampai"])
        .await?;
    page.sees("#dasbor-cards", &["Pelanggan manual", "0"])
        .await?;
    // The token left the address bar (and the history) once read.
    let url = page.client.current_url().await?;
    assert_eq!(url.fragment(), None, "{url}");
    assert!(page.find("#nav").await?.is_displayed().await?);
    // From here on the page stays loaded: count what its Content-Security-Policy refuses.
    page.client
        .execute(
            "window.refused = [];
             document.addEventListener('securitypolicyviolation',
               (e) => window.refused.push(e.violatedDirective + ' ' + e.blockedURI));",
            vec![],
        )
        .await?;
    Ok(())
}

/// Nothing the page did was refused by its own Content-Security-Policy.
async fn the_policy_refused_nothing(page: &Page) -> Outcome {
    let refused = page.client.execute("return window.refused", vec![]).await?;
    assert_eq!(refused, json!([]), "refused by the page's CSP");
    Ok(())
}

async fn add_a_customer_and_find_them_by_nopol(page: &Page) -> Outcome {
    page.open("pelanggan", "Pelanggan manual").await?;
    page.type_into("#pf-name", "Ani Wijaya").await?;
    page.type_into("#pf-nopol", "B 4321 KLM").await?;
    // A landline first: the API's refusal shows next to the field, and nothing is added.
    page.type_into("#pf-hp", "021-2345678").await?;
    page.sees("#pf-hp-preview", &["Belum nomor HP Indonesia yang valid"])
        .await?;
    page.click("#pelanggan-form button[type=submit]").await?;
    page.sees(
        "#pelanggan-form [data-error-for='no_hp']",
        &["Nomor HP tidak valid"],
    )
    .await?;
    page.type_into("#pf-hp", "0812-7777-0001").await?;
    page.sees("#pf-hp-preview", &["Dikirim ke: 6281277770001"])
        .await?;
    page.set_date("#pf-next", today() + Days::new(1)).await?;
    page.click("#pelanggan-form button[type=submit]").await?;
    page.sees(
        "#notice",
        &["Pelanggan Ani Wijaya (B 4321 KLM) ditambahkan."],
    )
    .await?;

    // From the keyboard: Enter in the search field searches.
    page.type_into("#pelanggan-q", &format!("b4321klm{}", Key::Enter))
        .await?;
    let list = page
        .sees(
            "#pelanggan-list",
            &["Ani Wijaya", "B 4321 KLM", "6281277770001", "Aktif"],
        )
        .await?;
    let rows = page
        .client
        .find_all(Locator::Css("#pelanggan-list tbody tr"))
        .await?;
    assert_eq!(rows.len(), 1, "{list}");
    // A plate nobody has: said so, not an error.
    page.type_into("#pelanggan-q", "Z 9 Q").await?;
    page.click("#pelanggan-cari button[type=submit]").await?;
    page.sees("#pelanggan-list", &["Tidak ada pelanggan yang cocok."])
        .await?;
    Ok(())
}

async fn send_the_due_reminders(page: &Page) -> Outcome {
    page.open("pengingat", "Pengingat service").await?;
    page.sees(
        "#pengingat-jadwal",
        &["Pengingat harian", "Berhenti", "Mulai"],
    )
    .await?;
    // A confirmation starts on "Batal", and Escape closes it: nothing is sent.
    page.sees("#pengingat-jadwal", &["Setiap hari pukul 09.00 WIB"])
        .await?;
    // The preview first: who, the text, who is skipped.
    page.click("#pengingat-pratinjau").await?;
    page.sees(
        "#pengingat-pratinjau-hasil",
        &[
            "1 akan dikirim",
            "Ani Wijaya",
            "6281277770001",
            "Akan dikirim",
            "B 4321 KLM",
        ],
    )
    .await?;
    assert!(page.messages_sent().is_empty(), "a preview sends nothing");
    page.click("#pengingat-form button[type=submit]").await?;
    page.sees("#confirm-text", &["Kirim 1 pengingat", "pratinjau"])
        .await?;
    let focused = page.client.active_element().await?;
    assert_eq!(focused.text().await?, "Batal");
    focused.send_keys(&Key::Escape).await?;
    page.client
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css("#confirm:not([open])"))
        .await?;
    assert!(
        page.messages_sent().is_empty(),
        "nothing sent without a yes"
    );
    page.click("#pengingat-form button[type=submit]").await?;
    page.confirm(&["Kirim 1 pengingat"]).await?;
    page.sees(
        "#pengingat-hasil",
        &["1 terkirim, 0 gagal", "Ani Wijaya", "Terkirim"],
    )
    .await?;
    let sent = page.messages_sent();
    assert_eq!(
        sent.len(),
        1,
        "the gateway received exactly one message: {sent:?}"
    );
    assert_eq!(sent[0]["to"], "6281277770001");
    assert!(
        sent[0]["body"]
            .as_str()
            .unwrap_or("")
            .contains("B 4321 KLM"),
        "{sent:?}"
    );
    page.document("pengingat").await
}

/// A custom message whose answer never comes is "Belum pasti"; the reminders section lists it
/// under "Perlu dicek" until staff say it arrived.
async fn resolve_a_send_of_unknown_outcome(page: &Page) -> Outcome {
    let before = page.messages_sent().len();
    page.gateway.behave(Behaviour::Hang);
    page.open("pesan", "Kirim pesan").await?;
    page.type_into("#pesan-hp", "0812 7777 0002").await?;
    page.type_into("#pesan-isi", "Motor sudah siap diambil.")
        .await?;
    page.click("#pesan-form button[type=submit]").await?;
    page.sees("#pesan-form [data-error-for='_form']", &["belum pasti"])
        .await?;
    page.gateway.behave(Behaviour::Accept);
    page.open("pengingat", "Pengingat service").await?;
    page.sees(
        "#pengingat-cek",
        &[
            "6281277770002",
            "Motor sudah siap diambil.",
            "Sudah terkirim",
            "Belum terkirim",
        ],
    )
    .await?;
    page.click("#pengingat-cek button[aria-label='Sudah terkirim ke 6281277770002']")
        .await?;
    page.sees("#pengingat-cek", &["Tidak ada pesan yang perlu dicek."])
        .await?;
    assert_eq!(
        page.messages_sent().len(),
        before + 1,
        "the hung one only: resolving sends nothing"
    );
    Ok(())
}

/// Staff stop a number and send to it again; a customer's reply is read in the inbox, and
/// another's STOP shows among the opt-outs.
async fn stop_a_number_then_read_the_replies(page: &Page) -> Outcome {
    page.open("balasan", "Berhenti & balasan").await?;
    page.sees("#balasan-list", &["Belum ada balasan."]).await?;
    page.type_into("#berhenti-hp", "0812 7777 0003").await?;
    page.type_into("#berhenti-alasan", "Minta lewat telepon")
        .await?;
    page.click("#berhenti-form button[type=submit]").await?;
    page.sees(
        "#berhenti-list",
        &["6281277770003", "Semua", "Staf", "Minta lewat telepon"],
    )
    .await?;
    page.click("#berhenti-list button[aria-label='Kirim lagi ke 6281277770003']")
        .await?;
    page.sees("#berhenti-list", &["Belum ada nomor yang berhenti."])
        .await?;

    // StarSender delivers two replies to the webhook (no token: its path holds the secret).
    for (from, message) in [
        ("6281277770004", "Rem depan motor saya bunyi"),
        ("6281277770005", "STOP"),
    ] {
        let status = page
            .client
            .execute_async(
                "const [path, body, done] = arguments;
                 fetch(path, {method: 'POST', headers: {'Content-Type': 'application/json'},
                   body: JSON.stringify(body)}).then((r) => done(r.status));",
                vec![
                    json!(format!("/webhooks/starsender/{WEBHOOK_SECRET}")),
                    json!({"device": "628551000727", "message": message, "from": from,
                           "timestamp": "1767000000"}),
                ],
            )
            .await?;
        assert_eq!(status, json!(200), "{message}");
    }
    page.open("pesan", "Kirim pesan").await?;
    page.open("balasan", "Berhenti & balasan").await?;
    page.sees(
        "#balasan-list",
        &["6281277770004", "Rem depan motor saya bunyi"],
    )
    .await?;
    page.sees("#berhenti-list", &["6281277770005", "Balasan pelanggan"])
        .await?;
    let confirmation = page.messages_sent().pop().unwrap_or_default();
    assert_eq!(confirmation["to"], "6281277770005");
    page.document("balasan").await
}

async fn import_a_sheet_after_its_dry_run(page: &Page) -> Outcome {
    page.open("impor", "Impor").await?;
    let sheet = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/pelanggan.xlsx");
    let sheet = sheet.canonicalize()?;
    page.find("#impor-file")
        .await?
        .send_keys(&sheet.to_string_lossy())
        .await?;
    page.click("#impor-form button[type=submit]").await?;
    let report = page
        .sees(
            "#impor-hasil",
            &[
                "belum ada yang disimpan",
                "6 baris, 3 dapat diimpor, 3 perlu diperbaiki",
                "Baris yang perlu diperbaiki",
            ],
        )
        .await?;
    // The rows to fix, by their sheet row, with the cell at fault.
    assert_eq!(
        page.texts("#impor-hasil td[data-label='Baris']").await?,
        ["6", "7", "8"]
    );
    for expected in [
        "Dewi",
        "muncul lebih dari sekali",
        "Rudi",
        "Kolom No HP (“0212345678”)",
        "Tanggal tidak valid",
    ] {
        assert!(report.contains(expected), "{expected:?} in {report}");
    }
    page.document("impor").await?;
    // Nothing was written by the check.
    assert!(
        page.find("#impor-jalankan").await?.is_enabled().await?,
        "import offered after the check"
    );
    page.click("#impor-jalankan").await?;
    page.sees(
        "#impor-hasil",
        &["Impor selesai: 3 baris diimpor, 3 gagal dari 6"],
    )
    .await?;

    page.open("pelanggan", "Pelanggan manual").await?;
    page.type_into("#pelanggan-q", "").await?;
    page.click("#pelanggan-cari button[type=submit]").await?;
    page.sees(
        "#pelanggan-list",
        &[
            "Bapak Joko",
            "B 1234 XYZ",
            "Ibu Siti",
            "B 5678 ABC",
            "Pak Budi",
            "Ani Wijaya",
        ],
    )
    .await?;
    page.sees("#pelanggan-counts", &["Total 4"]).await?;
    page.document("pelanggan").await
}

async fn refuse_a_message_over_the_limit_then_send_a_promotion(page: &Page) -> Outcome {
    page.open("pesan", "Kirim pesan").await?;
    page.type_into("#pesan-hp", "0812 7777 0001").await?;
    page.sees("#pesan-hp-preview", &["Dikirim ke: 6281277770001"])
        .await?;
    page.type_into("#pesan-isi", &"a".repeat(2001)).await?;
    page.sees(
        "#pesan-hitung",
        &["2001 / 2000 karakter: 1 karakter terlalu panjang"],
    )
    .await?;
    let counter = page.find("#pesan-hitung").await?;
    assert_eq!(
        counter.attr("class").await?.as_deref(),
        Some("counter over")
    );
    page.click("#pesan-form button[type=submit]").await?;
    page.sees(
        "#pesan-form [data-error-for='message']",
        &["Terlalu panjang: paling banyak 2000 karakter."],
    )
    .await?;
    assert_eq!(page.messages_sent().len(), 1, "nothing sent past the limit");
    page.document("pesan").await?;

    page.type_into("#pesan-isi", "Promo servis gratis cek rem minggu ini!")
        .await?;
    page.sees("#pesan-hitung", &["39 / 2000 karakter"]).await?;
    page.click("#pesan-form button[type=submit]").await?;
    page.sees("#pesan-hasil", &["Pesan terkirim ke 6281277770001."])
        .await?;
    let sent = page.messages_sent();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[1]["body"], "Promo servis gratis cek rem minggu ini!");
    page.sees("#pesan-log", &["Promo servis gratis", "Terkirim", "Pesan"])
        .await?;
    Ok(())
}

/// The promotion reaches the phone, then is read: the log shows two ticks, then read.
async fn see_a_message_delivered_then_read(page: &Page) -> Outcome {
    // The fake numbers its messages in order: the promotion is the last one received.
    let id = page.messages_sent().len().to_string();
    for (status, words) in [
        ("delivered", "✓✓ Sampai di HP pelanggan"),
        ("read", "✓✓ Dibaca"),
    ] {
        page.gateway.set_status(&id, status);
        let started = Instant::now();
        loop {
            page.open("pesan", "Kirim pesan").await?;
            let row = page.texts("#pesan-log tbody tr").await?;
            if row.first().is_some_and(|r| r.contains(words)) {
                break;
            }
            if started.elapsed() > PATIENCE {
                return Err(format!("the log shows {row:?}, not {words:?}").into());
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    let tick = page.find("#pesan-log tbody tr .ticks").await?;
    assert_eq!(tick.attr("class").await?.as_deref(), Some("ticks read"));
    page.document("pesan-dibaca").await
}

async fn reset_a_customers_report_and_restore_it(page: &Page) -> Outcome {
    // A register customer whose vehicle is due: its reminder is what the report counts.
    page.open("register", "Register pelanggan").await?;
    page.type_into("#rf-name", "Budi Santoso").await?;
    page.type_into("#rf-hp", "081234567890").await?;
    page.type_into("#rf-nopol", "B 1234 CD").await?;
    page.type_into("#rf-model", "Avanza").await?;
    let next_service = today() + Days::new(2);
    let last_visit = next_service - Months::new(4);
    page.set_date("#rf-visit", last_visit).await?;
    page.click("#register-form button[type=submit]").await?;
    page.sees(
        "#notice",
        &["Pelanggan Budi Santoso ditambahkan dengan B 1234 CD."],
    )
    .await?;
    page.sees("#register-vehicles", &["B 1234 CD", "Avanza"])
        .await?;
    page.sees("#register-list", &["Budi Santoso", "6281234567890"])
        .await?;
    page.document("register").await?;

    page.open("pengingat", "Pengingat service").await?;
    page.click("#pengingat-form button[type=submit]").await?;
    page.confirm(&["Kirim 1 pengingat"]).await?;
    page.sees(
        "#pengingat-hasil",
        &[
            "1 terkirim",
            "Register",
            "Budi Santoso",
            "B 1234 CD (Avanza)",
            "Terkirim",
            "sudah dikirim",
        ],
    )
    .await?;
    assert_eq!(page.messages_sent().len(), 3);

    page.open("laporan", "Laporan WhatsApp").await?;
    page.sees("#laporan-cards", &["Pesan terkirim\n1"]).await?;
    page.sees("#laporan-rincian", &["Budi Santoso", "B 1234 CD (Avanza)"])
        .await?;
    assert_eq!(frequency_of(page, "Budi Santoso").await?, "1");
    page.click("button[aria-label='Reset pelanggan Budi Santoso']")
        .await?;
    page.confirm(&["semua kendaraan Budi Santoso"]).await?;
    page.sees("#notice", &["(1 baris)"]).await?;
    page.sees("#laporan-cards", &["Pesan terkirim\n0"]).await?;
    assert_eq!(frequency_of(page, "Budi Santoso").await?, "0");
    page.sees(
        "#laporan-snapshot",
        &["Budi Santoso", "Manual", "Direset", "Pulihkan"],
    )
    .await?;

    page.click("#laporan-snapshot button").await?;
    page.confirm(&["Pulihkan hitungan"]).await?;
    page.sees("#laporan-snapshot", &["Dipulihkan"]).await?;
    page.sees("#laporan-cards", &["Pesan terkirim\n1"]).await?;
    assert_eq!(frequency_of(page, "Budi Santoso").await?, "1");
    page.document("laporan").await?;

    page.open("dasbor", "Dasbor").await?;
    page.sees("#dasbor-chart", &["pesan terkirim dalam 30 hari terakhir"])
        .await?;
    page.document("dasbor").await
}

/// The "Jumlah pesan" cell of the report row of `name`.
/// A car's visits: two readings a month apart give its pace, the next service falls by
/// kilometres before the date rule, and a reading that goes back is refused at its field.
async fn record_visits_and_see_the_estimate(page: &Page) -> Outcome {
    page.open("register", "Register pelanggan").await?;
    page.type_into("#rf-name", "Dedi Kurniawan").await?;
    page.type_into("#rf-hp", "081298765432").await?;
    page.type_into("#rf-nopol", "B 3456 KLM").await?;
    page.type_into("#rf-model", "Vario 125").await?;
    page.click("#register-form button[type=submit]").await?;
    page.sees("#register-vehicles", &["B 3456 KLM", "Vario 125"])
        .await?;
    page.click("button[aria-label='Kunjungan B 3456 KLM']")
        .await?;
    page.sees(
        "#kunjungan",
        &["Kunjungan B 3456 KLM", "Belum ada kunjungan."],
    )
    .await?;

    let first = today() - Days::new(40);
    let second = today() - Days::new(10);
    page.set_date("#vf-date", first).await?;
    page.type_into("#vf-km", "10.000").await?;
    page.type_into("#vf-work", "Ganti oli").await?;
    page.click("#kunjungan-form button[type=submit]").await?;
    page.sees("#notice", &["Kunjungan B 3456 KLM", "dicatat."])
        .await?;
    page.set_date("#vf-date", second).await?;
    page.type_into("#vf-km", "13000").await?;
    page.type_into("#vf-work", "Servis CVT").await?;
    page.click("#kunjungan-form button[type=submit]").await?;
    // 3,000 km in 30 days: 100 a day; 5,000 km past 13,000 fifty days after the last visit.
    let by_km = indonesian_date(second + Days::new(50));
    page.sees(
        "#kunjungan-estimasi",
        &[
            "Odometer terakhir 13.000 km",
            "100 km/hari",
            &format!("Service berikutnya {by_km}: diperkirakan sudah menempuh 18.000 km."),
        ],
    )
    .await?;
    page.sees(
        "#kunjungan-list",
        &["13.000 km", "Servis CVT", "10.000 km", "Bengkel"],
    )
    .await?;
    page.sees(
        "#register-vehicles",
        &["13.000 km", &format!("{by_km} (kilometer)")],
    )
    .await?;

    page.set_date("#vf-date", today()).await?;
    page.type_into("#vf-km", "12000").await?;
    page.click("#kunjungan-form button[type=submit]").await?;
    page.sees(
        "#kunjungan-form [data-error-for='odometer_km']",
        &[
            "Odometer 12.000 km",
            "lebih rendah dari 13.000 km pada kunjungan",
        ],
    )
    .await?;
    Ok(())
}

async fn frequency_of(page: &Page, name: &str) -> Result<String, Error> {
    for row in page
        .client
        .find_all(Locator::Css("#laporan-rincian tbody tr"))
        .await?
    {
        if row.text().await?.contains(name) {
            let cell = row
                .find(Locator::Css("td[data-label='Jumlah pesan']"))
                .await?;
            return Ok(cell.text().await?);
        }
    }
    Err(format!("no report row of {name}").into())
}

/// A token signed with the server's secret, for `sub`, whose `role` is `role` (the local
/// server's role claim).
fn token_of(sub: &str, role: &str) -> String {
    let exp = Utc::now().timestamp() + 3600;
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"sub": sub, "role": role, "exp": exp}),
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("sign")
}

/// The front desk's read-only token: the records are there, the controls it may not use are
/// not, and a change it asks for anyway is refused with a sentence that says what to do.
async fn a_read_token_sees_only_what_it_may_do(page: &Page) -> Outcome {
    page.client
        .goto(&format!(
            "{}/#token={}",
            page.base,
            token_of("meja-depan", "read")
        ))
        .await?;
    page.sees("#session-text", &["meja-depan", "akses baca"])
        .await?;
    page.open("pelanggan", "Pelanggan manual").await?;
    page.sees("#pelanggan-list", &["Ani Wijaya"]).await?;
    for hidden in ["#pelanggan-form", "#pelanggan-form-title"] {
        assert!(
            !page.find(hidden).await?.is_displayed().await?,
            "{hidden} is hidden from a read token"
        );
    }
    for control in page
        .client
        .find_all(Locator::Css("#pelanggan-list button[data-needs]"))
        .await?
    {
        assert!(!control.is_displayed().await?, "a row's change is hidden");
    }
    let refused = page
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             import('/assets/http.js')
               .then((http) => http.post('manual-whatsapp/send-reminders', {}))
               .then(() => done('sent'), (error) => done(error.message));",
            vec![],
        )
        .await?;
    let refused = refused.as_str().unwrap_or_default();
    assert!(
        refused.starts_with("Akses ditolak") && refused.contains("Minta pemilik bengkel"),
        "{refused}"
    );
    Ok(())
}

async fn an_expired_token_returns_to_sign_in(page: &Page) -> Outcome {
    page.client
        .goto(&format!("{}/#token={}", page.base, expired_token()))
        .await?;
    page.sees("#masuk h2", &["Masuk"]).await?;
    page.sees("#masuk-reason", &["Sesi berakhir", "kedaluwarsa"])
        .await?;
    assert!(
        !page.find("#nav").await?.is_displayed().await?,
        "no sections without a token"
    );
    page.document("masuk").await
}

/// Runs one journey; on failure saves what the page showed and says where.
async fn journey(page: &Page, name: &str, outcome: Outcome) {
    match outcome {
        Ok(()) => println!("journey passed: {name}"),
        Err(error) => {
            let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
            let saved = page.screenshot(&folder, name).await;
            let shot = folder.join(format!("{name}.png"));
            panic!(
                "journey {name:?} failed: {error}\n(screenshot: {}{})",
                shot.display(),
                saved
                    .err()
                    .map(|e| format!(", not saved: {e}"))
                    .unwrap_or_default()
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromedriver: infra/test.sh installs them and runs it"]
async fn workshop_staff_do_a_days_work_in_the_browser() {
    let data = tempfile::tempdir().expect("a fresh data folder");
    let gateway = FakeStarSender::start().await.expect("fake StarSender");
    let (_server, link) = local_server(data.path(), &gateway);
    let (_driver, webdriver) = chromedriver();

    let mut options = json!({"args": [
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--lang=id-ID", format!("--window-size={},{}", WINDOW.0, WINDOW.1),
    ]});
    if let Ok(binary) = std::env::var("CHROME_BIN") {
        options["binary"] = json!(binary);
    }
    let mut capabilities = Capabilities::new();
    capabilities.insert("goog:chromeOptions".into(), options);
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&webdriver)
        .await
        .expect("a Chromium session through chromedriver");
    let base = link.split("/#").next().unwrap_or_default().to_string();
    let page = Page {
        client,
        base,
        gateway,
        // Relative to the workspace (`SCREENSHOTS=docs`), not to this package.
        screenshots: std::env::var_os("SCREENSHOTS").map(|folder| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join(folder)
        }),
    };

    journey(
        &page,
        "sign-in",
        sign_in_through_the_link(&page, &link).await,
    )
    .await;
    journey(
        &page,
        "add-and-find",
        add_a_customer_and_find_them_by_nopol(&page).await,
    )
    .await;
    journey(&page, "due-reminders", send_the_due_reminders(&page).await).await;
    journey(
        &page,
        "import",
        import_a_sheet_after_its_dry_run(&page).await,
    )
    .await;
    journey(
        &page,
        "custom-message",
        refuse_a_message_over_the_limit_then_send_a_promotion(&page).await,
    )
    .await;
    journey(
        &page,
        "delivery-ticks",
        see_a_message_delivered_then_read(&page).await,
    )
    .await;
    journey(
        &page,
        "report-reset",
        reset_a_customers_report_and_restore_it(&page).await,
    )
    .await;
    journey(
        &page,
        "unknown-outcome",
        resolve_a_send_of_unknown_outcome(&page).await,
    )
    .await;
    journey(
        &page,
        "opt-outs-and-replies",
        stop_a_number_then_read_the_replies(&page).await,
    )
    .await;
    journey(
        &page,
        "visits",
        record_visits_and_see_the_estimate(&page).await,
    )
    .await;
    journey(&page, "policy", the_policy_refused_nothing(&page).await).await;
    journey(
        &page,
        "read-token",
        a_read_token_sees_only_what_it_may_do(&page).await,
    )
    .await;
    journey(
        &page,
        "expired-token",
        an_expired_token_returns_to_sign_in(&page).await,
    )
    .await;

    page.client.close().await.expect("close the browser");
}
