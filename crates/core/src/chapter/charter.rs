//! A chapter's charter: its constitution in four layers, and the rules it
//! sets for governance, admission, roles, tiers and governance domains.
//!
//! - **Axioms** never change: an amendment that touches one is refused.
//! - **Articles** change only by a proposal that meets the article's own
//!   amendment rule (threshold, quorum, deliberation, ratification).
//! - **Statutes** and the charter's rules change by the ordinary procedure
//!   (a passed proposal, or a role holding [`Permission::EnactStatutes`]).
//! - **Executive orders** are issued under an article's authority by a role
//!   holding [`Permission::IssueOrders`], may expire, and may be revoked.
//!
//! Amounts are integers: shares are in percent, times in milliseconds.

use serde::{Deserialize, Serialize};

pub use super::permission::Permission;

use crate::identity::Did;

/// The most entries in any one charter list (articles, roles, …).
pub const MAX_ITEMS: usize = 64;
/// The longest name or id, in bytes.
pub const MAX_LABEL: usize = 200;
/// The longest text of an item, in bytes.
pub const MAX_TEXT: usize = 8 * 1024;

/// A chapter's constitution and rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Charter {
    /// What the chapter is for.
    pub purpose: String,
    /// Principles that can never change.
    pub axioms: Vec<Axiom>,
    /// Amendable articles, each with its own amendment rule.
    pub articles: Vec<Article>,
    /// Rules changed by the ordinary procedure.
    pub statutes: Vec<Statute>,
    /// Orders in force (issued under an article).
    pub orders: Vec<Order>,
    /// Named parameters that statutes and orders set.
    pub params: Vec<Param>,
    /// How the chapter decides.
    pub model: GovernanceModel,
    /// The default voting rules.
    pub voting: VotingRules,
    /// Who may join, and how.
    pub admission: AdmissionPolicy,
    /// Roles and what they permit.
    pub roles: Vec<Role>,
    /// What each membership tier permits, and its terms.
    pub tiers: TierRules,
    /// Roles the founders hold from genesis.
    pub founder_roles: Vec<String>,
    /// Scoped sub-areas with rules and members of their own.
    pub domains: Vec<GovDomain>,
}

/// An immutable principle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Axiom {
    /// A stable id, e.g. `AXIOM-001`.
    pub id: String,
    /// Its title.
    pub title: String,
    /// What it says.
    pub text: String,
}

/// An amendable article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Article {
    /// A stable id, e.g. `ARTICLE-II`.
    pub id: String,
    /// Its title.
    pub title: String,
    /// What it says.
    pub text: String,
    /// What changing it takes.
    pub amendment: AmendmentRule,
}

/// What amending an article takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmendmentRule {
    /// Share of votes cast in favour needed, in percent.
    pub threshold_pct: u32,
    /// Share of eligible members who must take part, in percent.
    pub quorum_pct: u32,
    /// Least time a proposal must be open for discussion first, in ms.
    pub deliberation_ms: u64,
    /// Whether a second vote must ratify the first.
    pub ratification: bool,
}

/// A statute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statute {
    /// A stable id, e.g. `STATUTE-budget`.
    pub id: String,
    /// Its title.
    pub title: String,
    /// What it says.
    pub text: String,
}

/// An executive order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    /// A stable id, e.g. `ORDER-2026-01`.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The article it is issued under.
    pub article: String,
    /// The parameters it changes.
    pub changes: Vec<ParamChange>,
    /// Who issued it (filled in from the op's author).
    pub issued_by: Option<Did>,
    /// When it lapses (claimed time, ms); `None`: until revoked.
    pub expires_at: Option<u64>,
}

/// A named parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    /// Its name.
    pub key: String,
    /// Its value.
    pub value: ParamValue,
}

/// A parameter's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamValue {
    /// An integer.
    Int(i64),
    /// A text.
    Text(String),
    /// Yes or no.
    Bool(bool),
}

impl std::fmt::Display for ParamValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParamValue::Int(v) => write!(f, "{v}"),
            ParamValue::Text(v) => write!(f, "{v:?}"),
            ParamValue::Bool(v) => write!(f, "{v}"),
        }
    }
}

/// A parameter change an order makes: from the old value to the new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamChange {
    /// The parameter.
    pub key: String,
    /// Its value before (must match what the charter holds).
    pub old: Option<ParamValue>,
    /// Its value after.
    pub new: ParamValue,
}

/// How a chapter decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GovernanceModel {
    /// Every member votes on everything.
    Direct,
    /// Members vote or delegate their vote.
    Liquid,
    /// Votes are weighted by trust.
    Meritocratic,
    /// Elected representatives vote.
    Council {
        /// Seats on the council.
        seats: u32,
        /// A councillor's term, in ms.
        term_ms: u64,
    },
    /// No binding votes: stewards coordinate.
    CoordinationOnly,
}

/// How votes are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoteMethod {
    /// More for than against.
    Majority,
    /// At least `threshold_pct` of votes cast are for.
    Supermajority {
        /// Percent.
        threshold_pct: u32,
    },
    /// Everyone who votes is for.
    Unanimous,
    /// Passes unless blocked by more than `max_blocks` members.
    Consent {
        /// Blocks tolerated.
        max_blocks: u32,
    },
    /// A consent round; if blocked, a supermajority vote.
    ConsensusWithFallback {
        /// Blocks tolerated in the consent round.
        max_blocks: u32,
        /// The fallback vote's threshold, in percent.
        fallback_pct: u32,
    },
    /// Each member spends voice credits; n votes cost n².
    Quadratic {
        /// Credits each eligible member has per proposal.
        credits: u32,
    },
    /// Votes weighted by trust.
    Meritocratic,
    /// Votes weighted by contributions, no member above `cap_pct`.
    ContributionWeighted {
        /// The cap, in percent (15 by default).
        cap_pct: u32,
    },
}

impl VoteMethod {
    /// The method in words.
    pub fn describe(&self) -> String {
        match self {
            VoteMethod::Majority => "simple majority".into(),
            VoteMethod::Supermajority { threshold_pct } => format!("{threshold_pct}% majority"),
            VoteMethod::Unanimous => "unanimity".into(),
            VoteMethod::Consent { max_blocks: 0 } => "consent (no one blocks)".into(),
            VoteMethod::Consent { max_blocks } => format!("consent (up to {max_blocks} blocks)"),
            VoteMethod::ConsensusWithFallback { fallback_pct, .. } => {
                format!("consensus, then a {fallback_pct}% vote if blocked")
            }
            VoteMethod::Quadratic { credits } => {
                format!("quadratic voting ({credits} voice credits)")
            }
            VoteMethod::Meritocratic => "votes weighted by trust".into(),
            VoteMethod::ContributionWeighted { cap_pct } => {
                format!("votes weighted by contributions (at most {cap_pct}% each)")
            }
        }
    }
}

impl GovernanceModel {
    /// The model in words.
    pub fn describe(&self) -> String {
        match self {
            GovernanceModel::Direct => "direct democracy".into(),
            GovernanceModel::Liquid => "liquid democracy (votes may be delegated)".into(),
            GovernanceModel::Meritocratic => "meritocratic (weighted by trust)".into(),
            GovernanceModel::Council { seats, .. } => format!("an elected council of {seats}"),
            GovernanceModel::CoordinationOnly => "coordination by stewards".into(),
        }
    }
}

impl Admission {
    /// The way in, in words.
    pub fn describe(&self) -> String {
        match self {
            Admission::Open => "anyone may join".into(),
            Admission::Invite => "by invite".into(),
            Admission::Proposal => "by a vote of the chapter".into(),
            Admission::TrustGated { min_ppm } => {
                format!("with trust of at least {:.2}", f64::from(*min_ppm) / 1e6)
            }
            Admission::Reputation { min_ppm } => format!(
                "with the backing of at least {}% of full members",
                min_ppm / 10_000
            ),
        }
    }
}

/// Default voting rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VotingRules {
    /// How votes are counted.
    pub method: VoteMethod,
    /// Share of eligible members who must take part, in percent.
    pub quorum_pct: u32,
    /// Least discussion time before voting opens, in ms.
    pub deliberation_ms: u64,
    /// How long voting stays open, in ms.
    pub voting_ms: u64,
}

/// Who may join.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdmissionPolicy {
    /// The way in.
    pub kind: Admission,
    /// The tier a newcomer starts in.
    pub entry_tier: Tier,
    /// How long a provisional member stays provisional, in ms (then full).
    pub probation_ms: u64,
}

/// The ways into a chapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Admission {
    /// Anyone may join with a join op.
    Open,
    /// A join must present a valid invite.
    Invite,
    /// A join is an application; a passed membership proposal admits.
    Proposal,
    /// A join needs a trust score of at least `min_ppm` (parts per million).
    TrustGated {
        /// The bar.
        min_ppm: u32,
    },
    /// A join needs a reputation of at least `min_ppm`.
    Reputation {
        /// The bar.
        min_ppm: u32,
    },
}

/// Membership tiers, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Watches; takes no part.
    Observer,
    /// On probation.
    Provisional,
    /// A full member.
    Full,
    /// A supporter with standing.
    Patron,
    /// Looks after the chapter, for a term.
    Steward,
}

impl Tier {
    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Tier::Observer => "observer",
            Tier::Provisional => "provisional",
            Tier::Full => "full",
            Tier::Patron => "patron",
            Tier::Steward => "steward",
        }
    }
}

/// A role and what it permits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// Its name, e.g. `steward`.
    pub name: String,
    /// What it permits.
    pub permissions: Vec<Permission>,
}

/// What each tier permits, and tier terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierRules {
    /// Per tier, what it permits on its own (roles add to it).
    pub permissions: Vec<(Tier, Vec<Permission>)>,
    /// A steward's term, in ms (then the member is a full member again);
    /// `None`: no term.
    pub steward_term_ms: Option<u64>,
}

impl TierRules {
    /// What `tier` permits.
    pub fn of(&self, tier: Tier) -> &[Permission] {
        self.permissions
            .iter()
            .find(|(t, _)| *t == tier)
            .map(|(_, p)| p.as_slice())
            .unwrap_or(&[])
    }
}

/// A governance domain: a scoped sub-area (finance, a working circle).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GovDomain {
    /// A stable id, e.g. `finance`.
    pub id: String,
    /// Its name.
    pub name: String,
    /// What it covers.
    pub purpose: String,
    /// Its own voting rules; `None`: the chapter's.
    pub voting: Option<VotingRules>,
    /// Its members; empty: every chapter member.
    pub members: Vec<Did>,
}

impl Charter {
    /// The role named `name`.
    pub fn role(&self, name: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.name == name)
    }

    /// The article with id `id`.
    pub fn article(&self, id: &str) -> Option<&Article> {
        self.articles.iter().find(|a| a.id == id)
    }

    /// The axiom with id `id`.
    pub fn axiom(&self, id: &str) -> Option<&Axiom> {
        self.axioms.iter().find(|a| a.id == id)
    }

    /// A parameter's value, orders in force at `now` taken into account.
    pub fn param(&self, key: &str, now: u64) -> Option<&ParamValue> {
        let ordered = self
            .orders
            .iter()
            .rev()
            .filter(|o| o.expires_at.is_none_or(|e| now < e))
            .flat_map(|o| o.changes.iter().rev())
            .find(|c| c.key == key)
            .map(|c| &c.new);
        ordered.or_else(|| self.params.iter().find(|p| p.key == key).map(|p| &p.value))
    }

    /// The BLAKE3 hash of the canonical DAG-CBOR encoding.
    pub fn hash(&self) -> [u8; 32] {
        *blake3::hash(&serde_ipld_dagcbor::to_vec(self).expect("charters always encode")).as_bytes()
    }

    /// Checks sizes and uniqueness; what decoding asks of a charter.
    pub fn check_shape(&self) -> Result<(), &'static str> {
        let lists = [
            self.axioms.len(),
            self.articles.len(),
            self.statutes.len(),
            self.orders.len(),
            self.params.len(),
            self.roles.len(),
            self.domains.len(),
            self.founder_roles.len(),
        ];
        if lists.iter().any(|&n| n > MAX_ITEMS) {
            return Err("a charter list is too long");
        }
        if self.purpose.len() > MAX_TEXT {
            return Err("purpose too long");
        }
        let labels = self
            .axioms
            .iter()
            .map(|a| (&a.id, &a.title, &a.text))
            .chain(self.articles.iter().map(|a| (&a.id, &a.title, &a.text)))
            .chain(self.statutes.iter().map(|s| (&s.id, &s.title, &s.text)));
        for (id, title, text) in labels {
            if id.is_empty() || id.len() > MAX_LABEL || title.len() > MAX_LABEL {
                return Err("an id or title is empty or too long");
            }
            if text.len() > MAX_TEXT {
                return Err("an item's text is too long");
            }
        }
        if !unique(self.axioms.iter().map(|a| &a.id))
            || !unique(self.articles.iter().map(|a| &a.id))
            || !unique(self.statutes.iter().map(|s| &s.id))
            || !unique(self.orders.iter().map(|o| &o.id))
            || !unique(self.roles.iter().map(|r| &r.name))
            || !unique(self.domains.iter().map(|d| &d.id))
            || !unique(self.params.iter().map(|p| &p.key))
        {
            return Err("ids in a charter list must be unique");
        }
        if self
            .roles
            .iter()
            .any(|r| r.name.is_empty() || r.name.len() > MAX_LABEL)
        {
            return Err("a role name is empty or too long");
        }
        if self
            .founder_roles
            .iter()
            .any(|name| self.role(name).is_none())
        {
            return Err("a founder role is not defined");
        }
        let pct = |p: u32| p <= 100;
        if !pct(self.voting.quorum_pct)
            || self
                .articles
                .iter()
                .any(|a| !pct(a.amendment.threshold_pct) || !pct(a.amendment.quorum_pct))
        {
            return Err("a percentage is above 100");
        }
        Ok(())
    }
}

fn unique<'a>(ids: impl Iterator<Item = &'a String>) -> bool {
    let mut seen = std::collections::BTreeSet::new();
    ids.into_iter().all(|id| seen.insert(id))
}

/// A charter version: `major.minor.patch`. Articles changing bump the
/// major number, statutes and rules the minor one, orders the patch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Version {
    /// Articles.
    pub major: u32,
    /// Statutes and rules.
    pub minor: u32,
    /// Orders.
    pub patch: u32,
}

impl Version {
    /// The version of a charter at genesis.
    pub const FIRST: Version = Version {
        major: 1,
        minor: 0,
        patch: 0,
    };
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl std::str::FromStr for Version {
    type Err = &'static str;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s
            .trim_start_matches('v')
            .splitn(3, '.')
            .map(str::parse::<u32>);
        let mut next = || {
            parts
                .next()
                .and_then(Result::ok)
                .ok_or("expected MAJOR.MINOR.PATCH")
        };
        Ok(Version {
            major: next()?,
            minor: next()?,
            patch: next()?,
        })
    }
}
