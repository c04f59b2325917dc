//! Helpers for the governance tests: a chapter of members, proposals,
//! votes and closes as a member's node makes them.

use hearth_core::chapter::charter::{
    Admission, GovernanceModel, Role, Tier, VoteMethod, VotingRules,
};
use hearth_core::chapter::{ChapterOp, Founding, Permission, Refusal, Template};
use hearth_core::gov::{Action, Choice, GovOp, GovRefusal};
use hearth_core::op::Body;
use hearth_core::{Keypair, OpId};

use super::{DAY, Space, T0, key};

/// A chapter of `n` full members (key 1 founds it) under `voting` and `model`.
pub fn chapter(n: u8, voting: VotingRules, model: GovernanceModel) -> Space {
    let mut charter = Template::SmallCooperative.charter("Decide together");
    charter.voting = voting;
    charter.model = model;
    charter.admission.kind = Admission::Open;
    charter.roles.push(Role {
        name: "council".into(),
        permissions: vec![Permission::Vote],
    });
    let mut s = Space::found(
        &key(1),
        Some(Founding {
            charter,
            founders: vec![],
        }),
    );
    for i in 2..=n {
        s.chapter(
            &key(i),
            T0 + u64::from(i),
            ChapterOp::Join {
                invite: None,
                profile: None,
            },
        )
        .expect("join");
    }
    s
}

pub fn rules(method: VoteMethod, quorum_pct: u32) -> VotingRules {
    VotingRules {
        method,
        quorum_pct,
        deliberation_ms: DAY,
        voting_ms: 2 * DAY,
    }
}

pub fn gov(s: &mut Space, who: &Keypair, ts: u64, op: GovOp) -> Result<(), Refusal> {
    s.act(who, ts, Body::Gov(op))
}

pub fn propose(s: &mut Space, who: &Keypair, ts: u64, actions: Vec<Action>) -> OpId {
    gov(
        s,
        who,
        ts,
        GovOp::Propose {
            title: "Admit Erin".into(),
            text: "She has helped at every market since spring.".into(),
            domain: None,
            actions,
            draft: false,
        },
    )
    .expect("propose");
    s.last()
}

pub fn vote(s: &mut Space, who: u8, ts: u64, p: OpId, choice: Choice) -> Result<(), Refusal> {
    votes(s, who, ts, p, choice, 1)
}

pub fn votes(
    s: &mut Space,
    who: u8,
    ts: u64,
    p: OpId,
    choice: Choice,
    n: u32,
) -> Result<(), Refusal> {
    gov(
        s,
        &key(who),
        ts,
        GovOp::Vote {
            proposal: p,
            choice,
            votes: n,
        },
    )
}

/// The votes a closer holding this replica names.
pub fn seen_votes(s: &Space, p: OpId) -> Vec<OpId> {
    let mut v: Vec<OpId> = s.view.chapter().gov.proposals[&p]
        .ballots
        .values()
        .map(|b| b.op)
        .collect();
    v.sort();
    v
}

pub fn close(s: &mut Space, who: u8, ts: u64, p: OpId) -> Result<(), Refusal> {
    let votes = seen_votes(s, p);
    gov(s, &key(who), ts, GovOp::Close { proposal: p, votes })
}

pub fn status(s: &Space, p: OpId) -> &'static str {
    s.view.chapter().gov.proposals[&p].status.name()
}

pub fn erin() -> Action {
    Action::AddMember {
        member: key(9).did(),
        tier: Tier::Full,
        roles: vec![],
    }
}

pub fn gov_refusal(r: Result<(), Refusal>) -> GovRefusal {
    match r {
        Err(Refusal::Governance(g)) => *g,
        other => panic!("expected a governance refusal, got {other:?}"),
    }
}

pub const OPEN: u64 = T0 + DAY + 100;
pub const AFTER: u64 = T0 + 3 * DAY + 200;
