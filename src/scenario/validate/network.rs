//! Checks of the network: the centres (`[central_warehouse]`, `[[centres]]`), which
//! suppliers each buys from and over which lanes (`lanes_km`).

use super::{BadValue, Seg, at, fmt};
use crate::scenario::Scenario;

/// Checks every centre and every supplier's lanes; returns the centres' names.
pub(super) fn centres<'a>(s: &'a Scenario, mode_names: &[&str]) -> Result<Vec<&'a str>, BadValue> {
    let centre_names: Vec<&str> = s.centre_configs().map(|c| c.name.as_str()).collect();
    let supplier_names: Vec<&str> = s.suppliers.iter().map(|x| x.name.as_str()).collect();
    for (i, cw) in s.centre_configs().enumerate() {
        let c = at(if i == 0 { vec![Seg::Key("central_warehouse".into())] } else { vec![Seg::Key("centres".into()), Seg::Index(i - 1)] });
        c.unique("name", &cw.name, &centre_names[..i])?;
        c.positive("capacity_units_per_day", cw.capacity_units_per_day)?;
        c.temp("ambient_zone_temp_c", cw.ambient_zone_temp_c)?;
        c.temp("frozen_zone_temp_c", cw.frozen_zone_temp_c)?;
        c.temp("temp_c", cw.temp_c)?;
        c.non_negative("handling_cost_yuan_per_unit", cw.handling_cost_yuan_per_unit)?;
        c.non_negative("storage_cost_yuan_per_unit_day", cw.storage_cost_yuan_per_unit_day)?;
        c.one_of("linehaul_mode", &cw.linehaul_mode, mode_names)?;
        for (j, name) in cw.suppliers.iter().enumerate() {
            let mut path = c.at("suppliers");
            path.push(Seg::Index(j));
            if !supplier_names.contains(&name.as_str()) {
                return Err(BadValue { path, value: format!("\"{name}\""), allowed: format!("must be one of: {}", supplier_names.join(", ")) });
            }
        }
        if !s.grid_warehouses.is_empty() && !s.grid_warehouses.iter().any(|g| s.centre_index(&g.centre) == i) {
            return Err(BadValue {
                path: c.at("name"),
                value: format!("\"{}\"", cw.name),
                allowed: "must supply at least one grid warehouse (a grid's `centre`)".into(),
            });
        }
        // Every product it sells must have a source it buys from, over a lane it has.
        for (p, pc) in s.products.iter().enumerate() {
            let sources = s.sources_of(p);
            let mut buys = false;
            for &(name, share) in &sources {
                let Some(k) = supplier_names.iter().position(|x| *x == name) else { continue };
                let sup = &s.suppliers[k];
                let listed = cw.suppliers.is_empty() || cw.suppliers.contains(&sup.name);
                if listed && i > 0 && !sup.lanes_km.contains_key(&cw.name) {
                    return Err(BadValue {
                        path: vec![Seg::Key("suppliers".into()), Seg::Index(k), Seg::Key("lanes_km".into())],
                        value: "(none)".into(),
                        allowed: format!("must give the km to centre \"{}\", which buys {} from it (or leave it out of the centre's `suppliers`)", cw.name, pc.name),
                    });
                }
                buys |= listed && share > 0.0;
            }
            if !buys {
                return Err(BadValue {
                    path: c.at("suppliers"),
                    value: format!("{:?}", cw.suppliers),
                    allowed: format!("must include a source of product {} (its sources: {})", pc.name, sources.iter().map(|x| x.0).collect::<Vec<_>>().join(", ")),
                });
            }
        }
    }
    for (k, sup) in s.suppliers.iter().enumerate() {
        for (name, km) in &sup.lanes_km {
            let c = at(vec![Seg::Key("suppliers".into()), Seg::Index(k), Seg::Key("lanes_km".into())]);
            if !centre_names[1..].contains(&name.as_str()) {
                return Err(BadValue {
                    path: c.at_owned(name),
                    value: fmt(*km),
                    allowed: format!("keys must name a further centre ([[centres]]): {}", if centre_names.len() > 1 { centre_names[1..].join(", ") } else { "none here".into() }),
                });
            }
            c.range_owned(name, *km, 0.0, 20_000.0)?;
        }
    }
    Ok(centre_names)
}
