//! Helpers for the identity-log tests: key events as a member's node
//! makes them, pairings, guardians, and the ops a recovery scenario needs.

use hearth_core::chapter::charter::{GovernanceModel, VoteMethod};
use hearth_core::chapter::{ChapterOp, Refusal};
use hearth_core::keys::{
    KeyChange, KeyError, KeyEvent, KeyState, MIN_RECOVERY_WAIT_MS, SignedEvent, pairing_statement,
};
use hearth_core::ledger::{Account, LedgerOp};
use hearth_core::op::Body;
use hearth_core::{Did, Keypair};

use super::gov::{chapter, rules};
use super::{Space, T0, key};

pub const WAIT: u64 = MIN_RECOVERY_WAIT_MS * 24;

pub fn coop(n: u8) -> Space {
    chapter(n, rules(VoteMethod::Majority, 50), GovernanceModel::Direct)
}

/// The next event of `member`'s log as `state` holds it.
pub fn next(state: &KeyState, ts: u64, change: KeyChange) -> KeyEvent {
    KeyEvent {
        member: state.member,
        seq: state.seq() + 1,
        prev: state.head(),
        ts,
        change,
    }
}

pub fn pairing_to(device: &Keypair, member: &Did, name: &str) -> KeyChange {
    let nonce = [7; 16];
    KeyChange::AddDevice {
        key: device.did(),
        name: name.into(),
        nonce,
        proof: device.sign(&pairing_statement(&device.did(), member, &nonce)),
    }
}

pub fn guardians(ids: &[u8], threshold: u32) -> KeyChange {
    KeyChange::SetGuardians {
        guardians: ids.iter().map(|i| key(*i).did()).collect(),
        threshold,
        wait_ms: WAIT,
    }
}

/// Three guardians (members 3, 4 and 5) of member 2, two of whom approve
/// a new key for them.
pub fn recovery_setup(s: &mut Space, lost: &Keypair, new: &Keypair, at: u64) -> SignedEvent {
    let state = s.view.chapter().identities.get(&lost.did()).cloned();
    let state = state.unwrap_or_else(|| KeyState::inception(lost.did()));
    let set = next(&state, T0 + 10, guardians(&[3, 4, 5], 2)).sign(&[lost]);
    s.act(lost, T0 + 10, Body::Keys(vec![set]))
        .expect("the member names guardians");
    let state = s.view.chapter().identities[&lost.did()].clone();
    // What each guardian is shown and signs: the event itself.
    let request = next(&state, at, KeyChange::Recover { key: new.did() });
    let one = request.signature(&key(3));
    let refused = SignedEvent {
        event: request.clone(),
        sigs: vec![one.clone(), request.signature(new)],
    };
    assert_eq!(
        s.act(new, at, Body::Keys(vec![refused])),
        Err(Refusal::Key(KeyError::TooFewGuardians { have: 1, need: 2 }))
    );
    SignedEvent {
        event: request.clone(),
        sigs: vec![one, request.signature(&key(5)), request.signature(new)],
    }
}

/// A governing op by member `who` at `ts`: what shows a chapter time.
pub fn witness(s: &mut Space, who: u8, ts: u64) {
    let vouch = ChapterOp::Vouch {
        subject: key(1).did(),
        trust_ppm: 500_000 + u32::try_from(ts % 1000).expect("small"),
    };
    s.act(&key(who), ts, Body::Chapter(vouch))
        .expect("a governing op");
}

pub fn note(text: &str) -> Body {
    Body::Note { text: text.into() }
}

/// A payment of one hour to the commons (refused before it is checked
/// against any currency, when the key may not pay).
pub fn pay_commons() -> LedgerOp {
    LedgerOp::Pay {
        to: Account::Commons,
        currency: "HOUR".into(),
        amount: 1,
        memo: String::new(),
        reference: None,
        claims: vec![],
    }
}
