//! The `cesim` command: parses arguments, runs the library, prints, sets the exit code.
//!
//! Exit codes: 0 success; 2 bad input (scenario file or arguments); 1 anything else
//! (I/O, an internal balance check).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(e) => {
            // A closed pipe (`cesim … | head`) is not an error.
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                if io.kind() == std::io::ErrorKind::BrokenPipe {
                    return ExitCode::SUCCESS;
                }
            }
            let bad_input = e.downcast_ref::<cesim::scenario::ScenarioError>().is_some()
                || e.downcast_ref::<cesim::experiment::ExperimentError>().is_some_and(|x| x.is_bad_input())
                || e.chain().any(|c| matches!(c.downcast_ref::<cesim::model::ModelError>(), Some(cesim::model::ModelError::TooBig(_))));
            eprintln!("error: {e:#}");
            ExitCode::from(if bad_input { 2 } else { 1 })
        }
    }
}
