//! The command line of the table tools (`create-tables`, `repair-report-stats`).

use std::process::ExitCode;

/// The table of the stack when nothing else names one.
pub const DEFAULT_TABLE: &str = "bengkel-manual-whatsapp";

/// The table to work on: `--table NAME` or `--table=NAME`, else `$TABLE_NAME`, else the
/// default; `None` when help was asked for.
pub fn table_name(mut args: impl Iterator<Item = String>) -> Result<Option<String>, String> {
    let mut table = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--table" => table = Some(args.next().ok_or("--table needs a name")?),
            _ => match arg.strip_prefix("--table=") {
                Some(name) => table = Some(name.to_string()),
                None => return Err(format!("unexpected argument {arg:?}")),
            },
        }
    }
    let table = table
        .or_else(|| std::env::var("TABLE_NAME").ok())
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_TABLE.to_string());
    Ok(Some(table))
}

/// The table `tool` is to work on, from its command line; else how it ends: the usage when help
/// was asked for (success), the problem and the usage on a wrong command line (2).
pub fn table_or_exit(tool: &str) -> Result<String, ExitCode> {
    let usage =
        format!("usage: {tool} [--table NAME]   (default: $TABLE_NAME, else {DEFAULT_TABLE})");
    match table_name(std::env::args().skip(1)) {
        Ok(Some(table)) => Ok(table),
        Ok(None) => {
            println!("{usage}");
            Err(ExitCode::SUCCESS)
        }
        Err(problem) => {
            eprintln!("{tool}: {problem}\n{usage}");
            Err(ExitCode::from(2))
        }
    }
}
