//! The paper's claims (issue 6): every claim runs; every identity holds (95 % CI on the
//! expected side) and every finding points the expected way, except the documented moved
//! and unsupported claims; the committed table matches the claims; every finding has its
//! robustness and the paper's words.

use cesim::experiment::paper;

#[test]
fn every_claim_holds() {
    let results = paper::run_claims(&crate::file("scenarios/paper"), 6, 20260101, None, 2).unwrap();
    assert!(results.len() >= 30);
    let listed = |id: &str| paper::MOVED.iter().chain(paper::NOT_SUPPORTED).any(|(x, _)| *x == id);
    for r in results.iter().filter(|r| !listed(r.claim.id)) {
        let msg = format!("{} ({}) does not hold: mean {:.4}, CI [{:.4}, {:.4}], expected {}", r.claim.id, r.claim.kpi, r.ci.mean, r.ci.lo, r.ci.hi, r.claim.expect.text());
        if paper::kind(r.claim.id) == "identity" {
            // An identity checks the implementation: it must hold at any sample size.
            assert!(r.holds, "identity {msg}");
        } else {
            // A finding may need the full 10 replications to exclude zero (the committed
            // table, checked against a fresh run); at 6 its mean must point the right way.
            let ok = match r.claim.expect {
                paper::Expect::Above(x) => r.ci.mean > x,
                paper::Expect::Below(x) => r.ci.mean < x,
                paper::Expect::Within(lo, hi) => (lo..=hi).contains(&r.ci.mean),
            };
            assert!(ok, "finding {msg}");
        }
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

#[test]
fn findings_have_a_robust_share_and_a_quote() {
    let dir = crate::file("scenarios/paper");
    let claims: Vec<paper::Claim> = paper::claims().into_iter().filter(|c| ["5.3-training-churn", "5.3-training-spoilage"].contains(&c.id)).collect();
    let shares = paper::robust_shares(&claims, &dir, 20260101, 2).unwrap();
    assert_eq!(shares, paper::robust_shares(&claims, &dir, 20260101, 2).unwrap(), "deterministic");
    for (c, s) in claims.iter().zip(&shares) {
        assert!(!paper::quote(c.section).is_empty(), "{} has no quote", c.id);
        match paper::kind(c.id) {
            "finding" => assert!(s.as_ref().is_some_and(|x| (0.0..=1.0).contains(&x.share) && x.ci.0 <= x.share && x.share <= x.ci.1), "{}: {s:?}", c.id),
            _ => assert_eq!(*s, None, "{}: identities are not tested for robustness", c.id),
        }
    }
    // Training cuts churn wherever the shops' temperature and residents' sensitivity lie.
    let churn = claims.iter().position(|c| c.id == "5.3-training-churn").unwrap();
    assert!(shares[churn].as_ref().is_some_and(|x| x.share >= 0.75), "{shares:?}");
    let csv = std::fs::read_to_string(crate::file("results/paper/claims.csv")).unwrap();
    assert!(csv.lines().next().unwrap().ends_with("holds,robust_share,robust_ci_low,robust_ci_high,flips_with,holds_if,quote,levels"));
    // Levels beside targets: the ambient chain's losses set beside the official 20–30 %.
    assert!(csv.contains("ambient_chain spoilage_rate") && csv.contains("(target 0.2–0.3: "));
}
