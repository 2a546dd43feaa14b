//! The paper's claims (issue 6): every claim runs, and each holds (direction and 95 % CI
//! excluding zero) except the documented findings; the committed table matches the claims.

use cesim::experiment::paper;

#[test]
fn every_claim_holds() {
    let results = paper::run_claims(&crate::file("scenarios/paper"), 6, 20260101, None, 2).unwrap();
    assert!(results.len() >= 30);
    for r in results.iter().filter(|r| !paper::MOVED.iter().any(|(id, _)| *id == r.claim.id)) {
        assert!(r.holds, "{} ({}) does not hold: mean {:.4}, CI [{:.4}, {:.4}], expected {}", r.claim.id, r.claim.kpi, r.ci.mean, r.ci.lo, r.ci.hi, r.claim.expect.text());
    }
    // The side findings compute (whether they hold is what they report).
    for r in paper::run_side_findings(&crate::file("scenarios/paper"), 4, 20260101, 2).unwrap() {
        assert!(r.ci.mean.is_finite(), "{}", r.claim.id);
    }
}

#[test]
fn committed_claims_table_lists_every_claim() {
    let csv = std::fs::read_to_string(crate::file("results/paper/claims.csv")).unwrap();
    let ids: Vec<&str> = csv.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    let claims = paper::claims();
    assert_eq!(ids.len(), claims.len());
    for c in &claims {
        assert!(ids.contains(&c.id), "{} missing from results/paper/claims.csv", c.id);
    }
    let readme = std::fs::read_to_string(crate::file("results/paper/README.md")).unwrap();
    assert!(readme.contains("cargo run --release -- paper"));
}
