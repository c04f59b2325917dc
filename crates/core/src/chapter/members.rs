//! Members, invites and charter versions: a chapter as of some context,
//! and what its members may do.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::charter::{Charter, Permission, Tier, Version};
use super::op::{PPM, Refusal};
use crate::identity::Did;
use crate::ids::{OpId, SpaceId};

/// A member's standing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Takes part.
    Active,
    /// Suspended, until a time or until reinstated.
    Suspended {
        /// Until when.
        until: Option<u64>,
        /// Why.
        reason: String,
    },
    /// Left the chapter.
    Left {
        /// When.
        at: u64,
        /// Why, as they said.
        reason: String,
    },
    /// Removed from the chapter.
    Removed {
        /// When.
        at: u64,
        /// Why.
        reason: String,
        /// By whom.
        by: Did,
    },
}

/// A member record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Who.
    pub did: Did,
    /// When they were admitted (claimed time of the admitting op).
    pub joined_at: u64,
    /// The op that admitted them.
    pub admitted_by: OpId,
    /// Their tier.
    pub tier: Tier,
    /// When a provisional member's probation or a steward's term ends.
    pub tier_until: Option<u64>,
    /// Roles they hold.
    pub roles: BTreeSet<String>,
    /// When each role was given (claimed time): terms run from it.
    pub role_since: BTreeMap<String, u64>,
    /// Their standing.
    pub status: Status,
}

impl Member {
    /// Gives the role `role` at `at`.
    pub fn grant(&mut self, role: &str, at: u64) {
        if self.roles.insert(role.to_owned()) {
            self.role_since.insert(role.to_owned(), at);
        }
    }

    /// Takes the role `role`.
    pub fn revoke(&mut self, role: &str) {
        self.roles.remove(role);
        self.role_since.remove(role);
    }

    /// The tier in effect at `at`: probation and stewards' terms end.
    pub fn tier_at(&self, at: u64) -> Tier {
        match (self.tier, self.tier_until) {
            (Tier::Provisional | Tier::Steward, Some(end)) if at >= end => Tier::Full,
            (tier, _) => tier,
        }
    }

    /// Whether they take part at `at`.
    pub fn is_active(&self, at: u64) -> bool {
        match &self.status {
            Status::Active => true,
            Status::Suspended { until, .. } => until.is_some_and(|u| at >= u),
            _ => false,
        }
    }

    /// Whether they are still in the chapter (active or suspended).
    pub fn is_current(&self) -> bool {
        matches!(self.status, Status::Active | Status::Suspended { .. })
    }
}

/// An invite and how much of it is used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    /// Who made it.
    pub by: Did,
    /// BLAKE3 of its secret code.
    pub code_hash: [u8; 32],
    /// When it lapses.
    pub expires_at: u64,
    /// Joins it admits.
    pub max_uses: u32,
    /// Joins it admitted.
    pub used: u32,
    /// The tier it admits into.
    pub tier: Tier,
    /// Whether it was withdrawn.
    pub revoked: bool,
}

/// One version of the charter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharterVersion {
    /// Its number.
    pub version: Version,
    /// BLAKE3 of the canonical charter.
    pub hash: [u8; 32],
    /// The op that made it.
    pub op: OpId,
    /// When (claimed).
    pub at: u64,
    /// What changed.
    pub summary: String,
    /// The charter itself.
    pub charter: Arc<Charter>,
}

/// A chapter as of some context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chapter {
    /// Its space.
    pub id: SpaceId,
    /// Its name.
    pub name: String,
    /// Its genesis op.
    pub genesis: OpId,
    /// Who founded it (the genesis author).
    pub creator: Did,
    /// When (claimed).
    pub created_at: u64,
    /// Every charter version, oldest first; the last is in force.
    pub versions: Vec<CharterVersion>,
    /// Members, past and present.
    pub members: BTreeMap<Did, Member>,
    /// Invites, by op.
    pub invites: BTreeMap<OpId, Invite>,
    /// Open applications (proposal-based admission), with their op.
    pub applicants: BTreeMap<Did, OpId>,
    /// The trust graph's edges: subject → (truster, context) → edge.
    pub trust: crate::trust::Edges,
    /// The same edges by truster: truster → (subject, context) → edge.
    pub trust_out: crate::trust::Edges,
    /// Members' identity logs (only those with events), by member.
    pub identities: BTreeMap<Did, crate::keys::KeyState>,
    /// Every key that acts or acted for a member and is not their DID →
    /// the member.
    pub key_owner: BTreeMap<Did, Did>,
    /// Its trust in other chapters.
    pub attestations: BTreeMap<SpaceId, crate::trust::federation::Attestation>,
    /// Suspensions and removals (the op → whom it enforced on).
    pub enforcements: BTreeMap<OpId, Did>,
    /// Proposals, delegations, appeals, emergencies.
    pub gov: crate::gov::Governance,
    /// Currencies, limits, disputes and governance's entries.
    pub ledger: crate::ledger::LedgerRules,
}

impl Chapter {
    /// The charter in force.
    pub fn charter(&self) -> &Charter {
        &self
            .versions
            .last()
            .expect("a chapter has a charter")
            .charter
    }

    /// The version in force.
    pub fn version(&self) -> Version {
        self.versions
            .last()
            .expect("a chapter has a charter")
            .version
    }

    /// The charter at `version`.
    pub fn at_version(&self, version: Version) -> Option<&CharterVersion> {
        self.versions.iter().find(|v| v.version == version)
    }

    /// Members who are still in the chapter (active or suspended), by DID.
    pub fn current_members(&self) -> impl Iterator<Item = &Member> {
        self.members.values().filter(|m| m.is_current())
    }

    /// `did`'s record, if they take part at `at`.
    pub fn active(&self, did: &Did, at: u64) -> Result<&Member, Refusal> {
        let m = self.members.get(did).ok_or(Refusal::NotMember(*did))?;
        match &m.status {
            _ if m.is_active(at) => Ok(m),
            Status::Suspended { until, .. } => Err(Refusal::Suspended {
                member: *did,
                until: *until,
            }),
            _ => Err(Refusal::Exited(*did)),
        }
    }

    /// What `did` may do at `at`: their tier's permissions and their roles'.
    pub fn permissions(&self, did: &Did, at: u64) -> Result<BTreeSet<Permission>, Refusal> {
        let m = self.active(did, at)?;
        let charter = self.charter();
        let mut out: BTreeSet<Permission> =
            charter.tiers.of(m.tier_at(at)).iter().copied().collect();
        for role in &m.roles {
            if let Some(r) = charter.role(role) {
                out.extend(r.permissions.iter().copied());
            }
        }
        Ok(out)
    }

    /// Fails unless `did` may do `needed` at `at` (without collecting
    /// everything they may do: the check every ordinary op makes).
    pub fn allows(&self, did: &Did, at: u64, needed: Permission) -> Result<(), Refusal> {
        let m = self.active(did, at)?;
        let charter = self.charter();
        let by_role = || {
            m.roles.iter().any(|role| {
                charter
                    .role(role)
                    .is_some_and(|r| r.permissions.contains(&needed))
            })
        };
        if charter.tiers.of(m.tier_at(at)).contains(&needed) || by_role() {
            self.trust_gate(did, at, needed)
        } else {
            Err(Refusal::denied(needed))
        }
    }

    /// The trust gate on a permission: the charter parameter
    /// `min_trust_<permission>` (e.g. `min_trust_create_proposal`), in ppm of
    /// general-context trust, if set.
    pub fn trust_gate(&self, did: &Did, at: u64, needed: Permission) -> Result<(), Refusal> {
        match self.charter().param(needed.trust_gate_key(), at) {
            Some(super::charter::ParamValue::Int(min)) if *min > 0 => {
                let score = self.trust_ppm(did, at);
                let min_ppm = (*min).min(i64::from(PPM)) as u32;
                if score >= min_ppm {
                    Ok(())
                } else {
                    Err(Refusal::Violation {
                        rule: super::op::Rule::Permission(needed),
                        detail: format!(
                            "'{}' needs trust of {min_ppm} ppm; the author has {score}",
                            needed.name()
                        ),
                    })
                }
            }
            _ => Ok(()),
        }
    }

    /// `did`'s permissions, if they include `needed`.
    pub fn require(
        &self,
        did: &Did,
        at: u64,
        needed: Permission,
    ) -> Result<BTreeSet<Permission>, Refusal> {
        let held = self.permissions(did, at)?;
        if held.contains(&needed) {
            self.trust_gate(did, at, needed)?;
            Ok(held)
        } else {
            Err(Refusal::denied(needed))
        }
    }

    /// Direct trust in `subject` (general context): the most any active
    /// member gives, weighed by the edge's age (see [`crate::trust`]).
    pub fn trust_ppm(&self, subject: &Did, at: u64) -> u32 {
        crate::trust::Graph::new(self, at).direct(subject, crate::trust::GENERAL)
    }

    /// Reputation of `subject`: the share of active full members (or
    /// higher) who give them at least half trust (general context), in ppm.
    pub fn reputation_ppm(&self, subject: &Did, at: u64) -> u32 {
        let peers: Vec<&Did> = self
            .members
            .values()
            .filter(|m| m.is_active(at) && m.tier_at(at) >= Tier::Full && m.did != *subject)
            .map(|m| &m.did)
            .collect();
        if peers.is_empty() {
            return 0;
        }
        let graph = crate::trust::Graph::new(self, at);
        let backing = self.trust.get(subject).map_or(0, |from| {
            peers
                .iter()
                .filter(|p| {
                    from.get(&(***p, crate::trust::GENERAL.to_string()))
                        .is_some_and(|e| graph.weight(p, e) >= PPM / 2)
                })
                .count()
        });
        (backing as u64 * PPM as u64 / peers.len() as u64) as u32
    }

    /// Fails unless whoever holds `held` may act on `target`: one acts only
    /// on members whose powers one holds oneself.
    pub(super) fn may_act_on(
        &self,
        held: &BTreeSet<Permission>,
        target: &Did,
        at: u64,
    ) -> Result<(), Refusal> {
        match self.permissions(target, at) {
            Ok(theirs) if !theirs.is_subset(held) => Err(Refusal::Outranked(*target)),
            _ => Ok(()),
        }
    }

    /// Fails unless `held` covers what `tier` permits.
    pub(super) fn may_give_tier(
        &self,
        held: &BTreeSet<Permission>,
        tier: Tier,
    ) -> Result<(), Refusal> {
        let given: BTreeSet<Permission> = self.charter().tiers.of(tier).iter().copied().collect();
        if given.is_subset(held) {
            Ok(())
        } else {
            Err(Refusal::RoleEscalation(format!(
                "the {} tier gives more than the author holds",
                tier.name()
            )))
        }
    }

    pub(crate) fn admit(&mut self, did: Did, tier: Tier, by: OpId, at: u64) {
        let policy = self.charter().admission;
        let tier_until = match tier {
            Tier::Provisional if policy.probation_ms > 0 => Some(at + policy.probation_ms),
            Tier::Steward => self.charter().tiers.steward_term_ms.map(|t| at + t),
            _ => None,
        };
        self.applicants.remove(&did);
        self.members.insert(
            did,
            Member {
                did,
                joined_at: at,
                admitted_by: by,
                tier,
                tier_until,
                roles: BTreeSet::new(),
                role_since: BTreeMap::new(),
                status: Status::Active,
            },
        );
    }

    /// Fails unless `did` may be admitted: not in the chapter now.
    pub(super) fn admissible(&self, did: &Did) -> Result<(), Refusal> {
        match self.members.get(did) {
            Some(m) if m.is_current() => Err(Refusal::AlreadyMember(*did)),
            _ => Ok(()),
        }
    }
}
