//! Hearth's signature rule: the byte-level checks against the curve's real
//! torsion points, and batch verification accepting exactly what single
//! verification accepts, including adversarial signatures built with torsion.

use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT as B, EIGHT_TORSION};
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::scalar::Scalar;
use hearth_core::identity::{Did, Keypair};
use hearth_core::sig::{self, BatchItem, Signature, SignatureError};
use proptest::prelude::*;
use sha2::{Digest, Sha512};

#[test]
fn small_order_list_is_exactly_the_torsion_subgroup() {
    let mut from_curve: Vec<[u8; 32]> = EIGHT_TORSION.iter().map(|p| p.compress().0).collect();
    from_curve.sort();
    from_curve.dedup();
    assert_eq!(from_curve.len(), 8);
    for enc in &from_curve {
        assert!(sig::is_small_order(enc), "{enc:02x?} is small order");
        assert!(sig::is_canonical_point(enc));
    }
    // And nothing else is flagged.
    for i in 0u64..500 {
        let p = B * Scalar::from(i + 1);
        assert!(!sig::is_small_order(&p.compress().0));
        assert!(sig::is_canonical_point(&p.compress().0));
    }
}

#[test]
fn the_nineteen_non_canonical_y_encodings_are_refused() {
    // y in [p, 2^255): p = 2^255 - 19, little endian ed ff .. ff 7f.
    for k in 0u8..19 {
        let mut y = [0xffu8; 32];
        y[31] = 0x7f;
        y[0] = 0xed + k;
        assert!(!sig::is_canonical_point(&y), "y = p + {k}");
        assert_eq!(
            Did::from_public_key(y),
            Err(hearth_core::identity::DidError::NonCanonical)
        );
    }
}

/// A signature built by hand so that we control R: `R = rB + T`, then
/// `s = r + H(R‖A‖M)·a`. With T = identity this is an honest signature.
fn forge_with_torsion(a: Scalar, msg: &[u8], r: Scalar, t: EdwardsPoint) -> (Did, Signature) {
    let public = (B * a).compress().0;
    let big_r = (B * r + t).compress().0;
    let mut h = Sha512::new();
    h.update(big_r);
    h.update(public);
    h.update(msg);
    let k = Scalar::from_bytes_mod_order_wide(&h.finalize().into());
    let s = r + k * a;
    let mut bytes = [0u8; 64];
    bytes[..32].copy_from_slice(&big_r);
    bytes[32..].copy_from_slice(s.as_bytes());
    (
        Did::from_public_key(public).expect("key"),
        Signature::from_bytes(bytes),
    )
}

#[test]
fn torsion_in_r_is_accepted_consistently_by_single_and_batch() {
    let a = Scalar::from(123_456_789u64);
    let r = Scalar::from(987_654_321u64);
    let msg = b"hearth";
    // Honest.
    let (did, honest) = forge_with_torsion(a, msg, r, EdwardsPoint::default());
    assert_eq!(sig::verify(&did, msg, &honest), Ok(()));
    for t in &EIGHT_TORSION[1..] {
        let (did, sig) = forge_with_torsion(a, msg, r, *t);
        // The cofactored rule accepts it, and so must the batch, every time.
        assert_eq!(sig::verify(&did, msg, &sig), Ok(()));
        for seed in 0u8..16 {
            let items = [BatchItem {
                signer: &did,
                message: msg,
                signature: &sig,
            }];
            assert_eq!(sig::verify_batch(&items, &mut seeded(seed)), vec![Ok(())]);
        }
        // The cofactorless verify_strict refuses it: the documented difference.
        let vk = ed25519_dalek::VerifyingKey::from_bytes(did.public_key()).expect("key");
        let dalek_sig = ed25519_dalek::Signature::from_bytes(&sig.to_bytes());
        assert!(vk.verify_strict(msg, &dalek_sig).is_err());
    }
}

/// Repeatable batch coefficients for tests (real callers seed from the OS).
fn seeded(seed: u8) -> hearth_core::rng::SeededRng {
    hearth_core::rng::SeededRng::new([seed; 32])
}

#[derive(Debug, Clone, Copy)]
enum Mutation {
    None,
    WrongMessage,
    TorsionR(usize),
    SmallOrderR(usize),
    SPlusL,
    NonCanonicalR,
    FlipBit(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => Just(Mutation::None),
        1 => Just(Mutation::WrongMessage),
        1 => (1usize..8).prop_map(Mutation::TorsionR),
        1 => (0usize..8).prop_map(Mutation::SmallOrderR),
        1 => Just(Mutation::SPlusL),
        1 => Just(Mutation::NonCanonicalR),
        1 => (0usize..512).prop_map(Mutation::FlipBit),
    ]
}

fn build(i: usize, m: Mutation) -> (Did, Vec<u8>, Signature) {
    let a = Scalar::from(1000 + (i as u64 % 3)); // a few signers share keys
    let r = Scalar::from(77 + i as u64);
    let msg = format!("op {i}").into_bytes();
    match m {
        Mutation::TorsionR(t) => {
            let (d, s) = forge_with_torsion(a, &msg, r, EIGHT_TORSION[t]);
            (d, msg, s)
        }
        _ => {
            let (d, s) = forge_with_torsion(a, &msg, r, EdwardsPoint::default());
            let mut bytes = s.to_bytes();
            let mut msg = msg;
            match m {
                Mutation::WrongMessage => msg.push(b'!'),
                Mutation::SmallOrderR(t) => {
                    bytes[..32].copy_from_slice(&EIGHT_TORSION[t].compress().0)
                }
                Mutation::SPlusL => {
                    // s + l as a 256-bit integer: the same scalar, non-canonically.
                    let mut carry = 0u16;
                    let lb = hex::decode(
                        "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010",
                    )
                    .expect("hex");
                    for (x, y) in bytes[32..].iter_mut().zip(lb) {
                        let sum = u16::from(*x) + u16::from(y) + carry;
                        *x = sum as u8;
                        carry = sum >> 8;
                    }
                }
                Mutation::NonCanonicalR => {
                    // y = p + 1 encodes y = 1 non-canonically.
                    let mut y = [0xffu8; 32];
                    y[31] = 0x7f;
                    y[0] = 0xee;
                    bytes[..32].copy_from_slice(&y);
                }
                Mutation::FlipBit(bit) => bytes[bit / 8] ^= 1 << (bit % 8),
                _ => {}
            }
            (d, msg, Signature::from_bytes(bytes))
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn batch_verdicts_equal_single_verdicts(
        mutations in proptest::collection::vec(mutation(), 1..24),
        seed in any::<u8>(),
    ) {
        let built: Vec<_> = mutations.iter().enumerate().map(|(i, m)| build(i, *m)).collect();
        let items: Vec<BatchItem<'_>> = built
            .iter()
            .map(|(d, m, s)| BatchItem { signer: d, message: m, signature: s })
            .collect();
        let single: Vec<Result<(), SignatureError>> =
            built.iter().map(|(d, m, s)| sig::verify(d, m, s)).collect();
        let batch = sig::verify_batch(&items, &mut seeded(seed));
        prop_assert_eq!(&batch, &single);
        for (m, verdict) in mutations.iter().zip(&single) {
            match m {
                Mutation::None | Mutation::TorsionR(_) => prop_assert_eq!(verdict, &Ok(())),
                Mutation::WrongMessage => prop_assert_eq!(verdict, &Err(SignatureError::Mismatch)),
                Mutation::SmallOrderR(_) => prop_assert_eq!(verdict, &Err(SignatureError::SmallOrderR)),
                Mutation::SPlusL => prop_assert_eq!(verdict, &Err(SignatureError::NonCanonicalS)),
                Mutation::NonCanonicalR => prop_assert_eq!(verdict, &Err(SignatureError::NonCanonicalR)),
                Mutation::FlipBit(_) => prop_assert!(verdict.is_err()),
            }
        }
    }
}

#[test]
fn a_generated_keypair_signs_what_it_verifies() {
    let kp = Keypair::generate(&mut rand_core::UnwrapErr(getrandom::SysRng));
    let sig = kp.sign(b"x");
    assert_eq!(kp.did().verify(b"x", &sig), Ok(()));
}
