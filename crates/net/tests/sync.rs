//! The sync machine on its own: two machines wired by hand, no network.

use hearth_core::{Keypair, SpaceId, VersionVector};
use hearth_net::sync::{
    Config, Output, QUIET_SHIFT_MAX, Resolved, Sync, SyncMessage, WireError, pack, unpack,
};

fn space() -> SpaceId {
    SpaceId::from_bytes([5; 32])
}

fn vv(entries: &[(u8, u64)]) -> VersionVector {
    let mut vv = VersionVector::new();
    for (seed, seq) in entries {
        vv.observe(Keypair::from_seed(&[*seed; 32]).did(), *seq);
    }
    vv
}

/// Drains a machine's outputs.
fn drain(m: &mut Sync<u8>) -> Vec<Output<u8>> {
    std::iter::from_fn(|| m.poll_output()).collect()
}

fn sent(outputs: &[Output<u8>]) -> Vec<(u8, SyncMessage)> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Send { peer, message } => Some((*peer, message.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn in_steady_state_only_a_digest_goes_out_and_nothing_comes_back() {
    let (mut a, mut b) = (Sync::new(Config::default()), Sync::new(Config::default()));
    let held = vv(&[(1, 3), (2, 7)]);
    a.handle_holdings(space(), held.clone());
    b.handle_holdings(space(), held);
    a.handle_connected(2u8, 0);
    b.handle_connected(1u8, 0);
    // First contact: full vectors both ways, no ops asked.
    let first_a = sent(&drain(&mut a));
    let first_b = sent(&drain(&mut b));
    assert!(matches!(
        first_a[0].1,
        SyncMessage::Summary { vv: Some(_), .. }
    ));
    b.handle_message(1, &first_a[0].1.encode(), 1);
    a.handle_message(2, &first_b[0].1.encode(), 1);
    // Equal holdings: each answers with its digest alone ("the same"), and
    // that answer needs none.
    let agree_b = sent(&drain(&mut b));
    let agree_a = sent(&drain(&mut a));
    for agree in [&agree_a, &agree_b] {
        assert!(
            matches!(
                &agree[..],
                [(
                    _,
                    SyncMessage::Summary {
                        vv: None,
                        reply: false,
                        ..
                    }
                )]
            ),
            "{agree:?}"
        );
    }
    a.handle_message(2, &agree_b[0].1.encode(), 2);
    b.handle_message(1, &agree_a[0].1.encode(), 2);
    assert!(drain(&mut a).is_empty() && drain(&mut b).is_empty());
    assert!(a.agrees(&2, &space()) && b.agrees(&1, &space()));
    // Later rounds: the digest alone, and silence.
    a.handle_tick(10_000);
    let round = sent(&drain(&mut a));
    assert_eq!(round.len(), 1, "{round:?}");
    let SyncMessage::Summary { vv: None, .. } = &round[0].1 else {
        panic!("expected a digest-only summary, got {:?}", round[0].1);
    };
    assert!(round[0].1.encode().len() < 128);
    b.handle_message(1, &round[0].1.encode(), 10_001);
    // The peer confirms with its digest, and that needs no answer.
    let confirm = sent(&drain(&mut b));
    assert!(
        matches!(
            &confirm[..],
            [(
                1,
                SyncMessage::Summary {
                    vv: None,
                    reply: false,
                    ..
                }
            )]
        ),
        "{confirm:?}"
    );
    a.handle_message(2, &confirm[0].1.encode(), 10_002);
    assert!(drain(&mut a).is_empty());
    assert!(a.agrees(&2, &space()));
}

#[test]
fn a_behind_peer_is_sent_what_it_lacks_and_asked_for_what_it_has() {
    let (mut a, mut b) = (Sync::new(Config::default()), Sync::new(Config::default()));
    a.handle_holdings(space(), vv(&[(1, 5), (2, 1)]));
    b.handle_holdings(space(), vv(&[(1, 2), (3, 0)]));
    b.handle_connected(1u8, 0);
    let summary = sent(&drain(&mut b)).remove(0).1;
    a.handle_connected(2u8, 0);
    drain(&mut a);
    a.handle_message(2, &summary.encode(), 1);
    let out = drain(&mut a);
    // Fetch for b: author 1 beyond 2, all of author 2.
    let Some(Output::Fetch { theirs, .. }) = out.iter().find(|o| matches!(o, Output::Fetch { .. }))
    else {
        panic!("no fetch in {out:?}");
    };
    assert_eq!(theirs, &vv(&[(1, 2)]));
    // And a's own vector back, since b holds author 3 that a lacks.
    assert!(sent(&out).iter().any(|(p, m)| *p == 2
        && matches!(
            m,
            SyncMessage::Summary {
                vv: Some(_),
                reply: false,
                ..
            }
        )));
}

#[test]
fn a_peer_sending_garbage_is_cut_off_and_refused_for_a_while() {
    let config = Config {
        max_invalid: 2,
        ban_ms: 1_000,
        ..Config::default()
    };
    let mut a = Sync::new(config);
    a.handle_holdings(space(), vv(&[(1, 0)]));
    a.handle_connected(9u8, 0);
    drain(&mut a);
    for t in 0..3 {
        a.handle_message(9, b"\xff\x00 not a message", t);
    }
    let out = drain(&mut a);
    assert!(
        matches!(out.last(), Some(Output::Disconnect { peer: 9, .. })),
        "{out:?}"
    );
    assert_eq!(a.peers().count(), 0);
    a.handle_connected(9, 500);
    assert!(matches!(
        drain(&mut a).as_slice(),
        [Output::Disconnect { peer: 9, .. }]
    ));
    a.handle_connected(9, 2_000);
    assert_eq!(a.peers().count(), 1, "the ban expires");
}

#[test]
fn a_batch_marked_more_is_answered_before_it_is_ingested() {
    let mut a = Sync::new(Config::default());
    a.handle_holdings(space(), vv(&[(7, 0)]));
    a.handle_connected(4u8, 0);
    drain(&mut a);
    // Two batches of author 1's log (seq 0..=1, then 2), each marked more.
    let ops = hearth_node::testkit::workload(3, 1);
    let batch = |ops: &[Vec<u8>], more| SyncMessage::Ops {
        space: space(),
        ops: ops.iter().cloned().map(Into::into).collect(),
        more,
    };
    a.handle_message(4, &batch(&ops[..2], true).encode(), 1);
    let out = drain(&mut a);
    // The next summary goes out first, counting the batch as held; then
    // the batch goes to ingest.
    let claimed = |out: &[Output<u8>]| match out {
        [
            Output::Send {
                peer: 4,
                message:
                    SyncMessage::Summary {
                        vv: Some(v),
                        reply: false,
                        ..
                    },
            },
            Output::Ingest {
                peer: 4, blocks, ..
            },
        ] => (
            unpack(v, &vv(&[(7, 5), (1, 5)])).expect("reads").known,
            blocks.len(),
        ),
        other => panic!("{other:?}"),
    };
    assert_eq!(claimed(&out), (vv(&[(7, 0), (1, 1)]), 2));
    // The second batch arrives before the first is ingested: the claim
    // grows from the last one, not from the holdings.
    a.handle_message(4, &batch(&ops[2..], true).encode(), 2);
    assert_eq!(claimed(&drain(&mut a)), (vv(&[(7, 0), (1, 2)]), 1));
    // Ingesting does not ask again, and the round still awaits its answer.
    a.handle_ingested(4, space(), vv(&[(7, 0), (1, 1)]), 0, 3);
    assert!(drain(&mut a).is_empty());
    assert!(!a.agrees(&4, &space()));
    // The last batch ends the continuation.
    a.handle_message(4, &batch(&[], false).encode(), 4);
    assert!(matches!(&drain(&mut a)[..], [Output::Ingest { .. }]));
    a.handle_ingested(4, space(), vv(&[(7, 0), (1, 2)]), 0, 5);
    assert!(drain(&mut a).is_empty());
}

#[test]
fn packed_vectors_resolve_against_known_authors() {
    let ours = vv(&[(1, 4), (2, 9)]);
    let theirs = vv(&[(1, 2), (7, 3)]);
    let packed = pack(&theirs);
    assert_eq!(packed.len(), 2 * (8 + 1));
    let resolved = unpack(&packed, &ours).expect("reads");
    assert_eq!(
        resolved,
        Resolved {
            known: vv(&[(1, 2)]),
            unknown: true,
            ops: 3 + 4,
        }
    );
    assert!(matches!(
        unpack(&packed[..5], &ours),
        Err(WireError::Malformed(_))
    ));
}

/// The wire format, pinned: a change here is a protocol change.
#[test]
fn messages_have_a_fixed_encoding() {
    let summary = SyncMessage::Summary {
        space: space(),
        digest: [7; 32],
        vv: Some(vec![0xaa; 9].into()),
        reply: true,
    };
    let bytes = summary.encode();
    assert_eq!(
        hex(&bytes),
        "a16773756d6d617279a462767649aaaaaaaaaaaaaaaaaa657265706c79f5657370616365582005050505050505050505050505050505050505050505050505050505050505056664696765737458200707070707070707070707070707070707070707070707070707070707070707"
    );
    assert_eq!(SyncMessage::decode(&bytes).expect("decodes"), summary);
    assert!(matches!(
        SyncMessage::decode(&vec![0; 2 << 20]),
        Err(WireError::TooLarge(_))
    ));
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn a_flooding_peer_is_cut_off_while_an_honest_one_is_still_answered() {
    let mut relay = Sync::new(Config::default());
    relay.handle_holdings(space(), vv(&[(1, 3)]));
    relay.handle_connected(7u8, 0); // the flooder
    relay.handle_connected(8u8, 0); // an honest member
    drain(&mut relay);
    // Well-formed summaries, far faster than any honest peer sends.
    let summary = SyncMessage::Summary {
        space: space(),
        digest: [0; 32],
        vv: None,
        reply: false,
    }
    .encode();
    let mut cut_off = false;
    for i in 0..5_000u64 {
        relay.handle_message(7, &summary, 1 + i / 1_000);
        let out = drain(&mut relay);
        if out
            .iter()
            .any(|o| matches!(o, Output::Disconnect { peer: 7, .. }))
        {
            cut_off = true;
            break;
        }
    }
    assert!(cut_off, "the flooder was never cut off");
    assert!(!relay.peers().any(|p| *p == 7));
    // The honest member, sending at its own pace, still gets answers.
    let ask = SyncMessage::Summary {
        space: space(),
        digest: [1; 32],
        vv: Some(pack(&vv(&[(1, 1)])).into()),
        reply: true,
    };
    relay.handle_message(8, &ask.encode(), 10);
    let answers = drain(&mut relay);
    assert!(
        answers
            .iter()
            .any(|o| matches!(o, Output::Fetch { peer: 8, .. })),
        "{answers:?}"
    );
    // And the flooder is refused when it comes back.
    relay.handle_connected(7, 20);
    assert!(matches!(
        drain(&mut relay)[..],
        [Output::Disconnect { peer: 7, .. }]
    ));
}

#[test]
fn quiet_rounds_space_out_and_a_change_brings_them_back() {
    let (mut a, mut b) = (Sync::new(Config::default()), Sync::new(Config::default()));
    let held = vv(&[(1, 3)]);
    a.handle_holdings(space(), held.clone());
    b.handle_holdings(space(), held.clone());
    a.handle_connected(2u8, 0);
    b.handle_connected(1u8, 0);
    // Ticks every 250 ms from `from` until `until`, carrying every message
    // between the two; b changes nothing, so it only ever answers. Returns
    // when a's rounds went out, and each round's summary.
    let mut run = |a: &mut Sync<u8>, from: u64, until: u64| {
        let mut rounds = Vec::new();
        let mut now = from;
        while now < until {
            a.handle_tick(now);
            let mut to_b = sent(&drain(a));
            for (_, message) in &to_b {
                if let SyncMessage::Summary { reply: true, .. } = message {
                    rounds.push((now, message.clone()));
                }
            }
            while !to_b.is_empty() {
                for (_, message) in to_b.drain(..) {
                    b.handle_message(1, &message.encode(), now);
                }
                for (_, message) in sent(&drain(&mut b)) {
                    a.handle_message(2, &message.encode(), now);
                }
                to_b = sent(&drain(a));
            }
            now += 250;
        }
        rounds
    };
    let rounds = run(&mut a, 250, 40_000);
    assert!(a.agrees(&2, &space()));
    let at: Vec<u64> = rounds.iter().map(|(t, _)| *t).collect();
    let gaps: Vec<u64> = at.windows(2).map(|w| w[1] - w[0]).collect();
    let round_ms = Config::default().round_ms;
    let longest = round_ms << QUIET_SHIFT_MAX;
    assert!(gaps.windows(2).all(|g| g[0] <= g[1]), "{gaps:?}");
    assert_eq!(gaps.last(), Some(&longest), "{gaps:?}");
    assert!(at.len() < 40_000 / round_ms as usize / 4, "{at:?}");
    // After first contact, rounds are the digest alone.
    assert!(
        (rounds.iter().skip(1)).all(|(_, m)| matches!(m, SyncMessage::Summary { vv: None, .. })),
        "{rounds:?}"
    );
    // A change (an op written or received) brings the next round within
    // two rounds' time of the last, still as a digest.
    let last = *at.last().expect("rounds");
    a.handle_holdings(space(), vv(&[(1, 4)]));
    let again = run(&mut a, 40_000, 40_000 + 3 * round_ms);
    assert_eq!(again[0].0, (last + 2 * round_ms).max(40_000), "{again:?}");
    assert!(matches!(again[0].1, SyncMessage::Summary { vv: None, .. }));
}

/// Passes messages between `a` (named `an`) and `b` (named `bn`) until
/// neither has more to say; returns every peer `a` sent to.
fn converse(a: &mut Sync<u8>, an: u8, b: &mut Sync<u8>, bn: u8, now: u64) -> Vec<u8> {
    let mut to = Vec::new();
    loop {
        let from_a = sent(&drain(a));
        let from_b = sent(&drain(b));
        if from_a.is_empty() && from_b.is_empty() {
            return to;
        }
        for (peer, message) in from_a {
            to.push(peer);
            if peer == bn {
                b.handle_message(an, &message.encode(), now);
            }
        }
        for (peer, message) in from_b {
            if peer == an {
                a.handle_message(bn, &message.encode(), now);
            }
        }
    }
}

#[test]
fn a_peer_that_does_not_sync_a_space_says_so_and_the_round_moves_on_at_once() {
    const ALICE: u8 = 1;
    const RELAY: u8 = 2;
    const MEMBER: u8 = 9;
    let mut member = Sync::new(Config::default());
    // A relay that hosts only what it is asked to, and holds nothing here.
    let mut relay = Sync::new(Config::default());
    let mut alice = Sync::new(Config::default());
    alice.handle_holdings(space(), vv(&[(1, 3)]));
    member.handle_connected(ALICE, 0);
    member.handle_connected(RELAY, 0);
    relay.handle_connected(MEMBER, 0);
    alice.handle_connected(MEMBER, 0);
    for m in [&mut member, &mut relay, &mut alice] {
        drain(m);
    }

    // The member joins the space; its first round goes to the relay.
    member.handle_holdings(space(), VersionVector::new());
    member.handle_tick(10);
    let first = sent(&drain(&mut member));
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].0, RELAY);
    relay.handle_message(MEMBER, &first[0].1.encode(), 11);
    let answer = sent(&drain(&mut relay));
    assert_eq!(
        answer,
        [(MEMBER, SyncMessage::NotSynced { space: space() })]
    );

    // Told so, the member asks Alice at once, not a round timeout later.
    member.handle_message(RELAY, &answer[0].1.encode(), 12);
    member.handle_tick(12);
    let next = sent(&drain(&mut member));
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].0, ALICE);
    alice.handle_message(MEMBER, &next[0].1.encode(), 12);
    let mut asked = converse(&mut member, MEMBER, &mut alice, ALICE, 12);

    // The rounds after that leave the relay out for a while.
    let mut now = 12;
    while now < 12 + hearth_net::sync::NOT_SYNCED_MS - 1_000 {
        now += 500;
        member.handle_tick(now);
        asked.extend(converse(&mut member, MEMBER, &mut alice, ALICE, now));
    }
    assert!(asked.contains(&ALICE));
    assert!(!asked.contains(&RELAY), "a round went to the relay again");
    // Then it is asked again (it may have taken the space up).
    let mut again = false;
    for _ in 0..40 {
        now += 500;
        member.handle_tick(now);
        again |= sent(&drain(&mut member)).iter().any(|(p, _)| *p == RELAY);
    }
    assert!(again, "the relay was never asked again");
}

#[test]
fn a_relay_that_hosts_all_never_says_it_does_not_sync() {
    let mut relay = Sync::new(Config {
        host_all: true,
        ..Config::default()
    });
    relay.handle_connected(9u8, 0);
    let ask = SyncMessage::Summary {
        space: space(),
        digest: [1; 32],
        vv: Some(pack(&vv(&[(1, 1)])).into()),
        reply: true,
    };
    relay.handle_message(9, &ask.encode(), 1);
    let answers = sent(&drain(&mut relay));
    assert!(!answers.is_empty());
    assert!(
        answers
            .iter()
            .all(|(_, m)| !matches!(m, SyncMessage::NotSynced { .. }))
    );
}

#[test]
fn not_synced_has_a_fixed_encoding() {
    let message = SyncMessage::NotSynced { space: space() };
    let bytes = message.encode();
    assert_eq!(
        hex(&bytes),
        format!(
            "a16a6e6f745f73796e636564a16573706163655820{}",
            "05".repeat(32)
        )
    );
    assert_eq!(SyncMessage::decode(&bytes).expect("decodes"), message);
}
