//! [`Rules`] for the governing ops of a space: what each chapter op
//! requires, and what it changes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::charter::{Admission, Permission, Tier, Version};
use super::members::{Chapter, CharterVersion, Invite, Status};
use super::op::{ChapterOp, Founding, InviteUse, Refusal};
use super::template;
use crate::context::Rules;
use crate::identity::Did;
use crate::ids::{OpId, SpaceId};
use crate::op::Body;

/// A governing op as the chapter's fold needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The op's space.
    pub space: SpaceId,
    /// Its author.
    pub author: Did,
    /// Its claimed time.
    pub ts: u64,
    /// What it says.
    pub body: Body,
}

/// The chapter of a space as of some context (`None` before genesis).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChapterState(pub Option<Chapter>);

impl ChapterState {
    /// The chapter, once founded.
    pub fn chapter(&self) -> Option<&Chapter> {
        self.0.as_ref()
    }

    fn founded(&self) -> Result<&Chapter, Refusal> {
        self.0.as_ref().ok_or(Refusal::WrongSpace)
    }

    fn check_join(
        c: &Chapter,
        author: &Did,
        at: u64,
        invite: &Option<InviteUse>,
    ) -> Result<(), Refusal> {
        c.admissible(author)?;
        if let Some(Status::Removed { .. }) = c.members.get(author).map(|m| &m.status) {
            return Err(Refusal::WasRemoved(*author));
        }
        let policy = c.charter().admission;
        match (policy.kind, invite) {
            (Admission::Invite | Admission::Open, Some(used)) => check_invite(c, used, at),
            (Admission::Invite, None) => Err(Refusal::InviteRequired),
            (Admission::Open, None) => Ok(()),
            (Admission::Proposal, _) if c.applicants.contains_key(author) => {
                Err(Refusal::AlreadyApplied(*author))
            }
            (Admission::Proposal, _) => Ok(()),
            (Admission::TrustGated { min_ppm }, _) => {
                let score_ppm = c.trust_ppm(author, at);
                if score_ppm < min_ppm {
                    return Err(Refusal::BelowTrust { score_ppm, min_ppm });
                }
                Ok(())
            }
            (Admission::Reputation { min_ppm }, _) => {
                let score_ppm = c.reputation_ppm(author, at);
                if score_ppm < min_ppm {
                    return Err(Refusal::BelowReputation { score_ppm, min_ppm });
                }
                Ok(())
            }
        }
    }

    fn check_chapter_op(c: &Chapter, r: &Record, op: &ChapterOp) -> Result<(), Refusal> {
        let (me, at) = (&r.author, r.ts);
        match op {
            ChapterOp::Join { invite, .. } => Self::check_join(c, me, at, invite),
            ChapterOp::Invite {
                expires_at, tier, ..
            } => {
                let held = c.require(me, at, Permission::Invite)?;
                if *expires_at <= at {
                    return Err(Refusal::ExpiryInPast);
                }
                c.may_give_tier(&held, *tier)
            }
            ChapterOp::RevokeInvite { invite } => {
                let found = c
                    .invites
                    .get(invite)
                    .ok_or(Refusal::UnknownInvite(*invite))?;
                if found.by != *me {
                    c.require(me, at, Permission::ManageMembership)?;
                }
                Ok(())
            }
            ChapterOp::Admit { member, tier } => {
                let held = c.require(me, at, Permission::ManageMembership)?;
                c.admissible(member)?;
                c.may_give_tier(&held, *tier)
            }
            ChapterOp::Suspend { member, .. }
            | ChapterOp::Remove { member, .. }
            | ChapterOp::Reinstate { member, .. } => {
                // An emergency with the power to suspend lets those who may
                // declare emergencies suspend without managing membership.
                let emergency = matches!(op, ChapterOp::Suspend { .. })
                    && c.gov.emergency_at(at).is_some_and(|e| {
                        e.emergency
                            .powers
                            .contains(&crate::gov::Power::SuspendMembers)
                    });
                let held = match c.require(me, at, Permission::ManageMembership) {
                    Err(_) if emergency => c.require(me, at, Permission::DeclareEmergency)?,
                    other => other?,
                };
                if member == me {
                    return Err(Refusal::SelfAction);
                }
                let target = c.members.get(member).ok_or(Refusal::NotMember(*member))?;
                if !target.is_current() {
                    return Err(Refusal::Exited(*member));
                }
                if matches!(op, ChapterOp::Reinstate { .. })
                    && !matches!(target.status, Status::Suspended { .. })
                {
                    return Err(Refusal::AlreadyMember(*member));
                }
                c.may_act_on(&held, member, at)
            }
            ChapterOp::Leave { .. } => {
                let m = c.members.get(me).ok_or(Refusal::NotMember(*me))?;
                if m.is_current() {
                    Ok(())
                } else {
                    Err(Refusal::Exited(*me))
                }
            }
            ChapterOp::SetTier { member, tier } => {
                let held = c.require(me, at, Permission::ManageRoles)?;
                c.active(member, at)?;
                c.may_act_on(&held, member, at)?;
                c.may_give_tier(&held, *tier)
            }
            ChapterOp::Grant { member, role } | ChapterOp::Revoke { member, role } => {
                let held = c.require(me, at, Permission::ManageRoles)?;
                let target = c.active(member, at)?;
                let defined = c
                    .charter()
                    .role(role)
                    .ok_or_else(|| Refusal::UnknownRole(role.clone()))?;
                let gives: BTreeSet<Permission> = defined.permissions.iter().copied().collect();
                if !gives.is_subset(&held) {
                    return Err(Refusal::RoleEscalation(format!(
                        "the role {role:?} gives more than the author holds"
                    )));
                }
                match op {
                    ChapterOp::Grant { .. } if target.roles.contains(role) => {
                        Err(Refusal::Duplicate(format!("role {role:?} for {member}")))
                    }
                    ChapterOp::Revoke { .. } if !target.roles.contains(role) => {
                        Err(Refusal::RoleNotHeld {
                            member: *member,
                            role: role.clone(),
                        })
                    }
                    _ => Ok(()),
                }
            }
            ChapterOp::Vouch { subject, .. } | ChapterOp::Trust { subject, .. } => {
                c.require(me, at, Permission::Post)?;
                if subject == me {
                    return Err(Refusal::SelfAction);
                }
                Ok(())
            }
            ChapterOp::Distrust { subject, context } => {
                c.require(me, at, Permission::Post)?;
                let held = c
                    .trust
                    .get(subject)
                    .is_some_and(|from| from.contains_key(&(*me, context.clone())));
                if held {
                    Ok(())
                } else {
                    Err(Refusal::Unknown(format!(
                        "trust edge to {subject} in {context}"
                    )))
                }
            }
            ChapterOp::Attest { chapter, .. } => {
                c.require(me, at, Permission::EnactStatutes)?;
                if *chapter == c.id {
                    return Err(Refusal::SelfAction);
                }
                Ok(())
            }
            ChapterOp::Amend { change } => {
                super::amend::authorize(c, me, at, change)?;
                super::amend::apply(c.charter(), change, me, at).map(drop)
            }
            ChapterOp::Profile(_) => c.require(me, at, Permission::Post).map(drop),
        }
    }

    fn effect_chapter_op(c: &mut Chapter, id: &OpId, r: &Record, op: &ChapterOp) {
        let (me, at) = (r.author, r.ts);
        match op {
            ChapterOp::Join { invite, .. } => {
                let policy = c.charter().admission;
                // The same cases as `check_join`: an invite counts only
                // where the policy takes invites.
                match (policy.kind, invite) {
                    (Admission::Invite | Admission::Open, Some(used)) => {
                        let tier = match c.invites.get_mut(&used.invite) {
                            Some(inv) => {
                                inv.used += 1;
                                inv.tier
                            }
                            None => return,
                        };
                        c.admit(me, tier, *id, at);
                    }
                    (Admission::Proposal, _) => {
                        c.applicants.insert(me, *id);
                    }
                    _ => c.admit(me, policy.entry_tier, *id, at),
                }
            }
            ChapterOp::Invite {
                code_hash,
                expires_at,
                max_uses,
                tier,
            } => {
                c.invites.insert(
                    *id,
                    Invite {
                        by: me,
                        code_hash: *code_hash,
                        expires_at: *expires_at,
                        max_uses: *max_uses,
                        used: 0,
                        tier: *tier,
                        revoked: false,
                    },
                );
            }
            ChapterOp::RevokeInvite { invite } => {
                if let Some(i) = c.invites.get_mut(invite) {
                    i.revoked = true;
                }
            }
            ChapterOp::Admit { member, tier } => c.admit(*member, *tier, *id, at),
            ChapterOp::Suspend {
                member,
                until,
                reason,
            } => {
                c.enforcements.insert(*id, *member);
                set_status(
                    c,
                    member,
                    Status::Suspended {
                        until: *until,
                        reason: reason.clone(),
                    },
                )
            }
            ChapterOp::Reinstate { member, .. } => set_status(c, member, Status::Active),
            ChapterOp::Remove { member, reason } => {
                c.enforcements.insert(*id, *member);
                set_status(
                    c,
                    member,
                    Status::Removed {
                        at,
                        reason: reason.clone(),
                        by: me,
                    },
                )
            }
            ChapterOp::Leave { reason } => set_status(
                c,
                &me,
                Status::Left {
                    at,
                    reason: reason.clone(),
                },
            ),
            ChapterOp::SetTier { member, tier } => {
                let term = c.charter().tiers.steward_term_ms;
                let probation = c.charter().admission.probation_ms;
                if let Some(m) = c.members.get_mut(member) {
                    m.tier = *tier;
                    m.tier_until = match tier {
                        Tier::Steward => term.map(|t| at + t),
                        Tier::Provisional if probation > 0 => Some(at + probation),
                        _ => None,
                    };
                }
            }
            ChapterOp::Grant { member, role } => {
                if let Some(m) = c.members.get_mut(member) {
                    m.grant(role, at);
                }
            }
            ChapterOp::Revoke { member, role } => {
                if let Some(m) = c.members.get_mut(member) {
                    m.revoke(role);
                }
            }
            ChapterOp::Vouch { subject, trust_ppm } => {
                let edge = crate::trust::Edge {
                    ppm: *trust_ppm,
                    since: at,
                    expires_at: None,
                    class: crate::trust::TrustClass::Known,
                };
                crate::trust::set_edge(c, me, *subject, crate::trust::GENERAL, Some(edge));
            }
            ChapterOp::Trust {
                subject,
                context,
                class,
                trust_ppm,
                expires_at,
            } => {
                let edge = crate::trust::Edge {
                    ppm: *trust_ppm,
                    since: at,
                    expires_at: *expires_at,
                    class: *class,
                };
                crate::trust::set_edge(c, me, *subject, context, Some(edge));
            }
            ChapterOp::Distrust { subject, context } => {
                crate::trust::set_edge(c, me, *subject, context, None);
            }
            ChapterOp::Attest {
                chapter,
                trust_ppm,
                expires_at,
            } => {
                crate::trust::federation::attest(c, *chapter, *trust_ppm, *expires_at, at, *id);
            }
            ChapterOp::Amend { change } => {
                if let Ok(charter) = super::amend::apply(c.charter(), change, &me, at) {
                    super::amend::record_version(c, charter, change, *id, at);
                }
            }
            ChapterOp::Profile(_) => {}
        }
    }
}

fn set_status(c: &mut Chapter, member: &Did, status: Status) {
    if let Some(m) = c.members.get_mut(member) {
        m.status = status;
    }
}

fn check_invite(c: &Chapter, used: &InviteUse, at: u64) -> Result<(), Refusal> {
    let inv = c
        .invites
        .get(&used.invite)
        .ok_or(Refusal::UnknownInvite(used.invite))?;
    if inv.revoked {
        return Err(Refusal::InviteRevoked);
    }
    if at >= inv.expires_at {
        return Err(Refusal::InviteExpired {
            expires_at: inv.expires_at,
            at,
        });
    }
    if inv.used >= inv.max_uses {
        return Err(Refusal::InviteUsedUp { uses: inv.max_uses });
    }
    if super::invite_code_hash(&used.code) != inv.code_hash {
        return Err(Refusal::WrongInviteCode);
    }
    Ok(())
}

/// A new chapter from its genesis.
fn found(id: &OpId, r: &Record, name: &str, founding: Option<&Founding>) -> Chapter {
    let charter = match founding {
        Some(f) => f.charter.clone(),
        None => template::plain(name),
    };
    let roles: BTreeSet<String> = charter.founder_roles.iter().cloned().collect();
    let founders: Vec<Did> = std::iter::once(r.author)
        .chain(founding.iter().flat_map(|f| f.founders.iter().copied()))
        .collect();
    let version = CharterVersion {
        version: Version::FIRST,
        hash: charter.hash(),
        op: *id,
        at: r.ts,
        summary: "founded".into(),
        charter: Arc::new(charter),
    };
    let mut c = Chapter {
        id: r.space,
        name: name.to_owned(),
        genesis: *id,
        creator: r.author,
        created_at: r.ts,
        versions: vec![version],
        members: BTreeMap::new(),
        invites: BTreeMap::new(),
        applicants: BTreeMap::new(),
        trust: BTreeMap::new(),
        trust_out: BTreeMap::new(),
        attestations: BTreeMap::new(),
        identities: BTreeMap::new(),
        key_owner: BTreeMap::new(),
        enforcements: BTreeMap::new(),
        gov: crate::gov::Governance::default(),
        ledger: crate::ledger::LedgerRules::default(),
    };
    for did in founders {
        c.admit(did, Tier::Full, *id, r.ts);
        if let Some(m) = c.members.get_mut(&did) {
            for role in &roles {
                m.grant(role, r.ts);
            }
        }
    }
    c
}

impl Rules for ChapterState {
    type Record = Record;
    type Refusal = Refusal;

    fn check(&self, _id: &OpId, r: &Record) -> Result<(), Refusal> {
        if let Body::Genesis { .. } = &r.body {
            return match &self.0 {
                None => Ok(()),
                Some(_) => Err(Refusal::GenesisAgain),
            };
        }
        let founded = self.founded()?;
        if r.space != founded.id {
            return Err(Refusal::WrongSpace);
        }
        // What the op tells a waiting recovery holds before its own check,
        // as its effect will see it (rare: only while a recovery waits).
        let witnessed;
        let c = if super::keys::witnesses(founded, &r.author) {
            let mut w = founded.clone();
            super::keys::witness(&mut w, &r.author, r.ts);
            witnessed = w;
            &witnessed
        } else {
            founded
        };
        match &r.body {
            Body::AddMember { member } => {
                c.require(&r.author, r.ts, Permission::ManageMembership)?;
                c.admissible(member)
            }
            Body::RemoveMember { member } => {
                let held = c.require(&r.author, r.ts, Permission::ManageMembership)?;
                if *member == r.author {
                    return Err(Refusal::SelfAction);
                }
                c.active(member, r.ts)
                    .map_err(|_| Refusal::NotMember(*member))?;
                c.may_act_on(&held, member, r.ts)
            }
            Body::Chapter(op) => Self::check_chapter_op(c, r, op),
            Body::Gov(op) => crate::gov::rules::check(c, r, op).map_err(Refusal::from),
            Body::Ledger(op) => crate::ledger::rules::check(c, &r.author, r.ts, op),
            Body::Keys(events) => super::keys::check(c, events),
            _ => c.require(&r.author, r.ts, Permission::Post).map(drop),
        }
    }

    fn effect(&mut self, id: &OpId, r: &Record) {
        if let Body::Genesis { name, founding, .. } = &r.body {
            self.0 = Some(found(id, r, name, founding.as_deref()));
            return;
        }
        let Some(c) = self.0.as_mut() else { return };
        super::keys::witness(c, &r.author, r.ts);
        match &r.body {
            Body::AddMember { member } => {
                let tier = c.charter().admission.entry_tier;
                c.admit(*member, tier, *id, r.ts);
            }
            Body::RemoveMember { member } => set_status(
                c,
                member,
                Status::Removed {
                    at: r.ts,
                    reason: "removed".into(),
                    by: r.author,
                },
            ),
            Body::Chapter(op) => Self::effect_chapter_op(c, id, r, op),
            Body::Gov(op) => crate::gov::rules::effect(c, id, r, op),
            Body::Ledger(op) => crate::ledger::rules::effect(c, id, r.author, r.ts, op),
            Body::Keys(events) => super::keys::apply(c, events),
            _ => {}
        }
    }
}
