//! Charter templates: starting points a founder edits before genesis.

use super::charter::*;

const DAY: u64 = 24 * 60 * 60 * 1000;

/// The kinds of chapter the templates describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Template {
    /// A small cooperative: direct democracy, decisions by consent.
    SmallCooperative,
    /// A larger chapter: liquid delegation, majority votes with a quorum.
    LiquidAssembly,
    /// Ready to federate: an elected council decides.
    FederationReady,
}

impl Template {
    /// Every template.
    pub const ALL: [Template; 3] = [
        Template::SmallCooperative,
        Template::LiquidAssembly,
        Template::FederationReady,
    ];

    /// Its short name (`small-coop`, `liquid`, `federation`).
    pub fn slug(self) -> &'static str {
        match self {
            Template::SmallCooperative => "small-coop",
            Template::LiquidAssembly => "liquid",
            Template::FederationReady => "federation",
        }
    }

    /// A name for people.
    pub fn title(self) -> &'static str {
        match self {
            Template::SmallCooperative => "Small cooperative (direct democracy, consent)",
            Template::LiquidAssembly => "Larger chapter (liquid delegation)",
            Template::FederationReady => "Federation-ready (elected council)",
        }
    }

    /// The template named `slug`.
    pub fn from_slug(slug: &str) -> Option<Template> {
        Template::ALL.into_iter().find(|t| t.slug() == slug)
    }

    /// A charter for a chapter with purpose `purpose`.
    pub fn charter(self, purpose: &str) -> Charter {
        let (model, voting, admission) = match self {
            Template::SmallCooperative => (
                GovernanceModel::Direct,
                VotingRules {
                    method: VoteMethod::Consent { max_blocks: 0 },
                    quorum_pct: 50,
                    deliberation_ms: 3 * DAY,
                    voting_ms: 7 * DAY,
                },
                AdmissionPolicy {
                    kind: Admission::Invite,
                    entry_tier: Tier::Full,
                    probation_ms: 0,
                },
            ),
            Template::LiquidAssembly => (
                GovernanceModel::Liquid,
                VotingRules {
                    method: VoteMethod::Majority,
                    quorum_pct: 30,
                    deliberation_ms: 5 * DAY,
                    voting_ms: 7 * DAY,
                },
                AdmissionPolicy {
                    kind: Admission::Invite,
                    entry_tier: Tier::Provisional,
                    probation_ms: 30 * DAY,
                },
            ),
            Template::FederationReady => (
                GovernanceModel::Council {
                    seats: 5,
                    term_ms: 365 * DAY,
                },
                VotingRules {
                    method: VoteMethod::Supermajority { threshold_pct: 60 },
                    quorum_pct: 50,
                    deliberation_ms: 7 * DAY,
                    voting_ms: 7 * DAY,
                },
                AdmissionPolicy {
                    kind: Admission::Proposal,
                    entry_tier: Tier::Provisional,
                    probation_ms: 90 * DAY,
                },
            ),
        };
        Charter {
            purpose: purpose.to_owned(),
            axioms: axioms(),
            articles: articles(),
            statutes: vec![Statute {
                id: "STATUTE-meetings".into(),
                title: "Meetings".into(),
                text: "Members meet at least once a month; notes are posted to the chapter.".into(),
            }],
            orders: Vec::new(),
            params: vec![
                Param {
                    key: "meeting_interval_days".into(),
                    value: ParamValue::Int(30),
                },
                Param {
                    key: "appeal_window_days".into(),
                    value: ParamValue::Int(14),
                },
            ],
            model,
            voting,
            admission,
            roles: roles(),
            tiers: tiers(),
            founder_roles: vec!["steward".into()],
            domains: Vec::new(),
        }
    }
}

fn axioms() -> Vec<Axiom> {
    let axiom = |id: &str, title: &str, text: &str| Axiom {
        id: id.into(),
        title: title.into(),
        text: text.into(),
    };
    vec![
        axiom(
            "AXIOM-001",
            "Open records",
            "Every decision is a signed record that every member can check.",
        ),
        axiom(
            "AXIOM-002",
            "Right to exit",
            "Any member may leave at any time and take their own records with them.",
        ),
        axiom(
            "AXIOM-003",
            "Axioms are permanent",
            "These axioms cannot be amended.",
        ),
    ]
}

fn articles() -> Vec<Article> {
    let article = |id: &str, title: &str, text: &str, threshold_pct, deliberation_days| Article {
        id: id.into(),
        title: title.into(),
        text: text.into(),
        amendment: AmendmentRule {
            threshold_pct,
            quorum_pct: 50,
            deliberation_ms: deliberation_days * DAY,
            ratification: threshold_pct >= 75,
        },
    };
    vec![
        article(
            "ARTICLE-I",
            "Membership",
            "Membership is open to those admitted under the admission policy.",
            67,
            7,
        ),
        article(
            "ARTICLE-II",
            "Decisions",
            "Decisions are taken under the voting rules of this charter.",
            67,
            7,
        ),
        article(
            "ARTICLE-III",
            "Amendments",
            "Articles change only by a proposal meeting their amendment rule.",
            75,
            14,
        ),
        article(
            "ARTICLE-IV",
            "Stewardship",
            "Stewards may issue executive orders within the limits of this charter.",
            67,
            7,
        ),
    ]
}

fn roles() -> Vec<Role> {
    use Permission::*;
    vec![
        Role {
            name: "steward".into(),
            permissions: Permission::ALL.to_vec(),
        },
        Role {
            name: "facilitator".into(),
            permissions: vec![CreateProposal, Invite, ManageMembership],
        },
        Role {
            name: "treasurer".into(),
            permissions: vec![AllocateBudget],
        },
        Role {
            name: "mediator".into(),
            permissions: vec![Mediate],
        },
    ]
}

fn tiers() -> TierRules {
    use Permission::*;
    TierRules {
        permissions: vec![
            (Tier::Observer, vec![]),
            (Tier::Provisional, vec![Post, Vote]),
            (Tier::Full, vec![Post, CreateProposal, Vote, Invite]),
            (Tier::Patron, vec![Post, Vote]),
            (
                Tier::Steward,
                vec![
                    Post,
                    CreateProposal,
                    Vote,
                    Invite,
                    ManageMembership,
                    IssueOrders,
                ],
            ),
        ],
        steward_term_ms: Some(365 * DAY),
    }
}

/// The charter of a space created without one (a plain space): anyone may
/// join with a join op, the creator holds the steward role.
pub fn plain(purpose: &str) -> Charter {
    Charter {
        admission: AdmissionPolicy {
            kind: Admission::Open,
            entry_tier: Tier::Full,
            probation_ms: 0,
        },
        model: GovernanceModel::CoordinationOnly,
        ..Template::SmallCooperative.charter(purpose)
    }
}
