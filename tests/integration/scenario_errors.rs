//! Every file in tests/bad_scenarios/ fails to load with its specific error. Each file
//! lists what its message must contain in `# expect: …` lines (a `:N:` expectation pins
//! the line number).

use cesim::scenario::{self, ScenarioError};

#[test]
fn each_bad_file_gives_its_error() {
    let dir = crate::file("tests/bad_scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 10, "want at least 10 bad scenarios, found {}", files.len());
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let expects: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("# expect: ")).collect();
        assert!(!expects.is_empty(), "{} has no # expect: line", path.display());
        let err = scenario::load(&path).expect_err(&format!("{} should fail", path.display()));
        let msg = err.to_string();
        assert!(msg.starts_with(&path.display().to_string()), "{msg} does not name the file");
        for e in expects {
            assert!(msg.contains(e), "{}: message {msg:?} lacks {e:?}", path.display());
        }
        assert!(matches!(err, ScenarioError::Parse { .. } | ScenarioError::Invalid { .. }));
    }
}

#[test]
fn missing_file_is_an_io_error() {
    let err = scenario::load(std::path::Path::new("/no/such/scenario.toml")).unwrap_err();
    assert!(matches!(err, ScenarioError::Io { .. }));
    assert!(err.to_string().contains("/no/such/scenario.toml"));
}
