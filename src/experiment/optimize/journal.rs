//! The journal of an optimisation's runs (`journal.csv` in its output folder), so that a
//! search killed at any moment (even `kill -9`) resumes where it stopped: every finished
//! run is appended as one line, `replication, decision values…, figures…`, each number the
//! hexadecimal bits of its `f64` (replayed exactly); a restarted search asks the journal
//! before simulating. The search is deterministic given its runs' figures, so the resumed
//! search retraces the first one's steps and ends with the same outcome. The first line
//! names the study (a fingerprint of its file and base scenario): a journal of another
//! study is refused, never mixed in. A last line cut short by the kill is ignored.
//!
//! Shards (`--shard i/N`, one process per shard on a shared folder) each write their own
//! `journal-iofN.csv` and read the others' as they grow: a run is simulated by one shard and
//! known to all, and every shard retraces the same search.

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
    head: String,
    dims: usize,
    figures: usize,
    done: HashMap<Key, Vec<f64>>,
    file: File,
    /// The other journals of the folder (other shards'), and how many bytes of each are read.
    siblings: Vec<(PathBuf, usize)>,
    /// Runs found in the folder's journals when it was opened.
    pub found: usize,
    /// Runs this process recorded.
    pub written: usize,
}

fn hex(x: f64) -> String {
    format!("{:016x}", x.to_bits())
}

fn unhex(s: &str) -> Option<f64> {
    u64::from_str_radix(s, 16).ok().map(f64::from_bits)
}

impl Journal {
    /// Opens (or starts) the journal at `path` for the study `fingerprint`, with `dims`
    /// decision values and `figures` figures per run. Every other `journal*.csv` of the same
    /// folder (another shard's) is read too, and again on [`Journal::refresh`]; runs are
    /// written to `path` only.
    ///
    /// # Errors
    /// A journal of another study, or one that cannot be read or written.
    pub fn open(path: &Path, fingerprint: &str, dims: usize, figures: usize) -> Result<Journal, ExperimentError> {
        let io = |e: std::io::Error| ExperimentError::Io(format!("{}: {e}", path.display()));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut file = OpenOptions::new().create(true).append(true).open(path).map_err(io)?;
        let mut j = Journal { path: path.to_path_buf(), head: format!("study {fingerprint}"), dims, figures, done: HashMap::new(), file: file.try_clone().map_err(io)?, siblings: Vec::new(), found: 0, written: 0 };
        let text = std::fs::read(path).map_err(io)?;
        if text.is_empty() {
            writeln!(file, "{}", j.head).map_err(io)?;
        } else {
            j.read(path, &text)?;
            if text.last() != Some(&b'\n') {
                // A line cut short by a kill: end it, so the next run starts a line of its own.
                writeln!(file).map_err(io)?;
            }
        }
        j.refresh()?;
        j.found = j.done.len();
        Ok(j)
    }

    /// Reads the complete lines of `text` (a journal's bytes from its start, or from where
    /// the last read ended) into the runs known; returns how many bytes it consumed. A
    /// journal of another study is refused.
    fn read(&mut self, path: &Path, text: &[u8]) -> Result<usize, ExperimentError> {
        let text = String::from_utf8_lossy(text);
        let mut used = 0;
        for line in text.split_inclusive('\n').filter(|l| l.ends_with('\n')) {
            used += line.len();
            if line.starts_with("study ") {
                if line.trim_end() != self.head {
                    return Err(ExperimentError::Refused(format!(
                        "{} is the journal of another optimisation (or of this file before it changed): use another --out folder, or delete it to start over",
                        path.display()
                    )));
                }
                continue;
            }
            let cells: Vec<&str> = line.trim_end().split(',').collect();
            if cells.len() != 1 + self.dims + self.figures {
                continue;
            }
            let rep = u64::from_str_radix(cells[0], 16).ok();
            let nums: Option<Vec<f64>> = cells[1..].iter().map(|c| unhex(c)).collect();
            if let (Some(rep), Some(nums)) = (rep, nums) {
                let x = nums[..self.dims].iter().map(|v| v.to_bits()).collect();
                self.done.insert((x, rep), nums[self.dims..].to_vec());
            }
        }
        Ok(used)
    }

    /// Reads what the folder's other journals (other shards') gained since the last read,
    /// and any new one.
    ///
    /// # Errors
    /// A journal that cannot be read, or one of another study.
    pub fn refresh(&mut self) -> Result<(), ExperimentError> {
        let Some(dir) = self.path.parent().map(Path::to_path_buf) else { return Ok(()) };
        let io = |e: std::io::Error| ExperimentError::Io(format!("{}: {e}", dir.display()));
        let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| *p != self.path && p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("journal") && n.ends_with(".csv")))
            .collect();
        names.sort();
        for name in names {
            if !self.siblings.iter().any(|(p, _)| *p == name) {
                self.siblings.push((name, 0));
            }
        }
        for k in 0..self.siblings.len() {
            let (path, offset) = self.siblings[k].clone();
            let bytes = std::fs::read(&path).map_err(io)?;
            if bytes.len() > offset {
                let used = self.read(&path, &bytes[offset..])?;
                self.siblings[k].1 = offset + used;
            }
        }
        Ok(())
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
        self.written += 1;
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
        // Another shard's journal in the folder is read, at open and as it grows.
        let mut k = Journal::open(&dir.join("journal-2of2.csv"), "abc", 2, 3).unwrap();
        assert_eq!((k.found, k.get(&x, 7)), (3, Some(&vec![1.5, -2.25, f64::MIN_POSITIVE])));
        let mut j = Journal::open(&path, "abc", 2, 3).unwrap();
        k.record(&[0.9, 0.9], 1, &[7.0, 8.0, 9.0]).unwrap();
        assert_eq!(j.get(&[0.9, 0.9], 1), None);
        j.refresh().unwrap();
        assert_eq!(j.get(&[0.9, 0.9], 1), Some(&vec![7.0, 8.0, 9.0]));
        // A half-written line of the other shard waits for its end.
        write!(k.file, "2,{}", hex(0.4)).unwrap();
        j.refresh().unwrap();
        assert_eq!(j.get(&[0.4, 0.4], 2), None);
        writeln!(k.file, ",{},{},{},{}", hex(0.4), hex(1.0), hex(2.0), hex(3.0)).unwrap();
        j.refresh().unwrap();
        assert_eq!(j.get(&[0.4, 0.4], 2), Some(&vec![1.0, 2.0, 3.0]));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
