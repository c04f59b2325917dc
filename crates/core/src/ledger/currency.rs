//! Currencies a chapter defines: their credit policy and their demurrage,
//! all in integers (amounts in a currency's smallest unit, rates in parts
//! per million), so every node computes the same figures on any target.

use serde::{Deserialize, Serialize};

/// Parts per million: the unit of every rate and share in the ledger.
pub const PPM: u64 = 1_000_000;
/// The largest amount one entry moves (2^53: exact in JavaScript too).
pub const MAX_AMOUNT: u64 = 1 << 53;
/// The most decimals a currency may have.
pub const MAX_DECIMALS: u8 = 12;

/// A currency of a chapter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Currency {
    /// Its code: 1 to 12 capital letters or digits, e.g. `HOUR`.
    pub code: String,
    /// Its name, e.g. "Time bank hours".
    pub name: String,
    /// The unit shown after amounts, e.g. `h`.
    pub unit: String,
    /// Decimal places of the smallest unit (2: amounts count hundredths).
    pub decimals: u8,
    /// How much credit members get.
    pub credit: CreditPolicy,
    /// The decay of large positive balances, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demurrage: Option<Demurrage>,
}

/// How far below zero a member's balance may go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CreditPolicy {
    /// The same limit for everyone.
    Static {
        /// The limit.
        limit: u64,
    },
    /// `baseline + baseline × trust × trust_multiplier + cleared_volume ×
    /// history_rate`, capped at `max`, with an optional ramp for newcomers.
    Dynamic {
        /// The limit everyone starts from.
        baseline: u64,
        /// How much trust adds, in ppm of the baseline at full trust.
        trust_multiplier_ppm: u64,
        /// How much each unit of cleared volume adds, in ppm.
        history_rate_ppm: u64,
        /// The cap.
        max: u64,
        /// The ramp for new members.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ramp: Option<Ramp>,
    },
}

/// A new member's limit stays at `initial` until both the period has
/// passed since they joined and they have cleared the required volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ramp {
    /// The limit during the ramp.
    pub initial: u64,
    /// How long the ramp lasts at least, in milliseconds.
    pub period_ms: u64,
    /// The volume a member must clear to leave it.
    pub required_volume: u64,
}

/// What a member's credit limit is computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LimitInputs {
    /// Their trust, in ppm.
    pub trust_ppm: u32,
    /// What they have paid and received (claimed) so far.
    pub cleared_volume: u128,
    /// How long they have been a member, in milliseconds.
    pub membership_ms: u64,
}

impl CreditPolicy {
    /// The limit for a member with `inputs`.
    pub fn limit(&self, inputs: LimitInputs) -> u64 {
        match self {
            CreditPolicy::Static { limit } => *limit,
            CreditPolicy::Dynamic {
                baseline,
                trust_multiplier_ppm,
                history_rate_ppm,
                max,
                ramp,
            } => {
                let base = *baseline as u128;
                let trust = base
                    * u128::from(inputs.trust_ppm.min(PPM as u32))
                    * u128::from(*trust_multiplier_ppm)
                    / u128::from(PPM * PPM);
                let history = inputs
                    .cleared_volume
                    .saturating_mul(u128::from(*history_rate_ppm))
                    / u128::from(PPM);
                let full = (base + trust).saturating_add(history).min(u128::from(*max)) as u64;
                match ramp {
                    Some(r)
                        if inputs.membership_ms < r.period_ms
                            || inputs.cleared_volume < u128::from(r.required_volume) =>
                    {
                        r.initial.min(*max)
                    }
                    _ => full,
                }
            }
        }
    }
}

/// Demurrage: the part of a positive balance above `exempt` shrinks by
/// `rate_ppm` every `period_ms`, counted on a fixed grid of periods from
/// time zero, so the result depends only on the two times, not on how
/// often anyone looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Demurrage {
    /// The decay per period, in ppm (below 1,000,000).
    pub rate_ppm: u32,
    /// The period, in milliseconds.
    pub period_ms: u64,
    /// Balances up to this much never decay.
    pub exempt: u64,
}

/// Fixed point with 63 fractional bits: 1.0 is `ONE`.
const ONE: u128 = 1 << 63;

fn mul_q63(a: u128, b: u128) -> u128 {
    // Both at most ONE, so the product fits in 126 bits.
    (a * b) >> 63
}

impl Demurrage {
    /// Whole periods between `from` and `to` on the grid.
    pub fn periods(&self, from: u64, to: u64) -> u64 {
        (to / self.period_ms).saturating_sub(from / self.period_ms)
    }

    /// `(1 - rate)^n` in Q63, rounded down at every step (exponentiation
    /// by squaring: at most 128 multiplications for any `n`).
    fn factor(&self, mut n: u64) -> u128 {
        let mut base = (u128::from(PPM - u64::from(self.rate_ppm)) << 63) / u128::from(PPM);
        let mut acc = ONE;
        while n > 0 {
            if n & 1 == 1 {
                acc = mul_q63(acc, base);
            }
            base = mul_q63(base, base);
            n >>= 1;
            if acc == 0 {
                break;
            }
        }
        acc
    }

    /// The balance at `to` of a balance `balance` held since `from`:
    /// what is above the exemption decays; nothing else changes. The
    /// difference goes to the chapter's commons.
    pub fn decay(&self, balance: i128, from: u64, to: u64) -> i128 {
        let exempt = i128::from(self.exempt);
        if balance <= exempt || self.rate_ppm == 0 {
            return balance;
        }
        let n = self.periods(from, to);
        if n == 0 {
            return balance;
        }
        let excess = (balance - exempt) as u128;
        let f = self.factor(n);
        // excess × f / 2^63, exactly floored, without overflow: split the
        // excess into its high and low 64 bits.
        let (hi, lo) = (excess >> 64, excess & u128::from(u64::MAX));
        let kept = hi * f * 2 + ((lo * f) >> 63);
        exempt + kept.min(excess) as i128
    }
}

/// Why a currency definition is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CurrencyError {
    /// The code is not 1–12 capital letters or digits.
    #[error("a currency code is 1 to 12 capital letters or digits, not {0:?}")]
    Code(String),
    /// Too many decimals.
    #[error("a currency has at most {MAX_DECIMALS} decimals")]
    Decimals,
    /// A limit or amount beyond [`MAX_AMOUNT`].
    #[error("limits are at most {MAX_AMOUNT}")]
    TooLarge,
    /// A demurrage that cannot be computed.
    #[error("demurrage needs a period above zero and a rate below 100%")]
    Demurrage,
    /// A dynamic policy whose cap is below its baseline.
    #[error("the cap is below the baseline")]
    Cap,
}

impl Currency {
    /// Checks the definition's shape.
    pub fn check(&self) -> Result<(), CurrencyError> {
        let code_ok = (1..=12).contains(&self.code.len())
            && self
                .code
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if !code_ok {
            return Err(CurrencyError::Code(self.code.clone()));
        }
        if self.decimals > MAX_DECIMALS {
            return Err(CurrencyError::Decimals);
        }
        match &self.credit {
            CreditPolicy::Static { limit } if *limit > MAX_AMOUNT => {
                return Err(CurrencyError::TooLarge);
            }
            CreditPolicy::Dynamic {
                baseline,
                max,
                ramp,
                ..
            } => {
                if *max > MAX_AMOUNT || ramp.is_some_and(|r| r.initial > MAX_AMOUNT) {
                    return Err(CurrencyError::TooLarge);
                }
                if max < baseline {
                    return Err(CurrencyError::Cap);
                }
            }
            CreditPolicy::Static { .. } => {}
        }
        if let Some(d) = &self.demurrage
            && (d.period_ms == 0 || u64::from(d.rate_ppm) >= PPM)
        {
            return Err(CurrencyError::Demurrage);
        }
        Ok(())
    }

    /// An amount in the smallest unit, written with its decimals and unit.
    pub fn format(&self, amount: i128) -> String {
        let sign = if amount < 0 { "-" } else { "" };
        let a = amount.unsigned_abs();
        let text = if self.decimals == 0 {
            a.to_string()
        } else {
            let scale = 10u128.pow(u32::from(self.decimals));
            format!(
                "{}.{:0width$}",
                a / scale,
                a % scale,
                width = usize::from(self.decimals)
            )
        };
        format!("{sign}{text} {}", self.unit)
    }

    /// Parses an amount written with up to the currency's decimals
    /// ("12.5" → 1250 with two decimals).
    pub fn parse_amount(&self, text: &str) -> Option<u64> {
        let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
        let d = usize::from(self.decimals);
        if whole.is_empty() && frac.is_empty() || frac.len() > d {
            return None;
        }
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || !digits(frac) {
            return None;
        }
        let whole: u64 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let frac: u64 = if frac.is_empty() {
            0
        } else {
            format!("{frac:0<d$}").parse().ok()?
        };
        let amount = whole
            .checked_mul(10u64.checked_pow(u32::from(self.decimals))?)?
            .checked_add(frac)?;
        (amount <= MAX_AMOUNT).then_some(amount)
    }
}
