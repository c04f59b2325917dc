//! The fold of an identity log: which keys act for the member, at a time.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{
    EventId, KeyChange, KeyError, MAX_DEVICES, MAX_GUARDIANS, MIN_RECOVERY_WAIT_MS, SignedEvent,
    pairing_statement,
};
use crate::identity::Did;

/// A device of the member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// What the member calls it.
    pub name: String,
    /// When it was added (the event's claimed time).
    pub added_at: u64,
    /// When it was revoked, if it was.
    pub revoked_at: Option<u64>,
}

/// Who may recover the member's identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guardians {
    /// Their DIDs.
    pub guardians: BTreeSet<Did>,
    /// How many must sign a recovery.
    pub threshold: u32,
    /// How long a recovery waits, in ms.
    pub wait_ms: u64,
}

/// A recovery that waits to take effect. Its waiting period runs from
/// when someone else's op first shows the chapter has it (times claimed by
/// the recovering side do not count), so neither a slow approval nor a
/// backdated request shortens it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// The new main key.
    pub key: Did,
    /// When it was asked for (the event's claimed time).
    pub requested_at: u64,
    /// How long it waits.
    pub wait_ms: u64,
    /// When another member's op first showed it had been seen.
    pub seen_at: Option<u64>,
    /// The guardians who signed it.
    pub approvals: BTreeSet<Did>,
}

impl Pending {
    /// From when the new key is the main key, once the wait has started.
    pub fn effective_at(&self) -> Option<u64> {
        self.seen_at.map(|s| s.saturating_add(self.wait_ms))
    }
}

/// How a key acts for a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRole {
    /// The main key.
    Main,
    /// One of their devices.
    Device,
}

/// A member's keys as of the events applied so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyState {
    /// The member (their DID is their first key).
    pub member: Did,
    /// The main key, not counting a recovery that is waiting.
    pub main: Did,
    /// Keys that were the main key.
    pub retired: BTreeSet<Did>,
    /// Devices, revoked ones too.
    pub devices: BTreeMap<Did, Device>,
    /// The guardians, once named.
    pub guardians: Option<Guardians>,
    /// A recovery waiting, if any.
    pub pending: Option<Pending>,
    /// The events applied, in order (the log, for passing on).
    pub events: Vec<SignedEvent>,
}

impl KeyState {
    /// The state before any event: the member's DID is their main key.
    pub fn inception(member: Did) -> Self {
        KeyState {
            member,
            main: member,
            retired: BTreeSet::new(),
            devices: BTreeMap::new(),
            guardians: None,
            pending: None,
            events: Vec::new(),
        }
    }

    /// The last event's number (0 before any).
    pub fn seq(&self) -> u64 {
        self.events.len() as u64
    }

    /// The last event's id.
    pub fn head(&self) -> Option<EventId> {
        self.events.last().map(|e| e.event.id())
    }

    fn last_ts(&self) -> u64 {
        self.events.last().map_or(0, |e| e.event.ts)
    }

    /// Every key this member has used or named, retired and revoked ones
    /// too (no other member may take them).
    pub fn keys(&self) -> impl Iterator<Item = &Did> {
        std::iter::once(&self.member)
            .chain(std::iter::once(&self.main))
            .chain(&self.retired)
            .chain(self.devices.keys())
            .chain(self.pending.iter().map(|p| &p.key))
    }

    /// How `key` acts for the member, or why it may not.
    pub fn role(&self, key: &Did) -> Result<KeyRole, KeyError> {
        if *key == self.main {
            return Ok(KeyRole::Main);
        }
        if let Some(d) = self.devices.get(key) {
            return match d.revoked_at {
                None => Ok(KeyRole::Device),
                Some(_) => Err(KeyError::Revoked {
                    key: *key,
                    member: self.member,
                }),
            };
        }
        if let Some(p) = self.pending.as_ref().filter(|p| p.key == *key) {
            return Err(KeyError::RecoveryWaiting {
                until: p.effective_at(),
            });
        }
        if self.retired.contains(key) || *key == self.main || *key == self.member {
            return Err(KeyError::Retired {
                key: *key,
                member: self.member,
            });
        }
        Err(KeyError::NotTheirs {
            key: *key,
            member: self.member,
        })
    }

    /// Applies the next event, or says why it does not apply (and changes
    /// nothing). Guardians sign with their own DIDs' keys.
    pub fn apply(&mut self, e: &SignedEvent) -> Result<(), KeyError> {
        self.apply_with(e, &|k| Some(*k))
    }

    /// [`KeyState::apply`], with `guardian_of` saying which member a
    /// signing key acts for (`None`: it may not act), so a guardian who has
    /// changed keys can still approve, and a retired key cannot.
    pub fn apply_with(
        &mut self,
        e: &SignedEvent,
        guardian_of: &dyn Fn(&Did) -> Option<Did>,
    ) -> Result<(), KeyError> {
        let mut next = self.clone();
        next.step(e, guardian_of)?;
        *self = next;
        Ok(())
    }

    /// What a governing op by someone other than the recovering member,
    /// claimed at `at`, tells a waiting recovery: the first starts its
    /// wait; one at or after the wait's end puts it in force (the new key
    /// becomes the main key, the old one is retired, and every device is
    /// revoked, as whoever held the old key may have added them). Whether
    /// the recovery took effect.
    pub fn witness(&mut self, at: u64) -> bool {
        let Some(p) = self.pending.as_mut() else {
            return false;
        };
        let Some(seen) = p.seen_at else {
            p.seen_at = Some(at);
            return false;
        };
        if at < seen.saturating_add(p.wait_ms) {
            return false;
        }
        let p = self.pending.take().expect("waiting");
        self.retired.insert(self.main);
        self.main = p.key;
        for d in self.devices.values_mut() {
            d.revoked_at.get_or_insert(at);
        }
        true
    }

    fn step(
        &mut self,
        e: &SignedEvent,
        guardian_of: &dyn Fn(&Did) -> Option<Did>,
    ) -> Result<(), KeyError> {
        let ev = &e.event;
        if ev.member != self.member {
            return Err(KeyError::WrongMember {
                expected: self.member,
                found: ev.member,
            });
        }
        if ev.seq != self.seq() + 1 {
            return Err(KeyError::OutOfOrder {
                at: self.seq(),
                found: ev.seq,
            });
        }
        if ev.prev != self.head() {
            return Err(KeyError::WrongPrev);
        }
        if ev.ts < self.last_ts() {
            return Err(KeyError::TimeTravel {
                ts: ev.ts,
                last: self.last_ts(),
            });
        }
        let signers = verified_signers(e)?;
        let needs = |k: &Did| {
            if signers.contains(k) {
                Ok(())
            } else {
                Err(KeyError::Unsigned(k.to_string()))
            }
        };
        match &ev.change {
            KeyChange::Rotate { key } => {
                needs(&self.main)?;
                needs(key)?;
                self.fresh(key)?;
                self.retired.insert(self.main);
                self.main = *key;
                // The main key's own rotation supersedes a waiting recovery.
                self.pending = None;
            }
            KeyChange::AddDevice {
                key,
                name,
                nonce,
                proof,
            } => {
                needs(&self.main)?;
                self.fresh(key)?;
                key.verify(&pairing_statement(key, &self.member, nonce), proof)
                    .map_err(|_| KeyError::BadPairingProof)?;
                let active = self.devices.values().filter(|d| d.revoked_at.is_none());
                if active.count() >= MAX_DEVICES {
                    return Err(KeyError::TooManyDevices);
                }
                self.devices.insert(
                    *key,
                    Device {
                        name: name.clone(),
                        added_at: ev.ts,
                        revoked_at: None,
                    },
                );
            }
            KeyChange::RevokeDevice { key } => {
                needs(&self.main)?;
                match self.devices.get_mut(key) {
                    Some(d) if d.revoked_at.is_none() => d.revoked_at = Some(ev.ts),
                    _ => return Err(KeyError::UnknownDevice(*key)),
                }
            }
            KeyChange::SetGuardians {
                guardians,
                threshold,
                wait_ms,
            } => {
                needs(&self.main)?;
                let set: BTreeSet<Did> = guardians.iter().copied().collect();
                let bad = |why: &str| Err(KeyError::BadGuardians(why.into()));
                if set.len() != guardians.len() {
                    return bad("a guardian is named twice");
                }
                if set.len() > MAX_GUARDIANS {
                    return bad("at most 16 guardians");
                }
                if *threshold == 0 || *threshold as usize > set.len() {
                    return bad("the threshold is from 1 to the number of guardians");
                }
                if self.keys().any(|k| set.contains(k)) {
                    return bad("a member cannot guard themselves");
                }
                if *wait_ms < MIN_RECOVERY_WAIT_MS {
                    return bad("a recovery waits at least an hour");
                }
                self.guardians = Some(Guardians {
                    guardians: set,
                    threshold: *threshold,
                    wait_ms: *wait_ms,
                });
            }
            KeyChange::Recover { key } => {
                let g = self
                    .guardians
                    .as_ref()
                    .ok_or_else(|| KeyError::BadGuardians("none are named".into()))?;
                if self.pending.is_some() {
                    return Err(KeyError::RecoveryPending);
                }
                let approvals: BTreeSet<Did> = signers
                    .iter()
                    .filter_map(guardian_of)
                    .filter(|m| g.guardians.contains(m))
                    .collect();
                if (approvals.len() as u32) < g.threshold {
                    return Err(KeyError::TooFewGuardians {
                        have: approvals.len() as u32,
                        need: g.threshold,
                    });
                }
                needs(key)?;
                self.fresh(key)?;
                self.pending = Some(Pending {
                    key: *key,
                    requested_at: ev.ts,
                    wait_ms: g.wait_ms,
                    seen_at: None,
                    approvals,
                });
            }
            KeyChange::CancelRecovery => {
                needs(&self.main)?;
                if self.pending.take().is_none() {
                    return Err(KeyError::NoRecovery);
                }
            }
        }
        self.events.push(e.clone());
        Ok(())
    }

    /// Fails if `key` is one this member has used or named, or one of
    /// their guardians.
    fn fresh(&self, key: &Did) -> Result<(), KeyError> {
        let guardian = self
            .guardians
            .as_ref()
            .is_some_and(|g| g.guardians.contains(key));
        if guardian || self.keys().any(|k| k == key) {
            return Err(KeyError::KeyInUse(*key));
        }
        Ok(())
    }
}

/// The keys whose signatures on `e` verify; fails on any that does not,
/// and on a key that signs twice.
fn verified_signers(e: &SignedEvent) -> Result<BTreeSet<Did>, KeyError> {
    let bytes = e.event.signing_bytes();
    let mut signers = BTreeSet::new();
    for s in &e.sigs {
        if s.key.verify(&bytes, &s.sig).is_err() || !signers.insert(s.key) {
            return Err(KeyError::BadSignature(s.key));
        }
    }
    Ok(signers)
}
