//! The member's identity log on the node handle (see `hearth_core::keys`):
//! finding the member's log among the chapters held, and publishing new
//! events in every chapter that knows the member, with whatever earlier
//! events each lacks, so that every chapter attributes ops alike.

use hearth_core::keys::{
    KeyChange, KeyError, KeyEvent, KeyRole, KeyState, Pairing, SignedEvent, TextError,
};
use hearth_core::op::Body;
use hearth_core::space::SpaceView;
use hearth_core::{Did, Keypair, SpaceId};
use hearth_store::Store;

use crate::{Node, NodeError};

/// Why an identity-log step cannot be taken here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// The step needs the member's main key, and this node holds another.
    #[error("this device is not {0}'s main key: do this on the device that holds it")]
    NotMainKey(Did),
    /// No chapter held here knows the member.
    #[error("no chapter here knows {0}: sync one of their chapters first")]
    NoChapter(Did),
    /// The member has named no guardians (in the chapters held here).
    #[error("no guardians are named for {0} in the chapters here")]
    NoGuardians(Did),
    /// This node's key is not one of the member's guardians.
    #[error("you are not one of {0}'s guardians")]
    NotGuardian(Did),
    /// The event is not a recovery.
    #[error("this is not a recovery request")]
    NotARecovery,
    /// The device asks to act for another member.
    #[error("this pairing is for {0}, not for the identity here")]
    OtherMember(Did),
    /// The code the member typed is not the device's.
    #[error("the code does not match: this is not the device you are holding")]
    WrongCode,
    /// The event does not apply to the member's log.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A text handed over is not what it should be.
    #[error(transparent)]
    Text(#[from] TextError),
}

/// Where a key event went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Published {
    /// How many chapters took it.
    pub chapters: usize,
    /// Those that refused, and why.
    pub failed: Vec<(SpaceId, String)>,
}

/// `member`'s log, as the view with the most of it has it.
fn log_in(views: &[SpaceView], member: &Did) -> KeyState {
    views
        .iter()
        .filter_map(|v| v.chapter().identities.get(member).cloned())
        .max_by_key(KeyState::seq)
        .unwrap_or_else(|| KeyState::inception(*member))
}

impl<S: Store> Node<S> {
    fn key(&self) -> Result<&Keypair, NodeError> {
        self.identity.as_ref().ok_or(NodeError::NoIdentity)
    }

    /// `member`'s log, as the held chapter with the most of it has it.
    pub fn member_log(&self, member: &Did) -> KeyState {
        log_in(&self.spaces(), member)
    }

    /// The member this node's key acts for now, as what, and their log
    /// (the key itself, as its own main key, where no chapter says more).
    /// Fails when the chapters here say the key was replaced or revoked.
    pub fn whoami(&self) -> Result<(Did, KeyRole, KeyState), NodeError> {
        let key = self.key()?.did();
        let views = self.spaces();
        let mut refused = None;
        let mut found: Option<(Did, KeyRole)> = None;
        for v in &views {
            match v.chapter().resolve(&key) {
                Ok(r) if found.is_none_or(|(m, _)| m == key) => found = Some(r),
                Ok(_) => {}
                Err(hearth_core::chapter::Refusal::Key(e)) => refused = Some(e),
                Err(_) => {}
            }
        }
        match (found, refused) {
            (Some((member, role)), _) if member != key => {
                Ok((member, role, log_in(&views, &member)))
            }
            (_, Some(e)) => Err(IdentityError::Key(e).into()),
            _ => Ok((key, KeyRole::Main, log_in(&views, &key))),
        }
    }

    /// The next event of `log`, now (never before its last event).
    pub fn next_event(&self, log: &KeyState, change: KeyChange) -> KeyEvent {
        let last = log.events.last().map_or(0, |e| e.event.ts);
        KeyEvent {
            member: log.member,
            seq: log.seq() + 1,
            prev: log.head(),
            ts: self.env.now_ms().max(last),
            change,
        }
    }

    /// Publishes `events` (which follow `log`) in every held chapter that
    /// knows `log`'s member, each with the earlier events it lacks. The
    /// events are checked first, so a step that would not apply publishes
    /// nothing; a chapter that refuses does not stop the others. Fails
    /// only if no chapter took them.
    pub async fn publish_keys(
        &self,
        log: &KeyState,
        events: &[SignedEvent],
    ) -> Result<Published, NodeError> {
        let views = self.spaces();
        // Guardians sign with whichever key acts for them.
        let guardian_of = |k: &Did| {
            views
                .iter()
                .find_map(|v| v.chapter().resolve(k).ok())
                .map(|(m, _)| m)
        };
        let mut check = log.clone();
        for e in events {
            check
                .apply_with(e, &guardian_of)
                .map_err(IdentityError::Key)?;
        }
        let member = log.member;
        let spaces: Vec<(SpaceId, usize)> = views
            .iter()
            .filter(|v| {
                let c = v.chapter();
                c.members.contains_key(&member) || c.applicants.contains_key(&member)
            })
            .map(|v| {
                let held = v.chapter().identities.get(&member).map_or(0, KeyState::seq);
                (v.id(), held as usize)
            })
            .collect();
        let mut out = Published::default();
        let mut last = None;
        for (space, held) in &spaces {
            let mut batch: Vec<SignedEvent> = log.events.get(*held..).unwrap_or_default().to_vec();
            batch.extend(events.iter().cloned());
            if batch.is_empty() {
                continue;
            }
            match self.create_op(space, Body::Keys(batch)).await {
                Ok(_) => out.chapters += 1,
                Err(e) => {
                    out.failed.push((*space, e.to_string()));
                    last = Some(e);
                }
            }
        }
        match last {
            Some(e) if out.chapters == 0 => Err(e),
            _ if spaces.is_empty() => Err(IdentityError::NoChapter(member).into()),
            _ => Ok(out),
        }
    }

    /// Carries this member's log into every held chapter that lacks part
    /// of it (one joined after a key changed, or one that refused before).
    pub async fn publish_log(&self) -> Result<Published, NodeError> {
        let (_, _, log) = self.whoami()?;
        self.publish_keys(&log, &[]).await
    }

    /// Fails unless this node's key is its member's main key; the member's
    /// log.
    fn as_main(&self) -> Result<(&Keypair, KeyState), NodeError> {
        let (member, role, log) = self.whoami()?;
        if role != KeyRole::Main {
            return Err(IdentityError::NotMainKey(member).into());
        }
        Ok((self.key()?, log))
    }

    /// A change signed by the main key alone (devices, guardians, a
    /// cancelled recovery), published everywhere.
    pub async fn key_change(&self, change: KeyChange) -> Result<Published, NodeError> {
        let (main, log) = self.as_main()?;
        let event = self.next_event(&log, change).sign(&[main]);
        self.publish_keys(&log, &[event]).await
    }

    /// Rotates the main key to `new`, published everywhere. The node keeps
    /// signing with its old key until it is reopened with `new`.
    pub async fn rotate(&self, new: &Keypair) -> Result<Published, NodeError> {
        let (old, log) = self.as_main()?;
        let event = self
            .next_event(&log, KeyChange::Rotate { key: new.did() })
            .sign(&[old, new]);
        self.publish_keys(&log, &[event]).await
    }

    /// What this node shows to be added as a device of `member`: its key
    /// and a fresh nonce, signed.
    pub fn pairing(&self, member: Did) -> Result<Pairing, NodeError> {
        let mut nonce = [0u8; 16];
        self.env.random_bytes(&mut nonce);
        Ok(Pairing::new(self.key()?, member, nonce))
    }

    /// Adds the device that shows `pairing`, once the member has typed the
    /// code it shows (`code`, spaces ignored).
    pub async fn add_device(
        &self,
        pairing: &Pairing,
        name: &str,
        code: &str,
    ) -> Result<Published, NodeError> {
        let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
        if digits(code) != digits(&pairing.code()) {
            return Err(IdentityError::WrongCode.into());
        }
        let (member, _, _) = self.whoami()?;
        if pairing.member != member {
            return Err(IdentityError::OtherMember(pairing.member).into());
        }
        self.key_change(pairing.change(name)).await
    }

    /// On a new device: the request that `member` be recovered with this
    /// node's key, signed by it, for the guardians to approve.
    pub fn recovery_request(&self, member: &Did) -> Result<SignedEvent, NodeError> {
        let me = self.key()?;
        let log = self.member_log(member);
        if log.guardians.is_none() {
            return Err(IdentityError::NoGuardians(*member).into());
        }
        let event = self.next_event(&log, KeyChange::Recover { key: me.did() });
        Ok(event.sign(&[me]))
    }

    /// As a guardian: `request` with this node's signature added. Fails
    /// unless it is a recovery of a member this node's key guards.
    pub fn approve_recovery(&self, request: &SignedEvent) -> Result<SignedEvent, NodeError> {
        let me = self.key()?;
        let KeyChange::Recover { .. } = &request.event.change else {
            return Err(IdentityError::NotARecovery.into());
        };
        let member = request.event.member;
        let log = self.member_log(&member);
        let guards = log
            .guardians
            .as_ref()
            .ok_or(IdentityError::NoGuardians(member))?;
        // A guardian approves with whichever of their keys this node holds.
        let (guardian, _, _) = self.whoami()?;
        if !guards.guardians.contains(&guardian) {
            return Err(IdentityError::NotGuardian(member).into());
        }
        let mut approved = request.clone();
        approved.sigs.retain(|s| s.key != me.did());
        approved.sigs.push(request.event.signature(me));
        Ok(approved)
    }

    /// On the new device: publishes a recovery with every approval's
    /// signatures.
    pub async fn submit_recovery(&self, approvals: &[SignedEvent]) -> Result<Published, NodeError> {
        let (first, rest) = approvals.split_first().ok_or(IdentityError::NotARecovery)?;
        let mut merged = first.clone();
        for a in rest {
            merged = merged.merge(a).map_err(IdentityError::Text)?;
        }
        if !matches!(merged.event.change, KeyChange::Recover { .. }) {
            return Err(IdentityError::NotARecovery.into());
        }
        let log = self.member_log(&merged.event.member);
        self.publish_keys(&log, &[merged]).await
    }
}
