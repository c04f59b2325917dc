//! Identity logs in a chapter: ops attributed through the member's log,
//! recoveries by guardians (waiting, taking effect, cancelled, too late),
//! devices, rotation, and a property test over arrival orders.

mod support;

use hearth_core::chapter::{ChapterOp, Refusal, Rule};
use hearth_core::keys::{KeyChange, KeyError, KeyState, SignedEvent};
use hearth_core::op::Body;
use hearth_core::{Did, Keypair};
use support::keys::{
    WAIT, coop, guardians, next, note, pairing_to, pay_commons, recovery_setup, witness,
};
use support::{T0, key};

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
    let pay = Body::Ledger(pay_commons());
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
    let pay = pay_commons();
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
