//! Identity logs: rotation, devices, guardians and recovery, as a member's
//! key events fold (unit paths) and as chapters attribute ops through them.

mod support;

use hearth_core::chapter::charter::{GovernanceModel, VoteMethod};
use hearth_core::chapter::{ChapterOp, Refusal, Rule};
use hearth_core::keys::{
    KeyChange, KeyError, KeyEvent, KeyRole, KeyState, MIN_RECOVERY_WAIT_MS, SignedEvent,
    confirmation_code, pairing_statement,
};
use hearth_core::ledger::{Account, LedgerOp};
use hearth_core::op::Body;
use hearth_core::{Did, Keypair};
use support::gov::{chapter, rules};
use support::{Space, T0, key};

const WAIT: u64 = MIN_RECOVERY_WAIT_MS * 24;

fn coop(n: u8) -> Space {
    chapter(n, rules(VoteMethod::Majority, 50), GovernanceModel::Direct)
}

/// The next event of `member`'s log as `state` holds it.
fn next(state: &KeyState, ts: u64, change: KeyChange) -> KeyEvent {
    KeyEvent {
        member: state.member,
        seq: state.seq() + 1,
        prev: state.head(),
        ts,
        change,
    }
}

/// A device's pairing to member 1 (the unit tests' member).
fn pairing(device: &Keypair, name: &str) -> KeyChange {
    pairing_to(device, &key(1).did(), name)
}

fn pairing_to(device: &Keypair, member: &Did, name: &str) -> KeyChange {
    let nonce = [7; 16];
    KeyChange::AddDevice {
        key: device.did(),
        name: name.into(),
        nonce,
        proof: device.sign(&pairing_statement(&device.did(), member, &nonce)),
    }
}

fn guardians(ids: &[u8], threshold: u32) -> KeyChange {
    KeyChange::SetGuardians {
        guardians: ids.iter().map(|i| key(*i).did()).collect(),
        threshold,
        wait_ms: WAIT,
    }
}

#[test]
fn rotation_needs_the_old_key_and_the_new_and_retires_the_old() {
    let me = key(1);
    let new = key(101);
    let mut s = KeyState::inception(me.did());
    let rotate = KeyChange::Rotate { key: new.did() };
    let only_old = next(&s, T0, rotate.clone()).sign(&[&me]);
    assert_eq!(
        s.apply(&only_old),
        Err(KeyError::Unsigned(new.did().to_string()))
    );
    let only_new = next(&s, T0, rotate.clone()).sign(&[&new]);
    assert_eq!(
        s.apply(&only_new),
        Err(KeyError::Unsigned(me.did().to_string()))
    );
    assert_eq!(s.seq(), 0, "a refused event changes nothing");
    s.apply(&next(&s, T0, rotate).sign(&[&me, &new]))
        .expect("rotates");
    assert_eq!(s.role(&new.did()), Ok(KeyRole::Main));
    assert_eq!(
        s.role(&me.did()),
        Err(KeyError::Retired {
            key: me.did(),
            member: me.did()
        })
    );
    // The old key can no longer sign the log, and an old key never returns.
    let back = next(&s, T0 + 2, KeyChange::Rotate { key: me.did() }).sign(&[&me, &new]);
    assert_eq!(s.apply(&back), Err(KeyError::KeyInUse(me.did())));
    let by_old = next(
        &s,
        T0 + 2,
        KeyChange::Rotate {
            key: key(102).did(),
        },
    )
    .sign(&[&me, &key(102)]);
    assert_eq!(
        s.apply(&by_old),
        Err(KeyError::Unsigned(new.did().to_string()))
    );
}

#[test]
fn events_follow_in_order_from_the_right_member_with_good_signatures() {
    let me = key(1);
    let mut s = KeyState::inception(me.did());
    let e = next(&s, T0 + 10, pairing(&key(50), "laptop"));
    let mut skipped = e.clone();
    skipped.seq = 2;
    assert_eq!(
        s.apply(&skipped.sign(&[&me])),
        Err(KeyError::OutOfOrder { at: 0, found: 2 })
    );
    let mut other = e.clone();
    other.member = key(2).did();
    assert!(matches!(
        s.apply(&other.sign(&[&me])),
        Err(KeyError::WrongMember { .. })
    ));
    let mut forged = e.clone().sign(&[&me]);
    forged.sigs[0].sig = key(3).sign(&e.signing_bytes());
    assert_eq!(s.apply(&forged), Err(KeyError::BadSignature(me.did())));
    let twice = e.clone().sign(&[&me, &me]);
    assert_eq!(s.apply(&twice), Err(KeyError::BadSignature(me.did())));
    s.apply(&e.sign(&[&me])).expect("the device");
    let mut forked = next(&s, T0 + 20, KeyChange::RevokeDevice { key: key(50).did() });
    forked.prev = None;
    assert_eq!(s.apply(&forked.sign(&[&me])), Err(KeyError::WrongPrev));
    let early = next(&s, T0, KeyChange::RevokeDevice { key: key(50).did() });
    assert_eq!(
        s.apply(&early.sign(&[&me])),
        Err(KeyError::TimeTravel {
            ts: T0,
            last: T0 + 10
        })
    );
}

#[test]
fn a_device_pairs_with_a_proof_and_a_code_and_can_be_revoked() {
    let me = key(1);
    let laptop = key(50);
    let mut s = KeyState::inception(me.did());
    // The code is six digits of the statement: another nonce, another
    // member or another device gives another code.
    let code = confirmation_code(&laptop.did(), &me.did(), &[7; 16]);
    assert!(code.len() == 7 && code.as_bytes()[3] == b' ', "{code}");
    assert_ne!(code, confirmation_code(&laptop.did(), &me.did(), &[8; 16]));
    assert_ne!(
        code,
        confirmation_code(&laptop.did(), &key(2).did(), &[7; 16])
    );
    assert_ne!(code, confirmation_code(&key(51).did(), &me.did(), &[7; 16]));
    // A pairing made for another member does not add the device here.
    let theirs = pairing_to(&laptop, &key(2).did(), "laptop");
    assert_eq!(
        s.apply(&next(&s, T0, theirs).sign(&[&me])),
        Err(KeyError::BadPairingProof)
    );
    // A proof by another key, or for another nonce, does not pair.
    let KeyChange::AddDevice { proof, .. } = pairing(&key(51), "x") else {
        unreachable!()
    };
    let stolen = KeyChange::AddDevice {
        key: laptop.did(),
        name: "laptop".into(),
        nonce: [7; 16],
        proof,
    };
    assert_eq!(
        s.apply(&next(&s, T0, stolen).sign(&[&me])),
        Err(KeyError::BadPairingProof)
    );
    // The device's signature alone does not add it.
    let alone = next(&s, T0, pairing(&laptop, "laptop")).sign(&[&laptop]);
    assert_eq!(
        s.apply(&alone),
        Err(KeyError::Unsigned(me.did().to_string()))
    );
    s.apply(&next(&s, T0, pairing(&laptop, "laptop")).sign(&[&me]))
        .expect("pairs");
    assert_eq!(s.role(&laptop.did()), Ok(KeyRole::Device));
    assert_eq!(s.devices[&laptop.did()].name, "laptop");
    let again = next(&s, T0 + 1, pairing(&laptop, "again")).sign(&[&me]);
    assert_eq!(s.apply(&again), Err(KeyError::KeyInUse(laptop.did())));
    s.apply(&next(&s, T0 + 2, KeyChange::RevokeDevice { key: laptop.did() }).sign(&[&me]))
        .expect("revokes");
    assert!(matches!(
        s.role(&laptop.did()),
        Err(KeyError::Revoked { .. })
    ));
    let twice = next(&s, T0 + 3, KeyChange::RevokeDevice { key: laptop.did() }).sign(&[&me]);
    assert_eq!(s.apply(&twice), Err(KeyError::UnknownDevice(laptop.did())));
}

#[test]
fn guardians_are_checked_when_named() {
    let me = key(1);
    let s = KeyState::inception(me.did());
    let bad = |change: KeyChange| {
        let mut s = s.clone();
        match s.apply(&next(&s, T0, change).sign(&[&me])) {
            Err(KeyError::BadGuardians(why)) => why,
            other => panic!("expected bad guardians, got {other:?}"),
        }
    };
    assert!(bad(guardians(&[3, 4], 3)).contains("threshold"));
    assert!(bad(guardians(&[3, 4], 0)).contains("threshold"));
    assert!(bad(guardians(&[3, 3], 1)).contains("twice"));
    assert!(bad(guardians(&[1, 3], 1)).contains("themselves"));
    let quick = KeyChange::SetGuardians {
        guardians: vec![key(3).did()],
        threshold: 1,
        wait_ms: 1_000,
    };
    assert!(bad(quick).contains("an hour"));
    let none = KeyChange::Recover { key: key(9).did() };
    let mut t = s.clone();
    assert!(matches!(
        t.apply(&next(&t, T0, none).sign(&[&key(3), &key(9)])),
        Err(KeyError::BadGuardians(_))
    ));
}

/// Three guardians (members 3, 4 and 5) of member 2, two of whom approve
/// a new key for them.
fn recovery_setup(s: &mut Space, lost: &Keypair, new: &Keypair, at: u64) -> SignedEvent {
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
fn witness(s: &mut Space, who: u8, ts: u64) {
    let vouch = ChapterOp::Vouch {
        subject: key(1).did(),
        trust_ppm: 500_000 + u32::try_from(ts % 1000).expect("small"),
    };
    s.act(&key(who), ts, Body::Chapter(vouch))
        .expect("a governing op");
}

fn note(text: &str) -> Body {
    Body::Note { text: text.into() }
}

#[test]
fn two_of_three_guardians_recover_a_member_after_the_waiting_period() {
    let mut s = coop(5);
    let (lost, new) = (key(2), key(102));
    let at = T0 + 100;
    let recovery = recovery_setup(&mut s, &lost, &new, at);
    // The new key carries the recovery in; it acts only once it is due.
    s.act(&new, at, Body::Keys(vec![recovery]))
        .expect("recovery asked");
    assert_eq!(
        s.act(&new, at + 1, note("too soon")),
        Err(Refusal::Key(KeyError::RecoveryWaiting { until: None })),
        "the wait has not started: nobody else has acted since"
    );
    // Another member's op starts the wait (the request's own claimed time
    // does not count).
    witness(&mut s, 4, at + 3);
    assert_eq!(
        s.act(&new, at + WAIT, note("still too soon")),
        Err(Refusal::Key(KeyError::RecoveryWaiting {
            until: Some(at + 3 + WAIT)
        }))
    );
    // Meanwhile the old key still acts (it could cancel).
    s.act(&lost, at + 4, note("still me"))
        .expect("the old key acts");
    // Someone's op after the wait puts it in force.
    witness(&mut s, 5, at + 3 + WAIT);
    s.act(&new, at + 3 + WAIT, note("back"))
        .expect("the new key acts");
    assert_eq!(s.view.chapter().owner(&new.did()), lost.did());
    // Its ops are the member's: a vouch by the new key is member 2's.
    s.act(
        &new,
        at + 4 + WAIT,
        Body::Chapter(ChapterOp::Vouch {
            subject: key(3).did(),
            trust_ppm: 600_000,
        }),
    )
    .expect("vouch");
    assert!(
        s.view.chapter().trust[&key(3).did()].contains_key(&(lost.did(), "general".into())),
        "the edge is the member's"
    );
    // The lost key is retired from then on.
    let r = s.act(&lost, at + 5 + WAIT, note("thief"));
    assert_eq!(
        r,
        Err(Refusal::Key(KeyError::Retired {
            key: lost.did(),
            member: lost.did()
        }))
    );
    assert_eq!(r.expect_err("refused").rule(), Rule::Identity);
}

#[test]
fn the_main_key_cancels_a_recovery_while_it_waits() {
    let mut s = coop(5);
    let (me, thief) = (key(2), key(102));
    let at = T0 + 100;
    let recovery = recovery_setup(&mut s, &me, &thief, at);
    s.act(&thief, at, Body::Keys(vec![recovery]))
        .expect("asked");
    let state = s.view.chapter().identities[&me.did()].clone();
    let cancel = next(&state, at + 5, KeyChange::CancelRecovery).sign(&[&me]);
    s.act(&me, at + 5, Body::Keys(vec![cancel]))
        .expect("cancelled");
    assert!(matches!(
        s.act(&thief, at + WAIT, note("mine now")),
        Err(Refusal::Key(KeyError::NotTheirs { .. }))
    ));
    s.act(&me, at + WAIT, note("still mine"))
        .expect("the member acts");
}

#[test]
fn once_the_chapter_has_seen_the_wait_pass_a_late_cancel_does_not_apply() {
    let mut s = coop(5);
    let (me, new, phone) = (key(2), key(102), key(52));
    // The member has a device before losing their main key.
    let state = KeyState::inception(me.did());
    let add = next(&state, T0 + 5, pairing_to(&phone, &me.did(), "phone")).sign(&[&me]);
    s.act(&me, T0 + 5, Body::Keys(vec![add])).expect("paired");
    let at = T0 + 100;
    let recovery = recovery_setup(&mut s, &me, &new, at);
    s.act(&new, at, Body::Keys(vec![recovery])).expect("asked");
    // Meanwhile neither key moves money.
    let pay = Body::Ledger(LedgerOp::Pay {
        to: Account::Commons,
        currency: "HOUR".into(),
        amount: 1,
        memo: String::new(),
        reference: None,
        claims: vec![],
    });
    assert_eq!(
        s.act(&me, at + 1, pay),
        Err(Refusal::Key(KeyError::RecoveryPending))
    );
    // Other members' governing ops start the wait and, claimed after it,
    // show the chapter that the time has passed.
    witness(&mut s, 3, at + 2);
    witness(&mut s, 4, at + 2 + WAIT);
    let state = s.view.chapter().identities[&me.did()].clone();
    assert_eq!(state.main, new.did(), "in force");
    assert!(
        state.devices.values().all(|d| d.revoked_at.is_some()),
        "the old key's devices are revoked"
    );
    // A cancel dated back into the waiting period comes too late.
    let mut late = next(&state, at + 10, KeyChange::CancelRecovery);
    late.ts = state.events.last().expect("events").event.ts;
    assert!(matches!(
        s.act(&me, at + 10, Body::Keys(vec![late.sign(&[&me])])),
        Err(Refusal::Key(KeyError::Retired { .. }))
    ));
    assert!(matches!(
        s.act(&phone, at + WAIT + 3, note("old phone")),
        Err(Refusal::Key(KeyError::Revoked { .. }))
    ));
}

#[test]
fn a_guardian_who_changed_keys_still_approves_with_the_new_one() {
    let mut s = coop(5);
    // Guardian 3 rotates first.
    let (g3, g3_new) = (key(3), key(103));
    let r = next(
        &KeyState::inception(g3.did()),
        T0 + 5,
        KeyChange::Rotate { key: g3_new.did() },
    );
    s.act(&g3, T0 + 5, Body::Keys(vec![r.sign(&[&g3, &g3_new])]))
        .expect("rotated");
    let (me, new) = (key(2), key(102));
    let state = KeyState::inception(me.did());
    let set = next(&state, T0 + 10, guardians(&[3, 4, 5], 2)).sign(&[&me]);
    s.act(&me, T0 + 10, Body::Keys(vec![set]))
        .expect("guardians");
    let state = s.view.chapter().identities[&me.did()].clone();
    let request = next(&state, T0 + 20, KeyChange::Recover { key: new.did() });
    // The guardian's retired key does not count; their new key does.
    let with_old = SignedEvent {
        event: request.clone(),
        sigs: vec![
            request.signature(&g3),
            request.signature(&key(4)),
            request.signature(&new),
        ],
    };
    assert_eq!(
        s.act(&new, T0 + 20, Body::Keys(vec![with_old])),
        Err(Refusal::Key(KeyError::TooFewGuardians { have: 1, need: 2 }))
    );
    let with_new = SignedEvent {
        event: request.clone(),
        sigs: vec![
            request.signature(&g3_new),
            request.signature(&key(4)),
            request.signature(&new),
        ],
    };
    s.act(&new, T0 + 20, Body::Keys(vec![with_new]))
        .expect("two guardians");
}

#[test]
fn devices_act_for_the_member_but_do_not_pay_and_stop_when_revoked() {
    let mut s = coop(3);
    let (me, phone) = (key(2), key(52));
    let state = KeyState::inception(me.did());
    let add = next(&state, T0 + 10, pairing_to(&phone, &me.did(), "phone")).sign(&[&me]);
    // The device carries its own pairing in, then posts as the member.
    s.act(&phone, T0 + 10, Body::Keys(vec![add]))
        .expect("paired");
    s.act(&phone, T0 + 11, note("from my phone"))
        .expect("posts");
    s.act(
        &phone,
        T0 + 12,
        Body::Chapter(ChapterOp::Profile(hearth_core::chapter::Profile {
            display_name: "Bo".into(),
            ..Default::default()
        })),
    )
    .expect("profile");
    assert_eq!(
        s.view.profile(&me.did()).map(|p| p.display_name.as_str()),
        Some("Bo"),
        "the profile is the member's"
    );
    assert_eq!(s.view.member_of(&phone.did()), me.did());
    let pay = LedgerOp::Pay {
        to: Account::Commons,
        currency: "HOUR".into(),
        amount: 1,
        memo: String::new(),
        reference: None,
        claims: vec![],
    };
    assert_eq!(
        s.act(&phone, T0 + 13, Body::Ledger(pay)),
        Err(Refusal::Key(KeyError::DeviceCannotPay))
    );
    let state = s.view.chapter().identities[&me.did()].clone();
    let revoke = next(
        &state,
        T0 + 20,
        KeyChange::RevokeDevice { key: phone.did() },
    )
    .sign(&[&me]);
    s.act(&me, T0 + 20, Body::Keys(vec![revoke]))
        .expect("revoked");
    assert!(matches!(
        s.act(&phone, T0 + 21, note("lost phone")),
        Err(Refusal::Key(KeyError::Revoked { .. }))
    ));
    // Another member's key cannot be taken as a device.
    let state = s.view.chapter().identities[&me.did()].clone();
    let grab = next(&state, T0 + 30, pairing_to(&key(3), &me.did(), "theirs")).sign(&[&me]);
    assert_eq!(
        s.act(&me, T0 + 30, Body::Keys(vec![grab])),
        Err(Refusal::Key(KeyError::KeyInUse(key(3).did())))
    );
    // Nor can a stranger's log be carried in.
    let stranger = KeyState::inception(key(9).did());
    let theirs =
        next(&stranger, T0 + 31, pairing_to(&key(60), &key(9).did(), "x")).sign(&[&key(9)]);
    assert_eq!(
        s.act(&me, T0 + 31, Body::Keys(vec![theirs])),
        Err(Refusal::Key(KeyError::NotMember(key(9).did())))
    );
}

#[test]
fn a_rotated_member_keeps_their_standing_under_the_new_key() {
    let mut s = coop(3);
    let (me, new) = (key(2), key(102));
    let state = KeyState::inception(me.did());
    let rotate = next(&state, T0 + 10, KeyChange::Rotate { key: new.did() }).sign(&[&me, &new]);
    // The old key publishes its own rotation, ending its log here.
    s.act(&me, T0 + 10, Body::Keys(vec![rotate]))
        .expect("rotated");
    s.act(&new, T0 + 11, note("new key"))
        .expect("the new key acts");
    assert!(s.view.is_member(&me.did()));
    assert!(matches!(
        s.act(&me, T0 + 12, note("old key")),
        Err(Refusal::Key(KeyError::Retired { .. }))
    ));
    let did: Did = me.did();
    assert_eq!(s.view.chapter().resolve(&new.did()).map(|r| r.0), Ok(did));
}

mod props {
    use std::collections::{BTreeMap, BTreeSet};

    use proptest::prelude::*;

    use super::*;
    use support::causal_order;

    /// What a member does to their keys, or an op by one of the keys.
    #[derive(Debug, Clone)]
    enum Step {
        Rotate,
        AddDevice,
        Revoke(proptest::sample::Index),
        Note(proptest::sample::Index),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            1 => Just(Step::Rotate),
            2 => Just(Step::AddDevice),
            1 => any::<proptest::sample::Index>().prop_map(Step::Revoke),
            5 => any::<proptest::sample::Index>().prop_map(Step::Note),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// An op is accepted exactly when its key was the member's main key
        /// or an active device as of its causal past, and every replica,
        /// whatever order the ops reach it in, attributes them the same.
        #[test]
        fn no_op_is_attributed_to_a_key_not_authorized_in_its_past(
            steps in proptest::collection::vec(step(), 1..40),
            picks in proptest::collection::vec(any::<proptest::sample::Index>(), 1..64),
        ) {
            let base = coop(3);
            let mut s = base.clone();
            let member = key(2).did();
            let pool: Vec<Keypair> = std::iter::once(key(2)).chain((60..72).map(key)).collect();
            let mut fresh = pool[1..].iter();
            let first = key(2);
            let mut main: &Keypair = &first;
            let mut devices: BTreeSet<Did> = BTreeSet::new();
            let mut verdicts = BTreeMap::new();
            let mut ts = T0 + 100;
            for st in &steps {
                ts += 10;
                let state = s.view.chapter().identities.get(&member).cloned()
                    .unwrap_or_else(|| KeyState::inception(member));
                let change = match st {
                    Step::Rotate | Step::AddDevice => {
                        let Some(k) = fresh.next() else { continue };
                        if matches!(st, Step::Rotate) {
                            let e = next(&state, ts, KeyChange::Rotate { key: k.did() });
                            s.act(main, ts, Body::Keys(vec![e.sign(&[main, k])]))
                                .expect("a rotation by the main key");
                            main = k;
                        } else {
                            let e = next(&state, ts, pairing_to(k, &member, "device"));
                            s.act(main, ts, Body::Keys(vec![e.sign(&[main])]))
                                .expect("a device by the main key");
                            devices.insert(k.did());
                        }
                        None
                    }
                    Step::Revoke(i) if !devices.is_empty() => {
                        let d = *devices.iter().nth(i.index(devices.len())).expect("one");
                        Some(KeyChange::RevokeDevice { key: d })
                    }
                    Step::Revoke(_) => None,
                    Step::Note(i) => {
                        let k = &pool[i.index(pool.len())];
                        let allowed = k.did() == main.did() || devices.contains(&k.did());
                        let r = s.act(k, ts, note("hello"));
                        prop_assert_eq!(r.is_ok(), allowed, "{:?} by {}", r, k.did());
                        if r.is_ok() {
                            prop_assert_eq!(s.view.member_of(&k.did()), member);
                        }
                        verdicts.insert(s.last(), r.is_ok());
                        None
                    }
                };
                if let Some(change) = change {
                    if let KeyChange::RevokeDevice { key: d } = &change {
                        devices.remove(d);
                    }
                    let e = next(&state, ts, change);
                    s.act(main, ts, Body::Keys(vec![e.sign(&[main])])).expect("revoke");
                }
            }
            let held = base.ops.iter().map(|o| o.id).collect();
            let mut replica = base.clone();
            for op in causal_order(&s.ops, &held, &picks) {
                let ok = replica.admit(&op).is_ok();
                if let Some(expected) = verdicts.get(&op.id) {
                    prop_assert_eq!(ok, *expected);
                }
            }
            prop_assert!(replica.view == s.view);
        }
    }
}
