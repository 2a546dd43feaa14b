//! The journal of an optimisation's runs (`journal.csv` in its output folder), so that a
//! search killed at any moment (even `kill -9`) resumes where it stopped: every finished
//! run is appended as one line, `replication, decision values…, figures…`, each number the
//! hexadecimal bits of its `f64` (replayed exactly); a restarted search asks the journal
//! before simulating. The search is deterministic given its runs' figures, so the resumed
//! search retraces the first one's steps and ends with the same outcome. The first line
//! names the study (a fingerprint of its file and base scenario): a journal of another
//! study is refused, never mixed in. A last line cut short by the kill is ignored.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::experiment::ExperimentError;

/// A run's key: the decision's bits and the replication.
type Key = (Vec<u64>, u64);

/// An open journal.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    done: HashMap<Key, Vec<f64>>,
    file: File,
    /// Runs found in the journal when it was opened.
    pub found: usize,
}

fn hex(x: f64) -> String {
    format!("{:016x}", x.to_bits())
}

fn unhex(s: &str) -> Option<f64> {
    u64::from_str_radix(s, 16).ok().map(f64::from_bits)
}

impl Journal {
    /// Opens (or starts) the journal at `path` for the study `fingerprint`, with `dims`
    /// decision values and `figures` figures per run.
    ///
    /// # Errors
    /// A journal of another study, or one that cannot be read or written.
    pub fn open(path: &Path, fingerprint: &str, dims: usize, figures: usize) -> Result<Journal, ExperimentError> {
        let io = |e: std::io::Error| ExperimentError::Io(format!("{}: {e}", path.display()));
        let head = format!("study {fingerprint}");
        let mut done = HashMap::new();
        let fresh = match std::fs::read_to_string(path) {
            Ok(text) => {
                let mut lines = text.split_inclusive('\n');
                if lines.next().map(str::trim_end) != Some(head.as_str()) {
                    return Err(ExperimentError::Refused(format!(
                        "{} is the journal of another optimisation (or of this file before it changed): use another --out folder, or delete it to start over",
                        path.display()
                    )));
                }
                for line in lines.filter(|l| l.ends_with('\n')) {
                    let cells: Vec<&str> = line.trim_end().split(',').collect();
                    if cells.len() != 1 + dims + figures {
                        continue;
                    }
                    let rep = u64::from_str_radix(cells[0], 16).ok();
                    let nums: Option<Vec<f64>> = cells[1..].iter().map(|c| unhex(c)).collect();
                    if let (Some(rep), Some(nums)) = (rep, nums) {
                        let x = nums[..dims].iter().map(|v| v.to_bits()).collect();
                        done.insert((x, rep), nums[dims..].to_vec());
                    }
                }
                false
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
            Err(e) => return Err(io(e)),
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut file = OpenOptions::new().create(true).append(true).open(path).map_err(io)?;
        if fresh {
            writeln!(file, "{head}").map_err(io)?;
        } else if std::fs::read(path).map_err(io)?.last() != Some(&b'\n') {
            // A line cut short by a kill: end it, so the next run starts a line of its own.
            writeln!(file).map_err(io)?;
        }
        Ok(Journal { path: path.to_path_buf(), found: done.len(), done, file })
    }

    /// The figures of replication `rep` of decision `x`, if journalled.
    pub fn get(&self, x: &[f64], rep: u64) -> Option<&Vec<f64>> {
        self.done.get(&(x.iter().map(|v| v.to_bits()).collect(), rep))
    }

    /// Appends a finished run.
    ///
    /// # Errors
    /// The journal cannot be written.
    pub fn record(&mut self, x: &[f64], rep: u64, y: &[f64]) -> Result<(), ExperimentError> {
        let mut line = format!("{rep:x}");
        for v in x.iter().chain(y) {
            line.push(',');
            line.push_str(&hex(*v));
        }
        line.push('\n');
        self.file.write_all(line.as_bytes()).map_err(|e| ExperimentError::Io(format!("{}: {e}", self.path.display())))?;
        self.done.insert((x.iter().map(|v| v.to_bits()).collect(), rep), y.to_vec());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_come_back_exactly_and_a_cut_line_is_dropped() {
        let dir = std::env::temp_dir().join(format!("cesim-journal-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("journal.csv");
        let mut j = Journal::open(&path, "abc", 2, 3).unwrap();
        let x = [0.1, 1.0 / 3.0];
        j.record(&x, 7, &[1.5, -2.25, f64::MIN_POSITIVE]).unwrap();
        j.record(&[0.2, 0.3], 8, &[1.0, 2.0, 3.0]).unwrap();
        drop(j);
        // A kill in the middle of a line.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        write!(f, "9,3fb999").unwrap();
        drop(f);
        let mut j = Journal::open(&path, "abc", 2, 3).unwrap();
        assert_eq!(j.found, 2);
        assert_eq!(j.get(&x, 7), Some(&vec![1.5, -2.25, f64::MIN_POSITIVE]));
        assert_eq!(j.get(&x, 8), None);
        j.record(&[0.5, 0.5], 9, &[4.0, 5.0, 6.0]).unwrap();
        drop(j);
        let j = Journal::open(&path, "abc", 2, 3).unwrap();
        assert_eq!((j.found, j.get(&[0.5, 0.5], 9)), (3, Some(&vec![4.0, 5.0, 6.0])));
        // Another study's journal is refused.
        assert!(matches!(Journal::open(&path, "other", 2, 3), Err(ExperimentError::Refused(_))));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
