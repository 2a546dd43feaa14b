//! Residents (households) of the market, kept as a struct of arrays: one entry per
//! resident in each column (per resident and platform in the `_kp` columns, index
//! `r × platforms + k`); the residents of a neighbourhood are contiguous.
//!
//! **Shopping and choice** (docs/model.md §2.2, §4.2). Each evening a resident in the market
//! first may move away (`base_churn_prob_per_day`), then goes shopping with its own
//! probability. Both are drawn ahead ([`next_action`]): the evening it next acts is kept in
//! `next_day`, so a resident who does nothing tonight costs a load and a compare. It
//! chooses among the platforms with a pickup point in its neighbourhood and, if the market
//! has one, the outside option (wet market, supermarket), by a
//! multinomial logit with its segment's weights:
//! `U_k = β_trust·trust_k + β_price·(price_index_k − 1) + β_avail·availability_k +
//! β_attach·attachment·[k is home] + coupon utility`, `U_outside = outside_asc`.
//! On a platform it orders each product with the product's basket probability (times its
//! segment boost), `qty` units each. The evening itself is in `resident/evening.rs`.
//!
//! **Spend** is heavy-tailed: a multiplier `m ~ Pareto(1, spend_pareto_shape)` (capped at
//! 2 000) sets the shopping probability `min(0.95, c × m)`, `c` chosen so that its mean is
//! the segment's `order_prob_per_day`, and the units per product chosen, `qty =
//! clamp(round(√m), 1, 10)`: most residents shop now and then, a few nearly daily with
//! bigger baskets. With the defaults the top 20 % of residents bring about 80 % of revenue.
//!
//! **Trust and churn.** Trust in a platform moves with experiences (see
//! [`ResidentsMut::experience`]). A customer of a platform who shops elsewhere for
//! `churn_after_occasions` occasions in a row has churned from it; the cause is the last
//! bad experience with it within `memory_days` (stock-out, defect, refund, leader left,
//! scandal), else `price` if the rival chosen last was cheaper, else `other`. A resident
//! who is then a customer of no platform and shops outside has left the market: that is
//! the churn the headline `churn_rate` counts (switching between platforms is churn of the
//! platform, not of the market).

use std::ops::Range;

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Pareto};

use super::basket::Baskets;
pub use super::population::Draws;
use super::population::{BetaByQuantiles, order_qty, order_scale, segment_of};

use crate::engine::pages;
use crate::engine::parallel::split_mut;
use crate::engine::rng::AgentStreams;
use crate::scenario::{MAX_PLATFORMS, ResidentsConfig, SegmentConfig};

mod evening;
pub use evening::{next_action, rate};

/// Why a customer was lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChurnCause {
    /// A cheaper rival.
    Price = 0,
    /// Items out of stock.
    Stockout,
    /// Defective items.
    Defect,
    /// A refused or slow refund.
    Refund,
    /// The platform's leader left the neighbourhood (switched platform).
    LeaderLeft,
    /// A scandal.
    Scandal,
    /// Preferred the outside option or a rival for no remembered reason.
    Other,
    /// Moved away (left the market).
    Moved,
}

impl ChurnCause {
    /// All causes, in column order.
    pub const ALL: [ChurnCause; 8] = [
        ChurnCause::Price,
        ChurnCause::Stockout,
        ChurnCause::Defect,
        ChurnCause::Refund,
        ChurnCause::LeaderLeft,
        ChurnCause::Scandal,
        ChurnCause::Other,
        ChurnCause::Moved,
    ];

    /// Column-friendly name.
    pub fn name(self) -> &'static str {
        match self {
            ChurnCause::Price => "price",
            ChurnCause::Stockout => "stockout",
            ChurnCause::Defect => "defect",
            ChurnCause::Refund => "refund",
            ChurnCause::LeaderLeft => "leader_left",
            ChurnCause::Scandal => "scandal",
            ChurnCause::Other => "other",
            ChurnCause::Moved => "moved",
        }
    }
}

/// No bad experience remembered.
pub const NO_CAUSE: u8 = u8::MAX;
/// Did not shop on a platform today.
pub const NO_CHOICE: u8 = u8::MAX;
/// Whether a resident is in the market.
pub const PROSPECT: u8 = 0;
/// In the market.
pub const IN_MARKET: u8 = 1;
/// Moved away.
pub const MOVED: u8 = 2;
/// `next_day` of a resident who will not act again (not in the market, or a day beyond
/// any horizon).
pub const NEVER: u32 = u32::MAX;
/// `flags` bit: a customer of some platform during the statistics window (the churn
/// denominator: customers at its start, and everyone who became one later).
pub const EXPOSED: u8 = 1;
/// `flags` bit: left the market at least once during the window (customer of no platform
/// any more, or moved away): the gross churn numerator, each resident counted once.
pub const LEFT: u8 = 2;

/// A segment's shopping probability and choice weights.
#[derive(Debug, Clone)]
pub struct Segment {
    /// Name.
    pub name: String,
    /// Mean shopping probability.
    pub order_prob: f64,
    /// Price weight.
    pub beta_price: f64,
    /// Trust weight.
    pub beta_trust: f64,
    /// Attachment weight.
    pub beta_attach: f64,
    /// Availability weight.
    pub beta_avail: f64,
    /// Outside option's utility.
    pub outside_asc: f64,
}

/// What one platform offers in a neighbourhood tonight.
#[derive(Debug, Clone, Copy, Default)]
pub struct Offer {
    /// Whether it has a pickup point here.
    pub serves: bool,
    /// Its basket price relative to list prices.
    pub price_index: f64,
    /// Fill rate of its last pickup here, in [0, 1].
    pub availability: f64,
    /// Utility a held coupon adds.
    pub coupon_utility: f64,
}

/// Per-platform results of an evening's shopping.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ShopTally {
    /// Orders placed.
    pub orders: u64,
    /// Customers lost, by [`ChurnCause`].
    pub churned: [u64; 8],
    /// New or returning customers.
    pub gained: u64,
    /// Coupons redeemed with an order.
    pub coupons_redeemed: u64,
    /// Residents lost to every platform (last lost by this one), by [`ChurnCause`].
    pub left_market: [u64; 8],
}

impl ShopTally {
    /// Adds `other`'s counts.
    pub fn add(&mut self, other: &ShopTally) {
        self.orders += other.orders;
        self.gained += other.gained;
        self.coupons_redeemed += other.coupons_redeemed;
        for c in 0..8 {
            self.churned[c] += other.churned[c];
            self.left_market[c] += other.left_market[c];
        }
    }
}

/// Declares the residents' columns once: the owning [`Residents`], the borrowed view
/// [`ResidentsMut`] of a contiguous range of residents, and what is done to every column
/// (sizing, splitting into views, memory). `one`: one entry per resident; `kp`: one per
/// resident and platform (index `r × platforms + k`).
macro_rules! columns {
    ($($(#[$doc:meta])* $name:ident: $ty:ty = $default:expr, $per:ident;)*) => {
        /// All residents of a run.
        #[derive(Debug, Clone)]
        pub struct Residents {
            /// Platforms in the market.
            pub platforms: usize,
            $($(#[$doc])* pub $name: Vec<$ty>,)*
            /// The market's trust scale `s`: a resident in the market trusts platform k
            /// `trust_initial + s × trust_kp` (see [`trust_kp`](Self::trust_kp)).
            pub trust_scale: f64,
            /// Segments.
            pub segments: Vec<Segment>,
            /// Scenario values.
            pub c: ResidentsConfig,
        }

        /// The residents `start..start + len` of a run, borrowed to be changed; views of
        /// disjoint ranges can be changed on different threads.
        #[derive(Debug)]
        pub struct ResidentsMut<'a> {
            /// Index of the first resident in the view.
            pub start: usize,
            /// Platforms in the market.
            pub platforms: usize,
            $($(#[$doc])* pub $name: &'a mut [$ty],)*
            /// The market's trust scale (see [`Residents::trust_scale`]).
            pub scale: f64,
            /// Segments.
            pub segments: &'a [Segment],
            /// Scenario values.
            pub c: &'a ResidentsConfig,
        }

        impl Residents {
            fn with_columns(c: &ResidentsConfig, segments: Vec<Segment>, platforms: usize) -> Self {
                Residents { platforms, $($name: Vec::new(),)* trust_scale: 1.0, segments, c: c.clone() }
            }

            /// Grows (or shrinks) the population to `n` residents, new entries at defaults.
            pub fn resize(&mut self, n: usize) {
                let np = self.platforms;
                $(self.$name.resize(n * columns!(@width $per, np), $default);)*
            }

            /// `n` residents, every column zero (allocated zeroed, so the pages are first
            /// written by whoever fills them, and on huge pages where the kernel grants
            /// them: see [`pages`]): to be filled before use.
            pub fn zeroed(&mut self, n: usize) {
                let np = self.platforms;
                $(self.$name = vec![<$ty>::default(); n * columns!(@width $per, np)];
                pages::advise_huge(&mut self.$name);)*
            }

            /// Releases spare capacity once the population is complete.
            pub fn shrink_to_fit(&mut self) {
                $(self.$name.shrink_to_fit();)*
            }

            /// Bytes of memory the columns hold (capacity, not just length).
            pub fn heap_bytes(&self) -> usize {
                0 $(+ self.$name.capacity() * std::mem::size_of::<$ty>())*
            }

            /// Views of consecutive ranges of residents (`bounds` consecutive from 0).
            pub fn split_mut(&mut self, bounds: &[Range<usize>]) -> Vec<ResidentsMut<'_>> {
                let np = self.platforms;
                $(let mut $name = split_mut(&mut self.$name, bounds, columns!(@width $per, np));)*
                bounds
                    .iter()
                    .map(|b| ResidentsMut {
                        start: b.start,
                        platforms: np,
                        $($name: $name.next().unwrap_or_default(),)*
                        scale: self.trust_scale,
                        segments: &self.segments,
                        c: &self.c,
                    })
                    .collect()
            }
        }
    };
    (@width one, $np:expr) => { 1 };
    (@width kp, $np:expr) => { $np };
}

columns! {
    /// Segment index.
    segment: u8 = 0, one;
    /// Rate of its shopping trips, `−ln(1 − p)` for its daily shopping chance `p`: the days
    /// between trips are geometric (see [`next_action`]).
    shop_rate: f32 = 0.0, one;
    /// Units of each product chosen.
    qty: u8 = 1, one;
    /// Spend multiplier (Pareto draw).
    spend: f32 = 1.0, one;
    /// Attachment to the home leader, in [0, 1].
    attach: f32 = 0.0, one;
    /// Platform whose leader is home.
    home: u8 = 0, one;
    /// [`PROSPECT`], [`IN_MARKET`] or [`MOVED`].
    status: u8 = PROSPECT, one;
    /// Trust per platform (`r × platforms + k`), as its offset from `trust_initial`: for a
    /// resident in the market in the market's trust scale `s` (trust = `trust_initial +
    /// s × offset`, [`ResidentsMut::trust`]), so that the day's drift of everyone's trust
    /// towards `trust_initial` is one change of `s` ([`drift`]); for anyone else in scale 1.
    trust_kp: f32 = 0.0, kp;
    /// Shopping occasions elsewhere in a row, per platform.
    missed_kp: u8 = 0, kp;
    /// Last bad experience per platform ([`ChurnCause`] as u8, or [`NO_CAUSE`]).
    last_bad_kp: u8 = NO_CAUSE, kp;
    /// Day of that experience.
    last_bad_day_kp: u32 = 0, kp;
    /// Bit k: a customer of platform k.
    customer: u8 = 0, one;
    /// Bit k: holds a coupon of platform k.
    coupon: u8 = 0, one;
    /// [`EXPOSED`] and [`LEFT`] bits for the churn figures.
    flags: u8 = 0, one;
    /// Money spent over the run, yuan.
    spent_yuan: f32 = 0.0, one;
    /// The evening it next acts: `day × 2` to shop, `day × 2 + 1` to move away; [`NEVER`]
    /// while not in the market (see [`next_action`]).
    next_day: u32 = NEVER, one;
}

/// Below this trust scale the offsets of those in the market are brought back to scale 1
/// (every 1 104 days at the default drift of 0.01 a day, every day at a drift of 1).
pub const MIN_TRUST_SCALE: f64 = 1.0 / 65_536.0;

/// The counts the day's end reports, for one chunk of residents, kept as residents change
/// (so that the day's end need not walk every resident): residents in the market, of them
/// customers of some platform, customers of each platform, and the sum of the trust
/// offsets (`trust_kp`) of those in the market, per platform.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Census {
    /// Residents in the market.
    pub in_market: u64,
    /// Of them, customers of some platform.
    pub active: u64,
    /// Customers of each platform.
    pub customers: [u64; MAX_PLATFORMS],
    /// Trust offsets of the residents in the market, summed per platform.
    pub offset_sum: [f64; MAX_PLATFORMS],
}

impl Census {
    /// Adds `other`'s counts.
    pub fn add(&mut self, other: &Census) {
        self.in_market += other.in_market;
        self.active += other.active;
        for k in 0..MAX_PLATFORMS {
            self.customers[k] += other.customers[k];
            self.offset_sum[k] += other.offset_sum[k];
        }
    }

    /// Trust in platform `k` summed over the residents in the market, at trust scale `scale`.
    pub fn trust_sum(&self, k: usize, trust_initial: f64, scale: f64) -> f64 {
        trust_initial * self.in_market as f64 + scale * self.offset_sum[k]
    }
}

/// One resident's order at a cut-off: what it is to collect at the next pickup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    /// Resident index.
    pub resident: u32,
    /// Platform ordered from.
    pub platform: u8,
    /// Units of each product (the resident's `qty`, carried so that the pickup need not
    /// read the column).
    pub qty: u8,
    /// Products ordered (bit p), `qty` units each.
    pub basket: u64,
}

impl Residents {
    /// An empty population of `platforms` platforms; `segments` from the scenario (the
    /// defaults if empty).
    pub fn new(c: &ResidentsConfig, segments: &[SegmentConfig], platforms: usize) -> Self {
        let segs = if segments.is_empty() { crate::scenario::default_segments(c.order_prob_per_day) } else { segments.to_vec() };
        let segs = segs
            .iter()
            .map(|g| Segment {
                name: g.name.clone(),
                order_prob: g.order_prob_per_day.unwrap_or(c.order_prob_per_day),
                beta_price: g.beta_price,
                beta_trust: g.beta_trust,
                beta_attach: g.beta_attachment,
                beta_avail: g.beta_availability,
                outside_asc: g.outside_asc,
            })
            .collect();
        Self::with_columns(c, segs, platforms)
    }

    /// The distributions new residents are drawn from, with segment shares `shares`.
    pub fn draws(&self, shares: &[f64]) -> Draws {
        let c = &self.c;
        Draws {
            shares: shares.to_vec(),
            scales: self.segments.iter().map(|g| order_scale(g.order_prob, c.spend_pareto_shape)).collect(),
            trust: BetaByQuantiles::new(c.trust_initial, c.trust_concentration),
            attach: BetaByQuantiles::new(c.attachment_mean, 4.0),
            pareto: Pareto::new(1.0, c.spend_pareto_shape).ok(),
        }
    }

    /// Number of residents (in the market or not).
    pub fn len(&self) -> usize {
        self.status.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.status.is_empty()
    }

    /// Resident `r`'s trust in platform `k`.
    pub fn trust(&self, r: usize, k: usize) -> f64 {
        self.c.trust_initial + offset_scale(self.status[r], self.trust_scale) * self.trust_kp[r * self.platforms + k] as f64
    }

    /// A view of all residents.
    pub fn all_mut(&mut self) -> ResidentsMut<'_> {
        let n = self.len();
        self.range_mut(0..n)
    }

    /// A view of the residents `range`.
    pub fn range_mut(&mut self, range: Range<usize>) -> ResidentsMut<'_> {
        self.split_mut(&[0..range.start, range]).pop().unwrap_or_else(|| unreachable!("two ranges, two views"))
    }


    /// (residents exposed in the window, of them left the market at least once, of them
    /// not a customer of any platform now), among residents `range`.
    pub fn churn_counts(&self, range: Range<usize>) -> (u64, u64, u64) {
        let (mut exposed, mut left, mut lost) = (0, 0, 0);
        for r in range {
            if self.flags[r] & EXPOSED == 0 {
                continue;
            }
            exposed += 1;
            left += u64::from(self.flags[r] & LEFT != 0);
            lost += u64::from(self.status[r] != IN_MARKET || self.customer[r] == 0);
        }
        (exposed, left, lost)
    }

    /// Appends `n` residents (the first `active` in the market, the rest prospects), drawn
    /// from `draws`, home platform `home`.
    pub fn add<R: Rng + ?Sized>(&mut self, n: usize, active: usize, home: u8, draws: &Draws, rng: &mut R) -> Range<usize> {
        let start = self.len();
        self.resize(start + n);
        self.all_mut().fill(start..start + n, active, home, draws, rng);
        start..self.len()
    }
}

impl ResidentsMut<'_> {
    /// Starts the statistics window (after a warm-up): today's customers are exposed,
    /// nobody has left yet, nobody has spent anything. Returns (residents in the market,
    /// customers of each platform).
    pub fn start_window(&mut self) -> (u64, [u64; MAX_PLATFORMS]) {
        let mut in_market = 0;
        let mut customers = [0; MAX_PLATFORMS];
        for r in 0..self.status.len() {
            let here = self.status[r] == IN_MARKET;
            self.flags[r] = if here && self.customer[r] != 0 { EXPOSED } else { 0 };
            self.spent_yuan[r] = 0.0;
            in_market += u64::from(here);
            for (k, c) in customers.iter_mut().enumerate().take(self.platforms) {
                *c += u64::from(here && self.customer[r] & (1 << k) != 0);
            }
        }
        (in_market, customers)
    }

    /// The counts of the view's residents, counted afresh.
    pub fn census(&self) -> Census {
        let np = self.platforms;
        let mut c = Census::default();
        for i in 0..self.status.len() {
            if self.status[i] != IN_MARKET {
                continue;
            }
            c.in_market += 1;
            c.active += u64::from(self.customer[i] != 0);
            for k in 0..np {
                c.customers[k] += u64::from(self.customer[i] >> k & 1);
                c.offset_sum[k] += self.trust_kp[i * np + k] as f64;
            }
        }
        c
    }

    /// The prospects `range` (global indices, inside the view) join the market: their
    /// trust offsets are brought into the market's scale; `census` counts them (in the
    /// market, not yet anyone's customers).
    pub fn join(&mut self, range: Range<usize>, census: &mut Census) {
        let np = self.platforms;
        for r in range {
            let i = r - self.start;
            debug_assert!(self.status[i] == PROSPECT && self.customer[i] == 0, "resident {r} joins from status {}", self.status[i]);
            self.status[i] = IN_MARKET;
            census.in_market += 1;
            for k in 0..np {
                let y = &mut self.trust_kp[i * np + k];
                *y = (*y as f64 / self.scale) as f32;
                census.offset_sum[k] += *y as f64;
            }
        }
    }

    /// The trust scale of local resident `i`'s offsets: the market's while it is in the
    /// market, 1 otherwise.
    fn scale_of(&self, i: usize) -> f64 {
        offset_scale(self.status[i], self.scale)
    }

    /// Local resident `i`'s trust in platform `k`.
    pub fn trust(&self, i: usize, k: usize) -> f64 {
        self.c.trust_initial + self.scale_of(i) * self.trust_kp[i * self.platforms + k] as f64
    }

    /// Sets local resident `i`'s trust in platform `k` to `t`; `census` follows its offset
    /// while it is in the market.
    fn set_trust(&mut self, i: usize, k: usize, t: f64, census: &mut Census) {
        let j = i * self.platforms + k;
        let old = self.trust_kp[j];
        self.trust_kp[j] = ((t - self.c.trust_initial) / self.scale_of(i)) as f32;
        if self.status[i] == IN_MARKET {
            census.offset_sum[k] += self.trust_kp[j] as f64 - old as f64;
        }
    }

    /// Draws residents `range` (global indices, inside the view): the first `active` in the
    /// market, the rest prospects, home platform `home`.
    pub fn fill<R: Rng + ?Sized>(&mut self, range: Range<usize>, active: usize, home: u8, d: &Draws, rng: &mut R) {
        let c = self.c;
        let np = self.platforms;
        let total: f64 = d.shares.iter().sum();
        for (i, r) in range.enumerate() {
            let r = r - self.start;
            let seg = segment_of(&d.shares, rng.random::<f64>() * total);
            let m: f64 = d.pareto.as_ref().map_or(1.0, |x| x.sample(rng)).min(2000.0);
            let p = (d.scales[seg] * m).min(0.95);
            self.segment[r] = seg as u8;
            self.shop_rate[r] = rate(p) as f32;
            self.qty[r] = order_qty(m);
            self.spend[r] = m as f32;
            self.attach[r] = d.attach.as_ref().map_or(c.attachment_mean, |b| b.sample(rng)) as f32;
            self.home[r] = home;
            self.status[r] = if i < active { IN_MARKET } else { PROSPECT };
            self.next_day[r] = NEVER;
            let kp = r * np..(r + 1) * np;
            for t in &mut self.trust_kp[kp.clone()] {
                *t = (d.trust.as_ref().map_or(c.trust_initial, |b| b.sample(rng)) - c.trust_initial) as f32;
            }
            self.missed_kp[kp.clone()].fill(0);
            self.last_bad_kp[kp.clone()].fill(NO_CAUSE);
            self.last_bad_day_kp[kp].fill(0);
            self.customer[r] = if i < active { 1 << home } else { 0 };
            self.coupon[r] = 0;
            self.flags[r] = if i < active { EXPOSED } else { 0 };
            self.spent_yuan[r] = 0.0;
        }
    }

    /// Draws when each resident of `range` (global indices) in the market next acts, from
    /// the evening `from_day` on, each from its own stream of `streams`.
    pub fn schedule(&mut self, range: Range<usize>, from_day: u64, streams: AgentStreams) {
        let move_rate = rate(self.c.base_churn_prob_per_day);
        for r in range {
            let i = r - self.start;
            if self.status[i] == IN_MARKET {
                self.next_day[i] = next_action(from_day, self.shop_rate[i] as f64, move_rate, &mut streams.agent(r as u64));
            }
        }
    }

    /// Records a bad experience of resident `r` with platform `k` on `day`.
    pub fn remember(&mut self, r: usize, k: usize, cause: ChurnCause, day: u64) {
        let i = (r - self.start) * self.platforms + k;
        self.last_bad_kp[i] = cause as u8;
        self.last_bad_day_kp[i] = day.min(u32::MAX as u64) as u32;
    }

    /// Trust change of resident `r` in platform `k` after a pickup with `missing` units
    /// out of stock and `defective` defective units: up `recovery_rate` of the way to 1
    /// when nothing went wrong, else down by the penalties (floored at 0). Remembers the
    /// bad experience. Returns whether anything went wrong. (`census`: the chunk's counts.)
    #[allow(clippy::too_many_arguments)]
    pub fn experience(&mut self, r: usize, k: usize, missing: u32, defective: u32, day: u64, census: &mut Census) -> bool {
        let i = r - self.start;
        let t = self.trust(i, k);
        if missing == 0 && defective == 0 {
            self.set_trust(i, k, t + self.c.recovery_rate * (1.0 - t), census);
            return false;
        }
        let t = t - self.c.stockout_penalty * missing as f64 - self.c.defect_penalty * defective as f64;
        self.set_trust(i, k, t.max(0.0), census);
        self.remember(r, k, if defective > 0 { ChurnCause::Defect } else { ChurnCause::Stockout }, day);
        true
    }

    /// Adds `delta` to resident `r`'s trust in `k`, kept in [0, 1] (`census`: the chunk's
    /// counts).
    pub fn nudge_trust(&mut self, r: usize, k: usize, delta: f64, census: &mut Census) {
        let i = r - self.start;
        let t = (self.trust(i, k) + delta).clamp(0.0, 1.0);
        self.set_trust(i, k, t, census);
    }
}

/// The scale of the trust offsets of a resident of `status`: the market's `scale` while it
/// is in the market, 1 otherwise (see `trust_kp`).
fn offset_scale(status: u8, scale: f64) -> f64 {
    if status == IN_MARKET { scale } else { 1.0 }
}

/// `prob` in [0, 1] as a threshold for comparing with a uniform `u64`.
pub fn u64_threshold(prob: f64) -> u64 {
    if prob >= 1.0 { u64::MAX } else { (prob.max(0.0) * 18_446_744_073_709_551_616.0) as u64 }
}

/// Share of total `spent` brought by the top `top` share of residents (e.g. 0.2): a
/// selection of the top, not a sort of all. Takes the values (reordered in place).
pub fn top_share(mut spent: Vec<f32>, top: f64) -> f64 {
    let total: f64 = spent.iter().map(|&x| x as f64).sum();
    if total <= 0.0 || spent.is_empty() {
        return 0.0;
    }
    let n = ((spent.len() as f64 * top).round() as usize).clamp(1, spent.len());
    spent.select_nth_unstable_by(n - 1, |a, b| b.total_cmp(a));
    spent[..n].iter().map(|&x| x as f64).sum::<f64>() / total
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::engine::RunSeed;

    pub(crate) fn population(n: usize, platforms: usize) -> Residents {
        population_of(&ResidentsConfig { base_churn_prob_per_day: 0.0, ..ResidentsConfig::default() }, n, platforms)
    }

    /// `n` residents, all in the market, drawn with `c` but trusting all but equally
    /// (`trust_concentration` 10⁶), every segment equally likely.
    pub(crate) fn population_of(c: &ResidentsConfig, n: usize, platforms: usize) -> Residents {
        drawn(&ResidentsConfig { trust_concentration: 1e6, ..c.clone() }, n, platforms)
    }

    /// `n` residents, all in the market, drawn with `c` as it is, every segment equally
    /// likely.
    pub(crate) fn drawn(c: &ResidentsConfig, n: usize, platforms: usize) -> Residents {
        let mut res = Residents::new(c, &[], platforms);
        let mut rng = RunSeed::new(1, 0).stream("t", 0, 0);
        let shares: Vec<f64> = res.segments.iter().map(|_| 1.0).collect();
        let draws = res.draws(&shares);
        res.add(n, n, 0, &draws, &mut rng);
        res
    }

    /// `census` has the counts of `recount` and its offset sums within rounding.
    pub(crate) fn same_census(census: &Census, recount: &Census) {
        assert_eq!((census.in_market, census.active, census.customers), (recount.in_market, recount.active, recount.customers), "counts kept against counted afresh");
        for (a, b) in census.offset_sum.iter().zip(&recount.offset_sum) {
            assert!((a - b).abs() <= 1e-9 * (1.0 + b.abs()), "offsets summed {a}, counted afresh {b}");
        }
    }

    #[test]
    fn a_view_fills_its_own_residents_with_segments_by_their_shares() {
        // Two platforms, the three default segments at shares 3, 1 and 0 (not summing to
        // one), drawn into the second of two views: the first view's residents stay as
        // zeroed, each of the second's is filled, and about three in four are of the first
        // segment, none of the third.
        let mut res = Residents::new(&ResidentsConfig::default(), &[], 2);
        assert_eq!(res.segments.len(), 3);
        let draws = res.draws(&[3.0, 1.0, 0.0]);
        res.zeroed(40_000);
        let mut rng = RunSeed::new(4, 0).stream("t", 0, 0);
        let mut after = rng.clone();
        res.split_mut(&[0..10_000, 10_000..40_000])[1].fill(10_000..40_000, 20_000, 1, &draws, &mut rng);
        // Each resident drew its segment, spend, attachment and a trust per platform: five.
        (0..30_000 * 5).for_each(|_| _ = after.random::<u64>());
        assert_eq!(rng.random::<u64>(), after.random::<u64>());
        let active = |r: usize| r < 30_000;
        assert!((10_000..40_000).all(|r| res.customer[r] == if active(r) { 1 << 1 } else { 0 } && res.flags[r] == if active(r) { EXPOSED } else { 0 }));
        assert!(res.status[..10_000].iter().all(|&s| s == PROSPECT) && res.next_day[..10_000].iter().all(|&d| d == 0));
        assert!(res.status[10_000..30_000].iter().all(|&s| s == IN_MARKET) && res.status[30_000..].iter().all(|&s| s == PROSPECT));
        assert!(res.home[10_000..].iter().all(|&h| h == 1) && res.next_day[10_000..].iter().all(|&d| d == NEVER));
        assert!(res.last_bad_kp[..20_000].iter().all(|&b| b == 0) && res.last_bad_kp[20_000..].iter().all(|&b| b == NO_CAUSE));
        let first = res.segment[10_000..].iter().filter(|&&s| s == 0).count() as f64 / 30_000.0;
        assert!((first - 0.75).abs() < 0.015, "share of the first segment {first}");
        assert!(!res.segment.contains(&2));
    }

    #[test]
    fn a_zeroed_population_is_zero_and_asks_for_huge_pages() {
        // 4 Mi residents: every column holds a whole 2 MiB block (the one-byte columns are
        // 4 MiB long).
        let mut res = Residents::new(&ResidentsConfig::default(), &[], 2);
        let n = 2 * pages::HUGE_PAGE_BYTES;
        res.zeroed(n);
        assert_eq!((res.status.len(), res.trust_kp.len()), (n, 2 * n));
        assert!(res.next_day.iter().all(|&d| d == 0) && res.trust_kp.iter().all(|&t| t == 0.0));
        for (name, marked) in [("status", pages::marked_huge(&res.status)), ("next_day", pages::marked_huge(&res.next_day)), ("trust_kp", pages::marked_huge(&res.trust_kp))] {
            if let Some(marked) = marked {
                assert!(marked, "column {name} asks for huge pages");
            }
        }
    }

    #[test]
    fn good_pickup_recovers_bad_pickup_hurts() {
        let mut res = population(2, 1);
        let t0 = res.trust(0, 0);
        let mut census = Census::default();
        assert!(!res.all_mut().experience(0, 0, 0, 0, 1, &mut census));
        assert!(res.trust(0, 0) > t0);
        assert!(res.all_mut().experience(1, 0, 0, 3, 1, &mut census));
        assert!((res.trust(1, 0) - (0.8 - 3.0 * 0.12)).abs() < 1e-3);
        assert_eq!(res.last_bad_kp[1], ChurnCause::Defect as u8);
    }

    #[test]
    fn joining_keeps_a_prospects_trust_and_counts_it() {
        // Fifty residents in the market, fifty prospects; the market's trust scale at 0.3
        // (trust has drifted): a prospect's offset is in scale 1 until it joins, then in
        // the market's — its trust is the same either side of joining.
        let c = ResidentsConfig { trust_concentration: 20.0, ..ResidentsConfig::default() };
        let mut res = Residents::new(&c, &[], 2);
        let mut rng = RunSeed::new(1, 0).stream("t", 0, 0);
        let shares: Vec<f64> = res.segments.iter().map(|_| 1.0).collect();
        let draws = res.draws(&shares);
        res.add(100, 50, 0, &draws, &mut rng);
        res.trust_scale = 0.3;
        let before: Vec<f64> = (50..100).map(|r| res.trust(r, 1)).collect();
        let mut view = res.all_mut();
        let mut census = view.census();
        assert_eq!(census.in_market, 50);
        view.join(50..100, &mut census);
        assert_eq!(census.in_market, 100);
        same_census(&census, &view.census());
        for (j, r) in (50..100).enumerate() {
            assert!((res.trust(r, 1) - before[j]).abs() < 1e-6, "resident {r}: {} before joining, {} after", before[j], res.trust(r, 1));
        }
    }

    #[test]
    fn residents_are_compact() {
        let mut res = population(10_000, 2);
        res.shrink_to_fit();
        let per = res.heap_bytes() as f64 / res.len() as f64;
        // 27 bytes per resident plus 10 per platform (orders live in per-neighbourhood lists).
        assert_eq!(per, 47.0, "{per} bytes per resident");
    }

    #[test]
    fn default_spend_follows_the_80_20_rule() {
        let res = population(200_000, 1);
        // Expected spend ∝ shopping probability × units.
        let spend: Vec<f32> = (0..res.len()).map(|r| (1.0 - (-res.shop_rate[r]).exp()) * res.qty[r] as f32).collect();
        let s = top_share(spend, 0.2);
        assert!((0.7..0.9).contains(&s), "top-20 % share {s}");
    }

    #[test]
    fn the_top_share_is_that_of_the_largest_values() {
        // Ten residents: the top two spend 6 and 2 of 12.
        let spent = vec![1.0, 0.0, 6.0, 0.5, 0.5, 2.0, 0.5, 0.5, 0.5, 0.5];
        assert_eq!(top_share(spent.clone(), 0.2), 8.0 / 12.0);
        assert_eq!(top_share(spent.clone(), 0.1), 6.0 / 12.0);
        assert_eq!(top_share(spent, 1.0), 1.0);
        assert_eq!(top_share(vec![0.0; 4], 0.2), 0.0, "nothing spent");
        assert_eq!(top_share(Vec::new(), 0.2), 0.0);
    }
}
