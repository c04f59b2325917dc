//! Identity logs as a member's key events fold: rotation, devices and
//! their pairing, guardians, and every way an event is refused (see
//! `keys_chapter.rs` for chapters attributing ops through the log).

mod support;

use hearth_core::Keypair;
use hearth_core::keys::{KeyChange, KeyError, KeyRole, KeyState, confirmation_code};
use support::keys::{guardians, next, pairing_to};
use support::{T0, key};

/// A device's pairing to member 1 (the unit tests' member).
fn pairing(device: &Keypair, name: &str) -> KeyChange {
    pairing_to(device, &key(1).did(), name)
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
