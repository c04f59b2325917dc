//! Members' identity logs as a chapter holds them, and who an op's signing
//! key acts for (see [`crate::keys`]).

use super::members::Chapter;
use super::op::Refusal;
use crate::identity::Did;
use crate::keys::{KeyChange, KeyError, KeyRole, KeyState, SignedEvent};

/// The key a change brings in, if any.
fn new_key(change: &KeyChange) -> Option<&Did> {
    match change {
        KeyChange::Rotate { key }
        | KeyChange::AddDevice { key, .. }
        | KeyChange::Recover { key } => Some(key),
        _ => None,
    }
}

/// Applies `events` to their member's log as chapter `c` holds it, or says
/// why one does not apply: the member must be known to the chapter, each
/// event must follow, and a new key must not be anyone's here.
fn fold(c: &Chapter, events: &[SignedEvent]) -> Result<KeyState, Refusal> {
    let first = events.first().ok_or(Refusal::Key(KeyError::NoRecovery))?;
    let member = first.event.member;
    if !c.members.contains_key(&member) && !c.applicants.contains_key(&member) {
        return Err(Refusal::Key(KeyError::NotMember(member)));
    }
    let mut state = c
        .identities
        .get(&member)
        .cloned()
        .unwrap_or_else(|| KeyState::inception(member));
    for e in events {
        if let Some(key) = new_key(&e.event.change) {
            let taken = c.key_owner.get(key).is_some_and(|owner| *owner != member)
                || ((c.members.contains_key(key) || c.applicants.contains_key(key))
                    && *key != member);
            if taken {
                return Err(Refusal::Key(KeyError::KeyInUse(*key)));
            }
        }
        // A guardian signs with whichever key acts for them.
        let guardian_of = |k: &Did| c.resolve(k).ok().map(|(m, _)| m);
        state.apply_with(e, &guardian_of).map_err(Refusal::Key)?;
    }
    Ok(state)
}

/// Tells every waiting recovery of a member other than `author` about a
/// governing op by `author` claimed at `at` (see
/// [`crate::keys::KeyState::witness`]).
pub(super) fn witness(c: &mut Chapter, author: &Did, at: u64) {
    let waiting: Vec<Did> = c
        .identities
        .iter()
        .filter(|(m, s)| *m != author && s.pending.is_some())
        .map(|(m, _)| *m)
        .collect();
    for member in waiting {
        if let Some(s) = c.identities.get_mut(&member) {
            s.witness(at);
        }
    }
}

/// Whether a governing op by `author` would tell a waiting recovery
/// anything.
pub(super) fn witnesses(c: &Chapter, author: &Did) -> bool {
    c.identities
        .iter()
        .any(|(m, s)| m != author && s.pending.is_some())
}

/// Checks a [`crate::op::Body::Keys`] op.
pub(super) fn check(c: &Chapter, events: &[SignedEvent]) -> Result<(), Refusal> {
    fold(c, events).map(drop)
}

/// Applies a [`crate::op::Body::Keys`] op that passed [`check`].
pub(super) fn apply(c: &mut Chapter, events: &[SignedEvent]) {
    let Ok(state) = fold(c, events) else { return };
    for key in state.keys() {
        if *key != state.member {
            c.key_owner.insert(*key, state.member);
        }
    }
    c.identities.insert(state.member, state);
}

impl Chapter {
    /// Who an op signed by `key` is by, and as what: the member
    /// whose main key or active device it is, or the key itself when it is
    /// nobody else's. Refused when it was a member's key and no longer is.
    pub fn resolve(&self, key: &Did) -> Result<(Did, KeyRole), Refusal> {
        let member = self.key_owner.get(key).unwrap_or(key);
        match self.identities.get(member) {
            Some(state) => state
                .role(key)
                .map(|role| (*member, role))
                .map_err(Refusal::Key),
            None => Ok((*key, KeyRole::Main)),
        }
    }

    /// The member a key is (or was) for, whatever its standing now: for
    /// showing who made an op.
    pub fn owner(&self, key: &Did) -> Did {
        *self.key_owner.get(key).unwrap_or(key)
    }
}
