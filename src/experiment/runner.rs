//! Running a sweep: points × replications in parallel (rayon), streamed to a journal,
//! resumable after any interruption, sliceable into shards for many machines.
//!
//! Files in the output folder:
//! - `manifest.json`: which sweep (fingerprint), how many runs, parameters, shard;
//! - `journal.csv`: one CSV record per finished run, appended in completion order (a run
//!   is in the journal iff it finished; its `daily/` chunk, if any, is written first);
//! - at the end, `runs.csv` (one row per run, in run order), `summary.csv` (one row per
//!   point and figure: n, mean, sd, 95 % CI) and with `--daily` a tidy `daily.csv`,
//!   each written atomically from the journal by streaming it in run order.
//!
//! Run `i` is point `i / replications`, replication `i % replications`, and runs with
//! `RunSeed(seed, replication)`: every point sees the same random streams (common random
//! numbers). Outputs depend only on the set of finished runs, never on completion order,
//! so they are byte-identical for any `--jobs`, after any resume, and after `merge`.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use toml::Value;

use super::stats::mean_ci;
use super::sweep::Sweep;
use super::{ExperimentError, io_err};
use crate::output::metrics::DayRow;
use crate::output::write::{AtomicFile, atomic_write};
use crate::output::{RUN_FIGURES, run_figures};

/// Slice `index` (1-based) of `count`: the runs whose index modulo `count` is `index − 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based slice number.
    pub index: usize,
    /// Number of slices.
    pub count: usize,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (i, n) = s.split_once('/').ok_or_else(|| format!("shard {s:?}: write it as i/N, e.g. 2/8"))?;
        let index: usize = i.trim().parse().map_err(|_| format!("shard {s:?}: {i:?} is not a whole number"))?;
        let count: usize = n.trim().parse().map_err(|_| format!("shard {s:?}: {n:?} is not a whole number"))?;
        if count == 0 || index == 0 || index > count {
            return Err(format!("shard {s:?}: need 1 ≤ i ≤ N"));
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Whether run `i` belongs to this slice.
    pub fn holds(&self, i: usize) -> bool {
        i % self.count == self.index - 1
    }
}

/// How to run a sweep.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// Worker threads.
    pub jobs: usize,
    /// Run only this slice.
    pub shard: Option<Shard>,
    /// Also write the tidy per-day `daily.csv`.
    pub daily: bool,
}

/// What a call to [`run_sweep`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepOutcome {
    /// Runs simulated now.
    pub ran: usize,
    /// Runs found finished in the journal and skipped.
    pub skipped: usize,
    /// Runs in this slice (all runs without a shard).
    pub in_slice: usize,
    /// Whether `runs.csv` and `summary.csv` were written (a whole sweep, not a shard).
    pub finalized: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Manifest {
    fingerprint: String,
    sweep_file: String,
    runs: usize,
    replications: usize,
    seed: u64,
    params: Vec<String>,
    figures: Vec<String>,
    shard: Option<String>,
    daily: bool,
    /// The sweep's `[labels]` (parameter or figure, words), for its report.
    #[serde(default)]
    labels: Vec<(String, String)>,
}

impl Manifest {
    fn same_sweep(&self, o: &Manifest) -> bool {
        self.fingerprint == o.fingerprint && self.runs == o.runs && self.params == o.params && self.figures == o.figures
    }
}

const JOURNAL: &str = "journal.csv";
const MANIFEST: &str = "manifest.json";

/// A value as a CSV cell: strings bare, numbers as written.
fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Float(x) => x.to_string(),
        other => other.to_string(),
    }
}

fn record(fields: &[String]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    // Writing strings into memory cannot fail.
    let _ = w.write_record(fields);
    w.into_inner().unwrap_or_default()
}

/// Runs (or resumes) `sweep` into `out`, calling `progress(done, in_slice)` after each run
/// from the calling thread. Workers never print.
///
/// # Errors
/// [`ExperimentError::Refused`] if `out` holds another sweep or slice; I/O errors; a failed run.
pub fn run_sweep(sweep: &Sweep, out: &Path, opts: &SweepOptions, progress: &mut dyn FnMut(usize, usize)) -> Result<SweepOutcome, ExperimentError> {
    fs::create_dir_all(out).map_err(|e| io_err(out, e))?;
    let manifest = Manifest {
        fingerprint: sweep.fingerprint.clone(),
        sweep_file: sweep.file.display().to_string(),
        runs: sweep.runs(),
        replications: sweep.replications as usize,
        seed: sweep.seed,
        params: sweep.params.clone(),
        figures: RUN_FIGURES.iter().map(|s| s.to_string()).collect(),
        shard: opts.shard.map(|s| s.to_string()),
        daily: opts.daily,
        labels: sweep.labels.clone(),
    };
    let mpath = out.join(MANIFEST);
    match fs::read(&mpath) {
        Ok(bytes) => {
            let old: Manifest = serde_json::from_slice(&bytes).map_err(|e| io_err(&mpath, e))?;
            if !old.same_sweep(&manifest) {
                return Err(ExperimentError::Refused(format!(
                    "{} holds results of another sweep ({}, fingerprint {}); this is {} (fingerprint {}): the sweep file or its base scenario changed. Use a new --out folder, or delete {} to start over",
                    out.display(), old.sweep_file, old.fingerprint, manifest.sweep_file, manifest.fingerprint, out.display()
                )));
            }
            if old.shard != manifest.shard || old.daily != manifest.daily {
                return Err(ExperimentError::Refused(format!(
                    "{} was started with shard {:?} and daily = {}; now shard {:?} and daily = {}: resume with the same options",
                    out.display(), old.shard, old.daily, manifest.shard, manifest.daily
                )));
            }
        }
        Err(_) => {
            let mut json = serde_json::to_vec_pretty(&manifest).map_err(|e| io_err(&mpath, e))?;
            json.push(b'\n');
            atomic_write(&mpath, &json).map_err(|e| io_err(&mpath, e))?;
        }
    }
    let jpath = out.join(JOURNAL);
    let done = read_journal(&jpath, manifest.runs)?;
    let in_slice: Vec<usize> = (0..manifest.runs).filter(|&i| opts.shard.is_none_or(|s| s.holds(i))).collect();
    let todo: Vec<usize> = in_slice.iter().copied().filter(|&i| !done[i]).collect();
    let skipped = in_slice.len() - todo.len();
    let mut journal = OpenOptions::new().create(true).append(true).open(&jpath).map_err(|e| io_err(&jpath, e))?;
    if opts.daily {
        fs::create_dir_all(out.join("daily")).map_err(|e| io_err(out, e))?;
    }

    let pool = rayon::ThreadPoolBuilder::new().num_threads(opts.jobs.max(1)).build().map_err(|e| ExperimentError::Io(e.to_string()))?;
    let cancel = AtomicBool::new(false);
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<u8>, ExperimentError>>(4 * opts.jobs.max(1));
    let mut finished = skipped;
    progress(finished, in_slice.len());
    let mut first_error = None;
    std::thread::scope(|scope| {
        let (todo, cancel, pool) = (&todo, &cancel, &pool);
        scope.spawn(move || {
            pool.install(|| {
                todo.par_iter().for_each_with(tx, |tx, &i| {
                    if cancel.load(Ordering::Relaxed) {
                        return;
                    }
                    let _ = tx.send(run_one(sweep, i, out, opts.daily));
                });
            })
        });
        for msg in rx {
            match msg {
                Ok(line) => {
                    if let Err(e) = journal.write_all(&line) {
                        first_error.get_or_insert(io_err(&jpath, e));
                        cancel.store(true, Ordering::Relaxed);
                        continue;
                    }
                    finished += 1;
                    progress(finished, in_slice.len());
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                    cancel.store(true, Ordering::Relaxed);
                }
            }
        }
    });
    if let Some(e) = first_error {
        return Err(e);
    }
    journal.sync_all().map_err(|e| io_err(&jpath, e))?;
    let finalized = opts.shard.is_none();
    if finalized {
        finalize(out, &manifest, &[out.to_path_buf()])?;
    }
    Ok(SweepOutcome { ran: todo.len(), skipped, in_slice: in_slice.len(), finalized })
}

/// Simulates run `i` and returns its journal record; writes its daily chunk first.
fn run_one(sweep: &Sweep, i: usize, out: &Path, daily: bool) -> Result<Vec<u8>, ExperimentError> {
    let reps = sweep.replications as usize;
    let (point, rep) = (i / reps, i % reps);
    let p = &sweep.points[point];
    let report = crate::model::run(&p.scenario, sweep.seed, rep as u64).map_err(|e| ExperimentError::Run { run: i, message: e.to_string() })?;
    if daily {
        let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
        for row in DayRow::all(&report) {
            let json = serde_json::to_value(&row).map_err(|e| ExperimentError::Io(e.to_string()))?;
            let day = row.day.to_string();
            if let serde_json::Value::Object(map) = json {
                for (metric, value) in map.iter().filter(|(k, _)| k.as_str() != "day") {
                    let _ = w.write_record([i.to_string(), point.to_string(), rep.to_string(), day.clone(), metric.clone(), value.to_string()]);
                }
            }
        }
        let bytes = w.into_inner().unwrap_or_default();
        let path = daily_chunk(out, i);
        atomic_write(&path, &bytes).map_err(|e| io_err(&path, e))?;
    }
    let mut fields = vec![i.to_string(), point.to_string(), rep.to_string(), sweep.seed.to_string()];
    fields.extend(p.values.iter().map(cell));
    fields.extend(run_figures(&report).iter().map(|x| x.to_string()));
    Ok(record(&fields))
}

fn daily_chunk(dir: &Path, i: usize) -> PathBuf {
    dir.join("daily").join(format!("run-{i:08}.csv"))
}

/// Which runs the journal holds. A torn last record (no newline: killed mid-write) is cut off.
fn read_journal(path: &Path, runs: usize) -> Result<Vec<bool>, ExperimentError> {
    let mut done = vec![false; runs];
    let Ok(mut f) = OpenOptions::new().read(true).write(true).open(path) else { return Ok(done) };
    let mut good_len = 0u64;
    {
        let mut r = BufReader::new(&mut f);
        let mut line = Vec::new();
        loop {
            line.clear();
            let n = r.read_until(b'\n', &mut line).map_err(|e| io_err(path, e))?;
            if n == 0 || line.last() != Some(&b'\n') {
                break;
            }
            if let Some(i) = run_index(&line).filter(|&i| i < runs) {
                done[i] = true;
            }
            good_len += n as u64;
        }
    }
    f.set_len(good_len).map_err(|e| io_err(path, e))?;
    Ok(done)
}

fn run_index(line: &[u8]) -> Option<usize> {
    let end = line.iter().position(|&b| b == b',')?;
    std::str::from_utf8(&line[..end]).ok()?.parse().ok()
}

/// Where a run's record is: (folder index, byte offset, length).
type RecordAt = (usize, u64, usize);

/// Where each run's record is, if any folder's journal holds it (the first one that does).
fn index_journals(dirs: &[PathBuf], runs: usize) -> Result<Vec<Option<RecordAt>>, ExperimentError> {
    let mut at = vec![None; runs];
    for (d, dir) in dirs.iter().enumerate() {
        let path = dir.join(JOURNAL);
        let f = File::open(&path).map_err(|e| io_err(&path, e))?;
        let mut r = BufReader::new(f);
        let mut offset = 0u64;
        let mut line = Vec::new();
        loop {
            line.clear();
            let n = r.read_until(b'\n', &mut line).map_err(|e| io_err(&path, e))?;
            if n == 0 || line.last() != Some(&b'\n') {
                break;
            }
            if let Some(i) = run_index(&line).filter(|&i| i < runs) {
                at[i].get_or_insert((d, offset, n));
            }
            offset += n as u64;
        }
    }
    Ok(at)
}

/// Writes `runs.csv`, `summary.csv` (and `daily.csv`) into `out` from the journals of
/// `dirs`, streaming records in run order: memory holds one point's figures and an index
/// of where each run's record is, never the files.
fn finalize(out: &Path, m: &Manifest, dirs: &[PathBuf]) -> Result<(), ExperimentError> {
    let at = index_journals(dirs, m.runs)?;
    let missing = at.iter().filter(|x| x.is_none()).count();
    if missing > 0 {
        return Err(ExperimentError::Refused(format!("{missing} of {} runs are missing from {}", m.runs, show(dirs))));
    }
    let mut header = vec!["run".to_string(), "point".into(), "replication".into(), "seed".into()];
    header.extend(m.params.iter().cloned());
    header.extend(m.figures.iter().cloned());
    let create = |name: &str| {
        let p = out.join(name);
        AtomicFile::create(&p).map_err(|e| io_err(&p, e))
    };
    let mut runs_csv = create("runs.csv")?;
    runs_csv.write(&record(&header)).map_err(|e| io_err(out, e))?;
    let mut sum_header = vec!["point".to_string()];
    sum_header.extend(m.params.iter().cloned());
    sum_header.extend(["figure", "n", "mean", "sd", "ci95_low", "ci95_high"].map(String::from));
    let mut summary_csv = create("summary.csv")?;
    summary_csv.write(&record(&sum_header)).map_err(|e| io_err(out, e))?;
    let mut files: Vec<File> = dirs.iter().map(|d| File::open(d.join(JOURNAL)).map_err(|e| io_err(d, e))).collect::<Result<_, _>>()?;
    let n_params = m.params.len();
    let mut values: Vec<Vec<f64>> = vec![Vec::with_capacity(m.replications); m.figures.len()];
    let mut point_params: Vec<String> = Vec::new();
    let mut buf = Vec::new();
    for (i, loc) in at.iter().enumerate() {
        let (d, offset, len) = loc.expect("checked above: every run is present");
        buf.resize(len, 0);
        files[d].seek(SeekFrom::Start(offset)).and_then(|_| files[d].read_exact(&mut buf)).map_err(|e| io_err(&dirs[d], e))?;
        runs_csv.write(&buf).map_err(|e| io_err(out, e))?;
        let mut rdr = csv::ReaderBuilder::new().has_headers(false).from_reader(&buf[..]);
        let rec = rdr.records().next().and_then(Result::ok).ok_or_else(|| ExperimentError::Io(format!("run {i}: unreadable journal record")))?;
        if i % m.replications == 0 {
            point_params = rec.iter().skip(4).take(n_params).map(String::from).collect();
        }
        for (k, v) in rec.iter().skip(4 + n_params).enumerate().take(m.figures.len()) {
            values[k].push(v.parse().unwrap_or(f64::NAN));
        }
        if i % m.replications == m.replications - 1 {
            let point = i / m.replications;
            for (k, name) in m.figures.iter().enumerate() {
                let ci = mean_ci(&values[k], 0.95);
                let mut row = vec![point.to_string()];
                row.extend(point_params.iter().cloned());
                row.extend([name.clone(), ci.n.to_string(), ci.mean.to_string(), ci.sd.to_string(), ci.lo.to_string(), ci.hi.to_string()]);
                summary_csv.write(&record(&row)).map_err(|e| io_err(out, e))?;
                values[k].clear();
            }
        }
    }
    runs_csv.finish().map_err(|e| io_err(out, e))?;
    summary_csv.finish().map_err(|e| io_err(out, e))?;
    if m.daily {
        let mut daily = create("daily.csv")?;
        daily.write(&record(&["run", "point", "replication", "day", "metric", "value"].map(String::from))).map_err(|e| io_err(out, e))?;
        let mut chunk = Vec::new();
        for (i, loc) in at.iter().enumerate() {
            let (d, _, _) = loc.expect("checked above");
            let p = daily_chunk(&dirs[d], i);
            chunk.clear();
            File::open(&p).and_then(|mut f| f.read_to_end(&mut chunk)).map_err(|e| io_err(&p, e))?;
            daily.write(&chunk).map_err(|e| io_err(out, e))?;
        }
        daily.finish().map_err(|e| io_err(out, e))?;
    }
    Ok(())
}

fn show(dirs: &[PathBuf]) -> String {
    dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ")
}

/// Combines the shard folders `dirs` of one sweep into `out`: exactly the `runs.csv`,
/// `summary.csv` (and `daily.csv`) one process would have written.
///
/// # Errors
/// [`ExperimentError::Refused`] if the folders hold different sweeps or runs are missing.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<usize, ExperimentError> {
    let mut manifests = Vec::new();
    for d in dirs {
        let p = d.join(MANIFEST);
        let bytes = fs::read(&p).map_err(|e| io_err(&p, e))?;
        manifests.push(serde_json::from_slice::<Manifest>(&bytes).map_err(|e| io_err(&p, e))?);
    }
    let first = manifests.first().ok_or_else(|| ExperimentError::Refused("merge needs at least one folder".into()))?.clone();
    for (m, d) in manifests.iter().zip(dirs) {
        if !m.same_sweep(&first) {
            return Err(ExperimentError::Refused(format!(
                "{} holds sweep {} (fingerprint {}), {} holds {} (fingerprint {}): only shards of one sweep can be merged",
                d.display(), m.sweep_file, m.fingerprint, dirs[0].display(), first.sweep_file, first.fingerprint
            )));
        }
    }
    let daily = manifests.iter().all(|m| m.daily);
    fs::create_dir_all(out).map_err(|e| io_err(out, e))?;
    let merged = Manifest { shard: None, daily, ..first };
    finalize(out, &merged, dirs)?;
    let mut json = serde_json::to_vec_pretty(&merged).map_err(|e| io_err(out, e))?;
    json.push(b'\n');
    atomic_write(&out.join(MANIFEST), &json).map_err(|e| io_err(out, e))?;
    Ok(merged.runs)
}
