//! Writers: `daily.csv`, `summary.json`, each replaced atomically (written to a temporary
//! file in the same folder, flushed, then renamed over the target), so a reader or an
//! interrupted run never sees half a file.

use std::fs;
use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::metrics::{DayRow, PlatformRow, Summary};

/// Writes `bytes` to `path` atomically.
///
/// # Errors
/// Any I/O error, with the path in the message.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp.{}", std::process::id()));
    let with_path = |e: std::io::Error| std::io::Error::new(e.kind(), format!("{}: {e}", path.display()));
    {
        let mut f = fs::File::create(&tmp).map_err(with_path)?;
        f.write_all(bytes).map_err(with_path)?;
        f.sync_all().map_err(with_path)?;
    }
    fs::rename(&tmp, path).map_err(with_path)
}

/// A file written in pieces and replaced atomically when finished: a temporary file in the
/// same folder, buffered, synced and renamed over the target by [`AtomicFile::finish`]
/// (dropped unfinished, the target is untouched). For outputs too big to hold in memory.
#[derive(Debug)]
pub struct AtomicFile {
    path: std::path::PathBuf,
    tmp: std::path::PathBuf,
    out: std::io::BufWriter<fs::File>,
}

impl AtomicFile {
    /// Starts writing `path`.
    ///
    /// # Errors
    /// Any I/O error, with the path in the message.
    pub fn create(path: &Path) -> std::io::Result<Self> {
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let tmp = dir.join(format!(".{name}.tmp.{}", std::process::id()));
        let f = fs::File::create(&tmp).map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        Ok(AtomicFile { path: path.to_path_buf(), tmp, out: std::io::BufWriter::new(f) })
    }

    /// Appends `bytes`.
    ///
    /// # Errors
    /// Any I/O error, with the path in the message.
    pub fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.out.write_all(bytes).map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", self.path.display())))
    }

    /// Flushes, syncs and renames the file over its target.
    ///
    /// # Errors
    /// Any I/O error, with the path in the message.
    pub fn finish(self) -> std::io::Result<()> {
        let with_path = |e: std::io::Error| std::io::Error::new(e.kind(), format!("{}: {e}", self.path.display()));
        let f = self.out.into_inner().map_err(|e| with_path(e.into_error()))?;
        f.sync_all().map_err(with_path)?;
        fs::rename(&self.tmp, &self.path).map_err(with_path)
    }
}

/// `rows` as CSV text with a header line.
///
/// # Errors
/// Only if a row cannot be serialised (never for the crate's row types).
pub fn csv_bytes<T: Serialize>(rows: &[T]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// Writes `daily.csv`, `platforms.csv` and `summary.json` of a run into `dir` (created if missing).
///
/// # Errors
/// Any I/O or serialisation error, with the path in the message.
pub fn write_run(dir: &Path, rows: &[DayRow], platforms: &[PlatformRow], summary: &Summary) -> std::io::Result<()> {
    fs::create_dir_all(dir).map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?;
    let csv = csv_bytes(rows).map_err(std::io::Error::other)?;
    atomic_write(&dir.join("daily.csv"), &csv)?;
    let csv = csv_bytes(platforms).map_err(std::io::Error::other)?;
    atomic_write(&dir.join("platforms.csv"), &csv)?;
    let csv = csv_bytes(&summary.centres).map_err(std::io::Error::other)?;
    atomic_write(&dir.join("centres.csv"), &csv)?;
    let mut json = serde_json::to_vec_pretty(summary).map_err(std::io::Error::other)?;
    json.push(b'\n');
    atomic_write(&dir.join("summary.json"), &json)
}

/// Writes a run's trace: `events.csv` and the story told from it with `rows`, `story.md`.
///
/// # Errors
/// Any I/O or serialisation error.
pub fn write_trace(dir: &Path, scenario: &str, rows: &[DayRow], events: &[crate::model::trace::TraceEvent]) -> std::io::Result<()> {
    atomic_write(&dir.join("events.csv"), &csv_bytes(events).map_err(std::io::Error::other)?)?;
    atomic_write(&dir.join("story.md"), super::story::story(scenario, rows, events).as_bytes())
}
