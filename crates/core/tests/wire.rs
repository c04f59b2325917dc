//! The wire format, pinned: byte fixtures of ops made from fixed keys, plus
//! property round-trips. A change to any fixture is a format change and must
//! be deliberate (regenerate with `HEARTH_BLESS=1 cargo test -p hearth-core --test wire`).

use std::path::PathBuf;

use hearth_core::equivocation::EquivocationProof;
use hearth_core::op::{Body, OP_VERSION, OpData};
use hearth_core::{DecodedOp, Did, Keypair, Op, OpId, SpaceId};
use proptest::prelude::*;

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures")).join(name)
}

/// Compares `bytes` with the committed fixture `name` (hex, with its CID on
/// the first line).
fn pin(name: &str, op: &DecodedOp) {
    let text = format!("{}\n{}\n", op.id, hex::encode(&op.bytes));
    let path = fixture_path(name);
    if std::env::var_os("HEARTH_BLESS").is_some() {
        std::fs::write(&path, &text).expect("bless");
    }
    let pinned = std::fs::read_to_string(&path).expect("fixture present");
    assert_eq!(pinned, text, "{name}: the wire format changed");
    let mut lines = pinned.lines();
    let id: OpId = lines.next().expect("cid").parse().expect("cid parses");
    let bytes = hex::decode(lines.next().expect("hex")).expect("hex");
    let decoded = Op::decode(&bytes).expect("fixture decodes");
    assert_eq!(decoded.id, id);
    assert_eq!(decoded.op, op.op);
}

fn alice() -> Keypair {
    Keypair::from_seed(&[0xa1; 32])
}

fn genesis() -> DecodedOp {
    let nonce = vec![0x5e; 16];
    OpData {
        v: OP_VERSION,
        space: SpaceId::derive(alice().did().public_key(), &nonce),
        author: alice().did(),
        seq: 0,
        prev: None,
        deps: vec![],
        ts: 1_763_900_000_000,
        body: Body::Genesis {
            name: "Riverside Food Co-op".into(),
            nonce,
            founding: None,
        },
    }
    .sign(&alice())
}

#[test]
fn genesis_fixture() {
    let g = genesis();
    pin("genesis.op", &g);
    // The layout, readable: a map of "sig" and "data", dag-cbor CIDv1 with BLAKE3.
    assert_eq!(&g.bytes[..5], &[0xa2, 0x63, b's', b'i', b'g']);
    assert_eq!(&g.id.to_cid_bytes()[..4], &[0x01, 0x71, 0x1e, 0x20]);
}

#[test]
fn member_and_note_fixtures() {
    let g = genesis();
    let bob = Keypair::from_seed(&[0xb0; 32]).did();
    let add = OpData {
        v: OP_VERSION,
        space: g.op.data.space,
        author: alice().did(),
        seq: 1,
        prev: Some(g.id),
        deps: vec![],
        ts: 1_763_900_000_500,
        body: Body::AddMember { member: bob },
    }
    .sign(&alice());
    pin("add_member.op", &add);
    let note = OpData {
        v: OP_VERSION,
        space: g.op.data.space,
        author: Keypair::from_seed(&[0xb0; 32]).did(),
        seq: 0,
        prev: None,
        deps: vec![add.id],
        ts: 1_763_900_001_000,
        body: Body::Note {
            text: "Market stall on Saturday — who brings bread?".into(),
        },
    }
    .sign(&Keypair::from_seed(&[0xb0; 32]));
    pin("note.op", &note);
}

#[test]
fn chapter_fixtures() {
    use hearth_core::chapter::{ChapterOp, Founding, InviteUse, Template, Tier, invite_code_hash};
    let nonce = vec![0x6c; 16];
    let charter = Template::SmallCooperative.charter("Feed the neighbourhood");
    let founded = OpData {
        v: OP_VERSION,
        space: SpaceId::derive(alice().did().public_key(), &nonce),
        author: alice().did(),
        seq: 0,
        prev: None,
        deps: vec![],
        ts: 1_763_900_000_000,
        body: Body::Genesis {
            name: "Riverside Food Co-op".into(),
            nonce,
            founding: Some(Box::new(Founding {
                charter,
                founders: vec![],
            })),
        },
    }
    .sign(&alice());
    pin("chapter_genesis.op", &founded);
    let code = [0x42; 32];
    let invite = OpData {
        v: OP_VERSION,
        space: founded.op.data.space,
        author: alice().did(),
        seq: 1,
        prev: Some(founded.id),
        deps: vec![],
        ts: 1_763_900_000_500,
        body: Body::Chapter(ChapterOp::Invite {
            code_hash: invite_code_hash(&code),
            expires_at: 1_764_500_000_000,
            max_uses: 3,
            tier: Tier::Full,
        }),
    }
    .sign(&alice());
    pin("invite.op", &invite);
    let bob = Keypair::from_seed(&[0xb0; 32]);
    let join = OpData {
        v: OP_VERSION,
        space: founded.op.data.space,
        author: bob.did(),
        seq: 0,
        prev: None,
        deps: vec![invite.id],
        ts: 1_763_900_001_000,
        body: Body::Chapter(ChapterOp::Join {
            invite: Some(InviteUse {
                invite: invite.id,
                code,
            }),
            profile: None,
        }),
    }
    .sign(&bob);
    pin("join.op", &join);
}

#[test]
fn equivocation_proof_fixture() {
    let g = genesis();
    let fork = |text: &str| {
        OpData {
            v: OP_VERSION,
            space: g.op.data.space,
            author: alice().did(),
            seq: 1,
            prev: Some(g.id),
            deps: vec![],
            ts: 1_763_900_000_500,
            body: Body::Note { text: text.into() },
        }
        .sign(&alice())
    };
    let (proof, found) =
        EquivocationProof::new(fork("left").bytes, fork("right").bytes).expect("proof");
    assert_eq!((found.author, found.seq), (alice().did(), 1));
    let bytes = proof.encode();
    let path = fixture_path("equivocation.proof");
    if std::env::var_os("HEARTH_BLESS").is_some() {
        std::fs::write(&path, hex::encode(&bytes)).expect("bless");
    }
    let pinned = hex::decode(std::fs::read_to_string(&path).expect("fixture").trim()).expect("hex");
    assert_eq!(pinned, bytes);
    assert_eq!(EquivocationProof::decode(&pinned).expect("checks").1, found);
}

fn arb_body() -> impl Strategy<Value = Body> {
    prop_oneof![
        ".{0,300}".prop_map(|text| Body::Note { text }),
        any::<[u8; 32]>().prop_map(|s| Body::AddMember {
            member: Keypair::from_seed(&s).did()
        }),
        any::<[u8; 32]>().prop_map(|s| Body::RemoveMember {
            member: Keypair::from_seed(&s).did()
        }),
    ]
}

proptest! {
    #[test]
    fn ops_round_trip_exactly(
        seed in any::<[u8; 32]>(),
        seq in 1u64..u64::MAX,
        prev in any::<[u8; 32]>(),
        deps in proptest::collection::btree_set(any::<[u8; 32]>(), 0..8),
        ts in any::<u64>(),
        body in arb_body(),
    ) {
        let kp = Keypair::from_seed(&seed);
        let deps: Vec<OpId> = deps.into_iter().map(OpId::from_digest).filter(|d| *d != OpId::from_digest(prev)).collect();
        let op = OpData {
            v: OP_VERSION,
            space: SpaceId::from_bytes(seed),
            author: kp.did(),
            seq,
            prev: Some(OpId::from_digest(prev)),
            deps,
            ts,
            body,
        }
        .sign(&kp);
        let again = Op::decode(&op.bytes).expect("decodes");
        prop_assert_eq!(&again, &op);
        prop_assert_eq!(again.op.encode(), op.bytes.clone());
        prop_assert!(kp.did().verify(&again.op.data.signing_bytes(), &again.op.sig).is_ok());
        prop_assert_eq!(again.signing_bytes(), again.op.data.signing_bytes());
        let did: Did = kp.did().to_string().parse().expect("did text");
        prop_assert_eq!(did, kp.did());
    }

    #[test]
    fn flipping_any_bit_never_yields_the_same_valid_op(
        at in any::<prop::sample::Index>(), bit in 0u8..8,
    ) {
        let g = genesis();
        let mut bytes = g.bytes.clone();
        let i = at.index(bytes.len());
        bytes[i] ^= 1 << bit;
        match Op::decode(&bytes) {
            Err(_) => {}
            Ok(op) => {
                prop_assert_ne!(op.id, g.id);
                let d = &op.op.data;
                prop_assert!(d.author.verify(&d.signing_bytes(), &op.op.sig).is_err());
            }
        }
    }
}

#[test]
fn payment_fixture() {
    use hearth_core::ledger::{Account, LedgerOp, Reference};
    let g = genesis();
    let bob = Keypair::from_seed(&[0xb0; 32]);
    let pay = OpData {
        v: OP_VERSION,
        space: g.op.data.space,
        author: alice().did(),
        seq: 1,
        prev: Some(g.id),
        deps: vec![],
        ts: 1_763_900_002_000,
        body: Body::Ledger(LedgerOp::Pay {
            to: Account::Member(bob.did()),
            currency: "HOUR".into(),
            amount: 150,
            memo: "an hour and a half of tutoring".into(),
            reference: Some(Reference::Offer("tutoring".into())),
            claims: vec![],
        }),
    }
    .sign(&alice());
    pin("pay.op", &pay);
}
