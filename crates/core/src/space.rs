//! The first view: spaces and their members, folded from genesis and
//! membership ops. (The chapter domain replaces this with charters, roles and
//! admission policies.)
//!
//! In this version only a space's creator admits and removes members, so every
//! membership change is ordered by one author's log and the view cannot depend
//! on the order in which ops from different authors arrive.

use serde::{Deserialize, Serialize};

use crate::identity::Did;
use crate::ids::{OpId, SpaceId};
use crate::op::Body;
use crate::validate::VerifiedOp;

/// A member as the view records them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Who.
    pub did: Did,
    /// The claimed time of the op that admitted them.
    pub since: u64,
    /// The op that admitted them.
    pub admitted_by: OpId,
}

/// A space, as folded from its valid ops.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpaceView {
    /// The space's id.
    pub id: SpaceId,
    /// Its name, from genesis.
    pub name: String,
    /// Who created it.
    pub creator: Did,
    /// The genesis op.
    pub genesis: OpId,
    /// When it was created (claimed).
    pub created_at: u64,
    /// Current members, sorted by DID.
    pub members: Vec<Member>,
    /// How many valid ops have been folded.
    pub op_count: u64,
    /// The latest claimed time among folded ops.
    pub last_ts: u64,
}

/// Why a valid op was refused by this view's rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Refusal {
    /// Only the space's creator may change membership (in this version).
    #[error("only the space's creator may {0}")]
    NotCreator(String),
    /// The member to add is already a member.
    #[error("{0} is already a member")]
    AlreadyMember(Did),
    /// The member to remove is not a member.
    #[error("{0} is not a member")]
    NotMember(Did),
    /// The creator cannot be removed.
    #[error("the space's creator cannot be removed")]
    RemoveCreator,
    /// The op is for a different space than this view.
    #[error("op belongs to another space")]
    WrongSpace,
    /// A second genesis for an existing space.
    #[error("the space already has its genesis")]
    GenesisAgain,
}

impl SpaceView {
    /// A new view from a space's genesis op; `None` if `op` is not a genesis.
    pub fn from_genesis(op: &VerifiedOp) -> Option<Self> {
        let d = &op.op().data;
        let Body::Genesis { name, .. } = &d.body else {
            return None;
        };
        Some(SpaceView {
            id: d.space,
            name: name.clone(),
            creator: d.author,
            genesis: op.id(),
            created_at: d.ts,
            members: vec![Member {
                did: d.author,
                since: d.ts,
                admitted_by: op.id(),
            }],
            op_count: 1,
            last_ts: d.ts,
        })
    }

    /// Whether `did` is a member.
    pub fn is_member(&self, did: &Did) -> bool {
        self.position(did).is_ok()
    }

    fn position(&self, did: &Did) -> Result<usize, usize> {
        self.members.binary_search_by(|m| m.did.cmp(did))
    }

    /// Checks `op` against the view's rules without changing anything.
    pub fn check(&self, op: &VerifiedOp) -> Result<(), Refusal> {
        let d = &op.op().data;
        self.check_body(&d.space, &d.author, &d.body)
    }

    /// Checks whether `author` may say `body` in this space now: what a
    /// node asks before it signs an op of its own.
    pub fn check_body(&self, space: &SpaceId, author: &Did, body: &Body) -> Result<(), Refusal> {
        if *space != self.id {
            return Err(Refusal::WrongSpace);
        }
        match body {
            Body::AddMember { .. } | Body::RemoveMember { .. } if *author != self.creator => {
                Err(Refusal::NotCreator(body.kind().replace('_', " ")))
            }
            Body::AddMember { member } if self.is_member(member) => {
                Err(Refusal::AlreadyMember(*member))
            }
            Body::RemoveMember { member } if *member == self.creator => Err(Refusal::RemoveCreator),
            Body::RemoveMember { member } if !self.is_member(member) => {
                Err(Refusal::NotMember(*member))
            }
            Body::Genesis { .. } => Err(Refusal::GenesisAgain),
            _ => Ok(()),
        }
    }

    /// Folds `op` into the view, or refuses it with the view unchanged.
    pub fn apply(&mut self, op: &VerifiedOp) -> Result<(), Refusal> {
        self.check(op)?;
        let d = &op.op().data;
        match &d.body {
            Body::AddMember { member } => {
                let (Ok(at) | Err(at)) = self.position(member);
                self.members.insert(
                    at,
                    Member {
                        did: *member,
                        since: d.ts,
                        admitted_by: op.id(),
                    },
                );
            }
            Body::RemoveMember { member } => {
                let at = self.position(member).expect("checked");
                self.members.remove(at);
            }
            _ => {}
        }
        self.op_count += 1;
        self.last_ts = self.last_ts.max(d.ts);
        Ok(())
    }

    /// The view as a DAG-CBOR snapshot.
    pub fn to_snapshot(&self) -> Vec<u8> {
        serde_ipld_dagcbor::to_vec(self).expect("views always encode")
    }

    /// A view from a snapshot; `None` if the bytes are not one.
    pub fn from_snapshot(bytes: &[u8]) -> Option<Self> {
        serde_ipld_dagcbor::from_slice(bytes).ok()
    }
}
