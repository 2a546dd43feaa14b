//! What a platform may own: the rule behind `[[platforms]] overrides`.
//!
//! A market is one world shared by its platforms: the residents and their segments, the
//! neighbourhoods, the outside option, reputation, weather and scheduled shocks, the
//! timeline and the run. A platform owns its policies and its chain: pricing, after-sales,
//! retention, purchase policy, QC, sourcing, suppliers, transport modes, warehouses, its
//! leaders' terms, and its products' prices (list price and purchase price) and sources.
//! An override of anything else, or one that reshapes what the market shares (another
//! list of products, other neighbourhood sizes), is refused with the override's location.

use super::Scenario;

/// Top-level tables a platform may override.
pub const PLATFORM_OWNED: [&str; 12] =
    ["pricing", "aftersales", "retention", "policy", "qc", "sourcing", "suppliers", "modes", "central_warehouse", "grid_warehouses", "leaders", "products"];

/// Product fields a platform may set for itself; the rest describe the good or the
/// residents' habits and are the market's.
pub const PLATFORM_PRODUCT_FIELDS: [&str; 4] = ["price_yuan", "unit_cost_yuan", "supplier", "category"];

/// Checks override path `path` of a platform before it is applied.
///
/// # Errors
/// What is wrong and what is allowed.
pub fn check_path(path: &str) -> Result<(), String> {
    let top = path.split(['.', '[']).next().unwrap_or_default();
    if PLATFORM_OWNED.contains(&top) {
        return Ok(());
    }
    Err(format!(
        "`{top}` is the market's, shared by every platform (residents, segments, market, reputation, scandals, regions, shocks, timeline, run); a platform may override only {}",
        PLATFORM_OWNED.join(", ")
    ))
}

/// Checks a platform's resolved scenario `p` against the market's `base`: the same
/// products (names, order, and every field but [`PLATFORM_PRODUCT_FIELDS`]) and the same
/// neighbourhood sizes.
///
/// # Errors
/// What differs and what is allowed.
pub fn check_resolved(base: &Scenario, p: &Scenario) -> Result<(), String> {
    if p.products.len() != base.products.len() || p.products.iter().zip(&base.products).any(|(a, b)| a.name != b.name) {
        let names = |s: &Scenario| s.products.iter().map(|x| x.name.as_str()).collect::<Vec<_>>().join(", ");
        return Err(format!(
            "products must be the market's products in the same order ({}), not ({}); a platform may change only {} of each, by path (e.g. \"products.{}.price_yuan\")",
            names(base),
            names(p),
            PLATFORM_PRODUCT_FIELDS.join(", "),
            base.products.first().map_or("name", |x| x.name.as_str())
        ));
    }
    for (a, b) in p.products.iter().zip(&base.products) {
        let mut a = a.clone();
        a.price_yuan = b.price_yuan;
        a.unit_cost_yuan = b.unit_cost_yuan;
        a.supplier.clone_from(&b.supplier);
        a.category.clone_from(&b.category);
        if a != *b {
            return Err(format!(
                "product {}: only {} are a platform's own; the good itself and residents' habits (weight, shelf life, basket, reference price, season) are the market's",
                b.name,
                PLATFORM_PRODUCT_FIELDS.join(", ")
            ));
        }
    }
    let (l, m) = (&p.leaders, &base.leaders);
    if l.households_mean != m.households_mean || l.households_spread != m.households_spread {
        return Err("leaders.households_mean and households_spread size the shared neighbourhoods: they are the market's".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_of_the_market_are_refused() {
        assert!(check_path("pricing.policy").is_ok());
        assert!(check_path("products[0].price_yuan").is_ok());
        assert!(check_path("suppliers.veg_farm.capacity_units_per_day").is_ok());
        for bad in ["residents.order_prob_per_day", "segments", "market.outside_option", "reputation.scandal_depth", "timeline.order_cutoff_hour", "run.seed", "regions[0].shock_depth", "shocks"] {
            let e = check_path(bad).unwrap_err();
            assert!(e.contains("market's") && e.contains("pricing"), "{bad}: {e}");
        }
    }
}
