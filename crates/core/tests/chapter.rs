//! The chapter domain: every admission policy, tier, status change and
//! constitutional violation, through validation and the space's view.

mod support;

use hearth_core::chapter::charter::{Admission, AdmissionPolicy};
use hearth_core::chapter::{
    ChapterOp, CharterChange, Founding, InviteUse, Permission, Refusal, Rule, Status, Template,
    Tier, Version, invite_code_hash,
};
use support::{DAY, Space, T0, key};

fn chapter(kind: Admission) -> (Space, hearth_core::Keypair) {
    let founder = key(1);
    let mut charter = Template::SmallCooperative.charter("Feed the neighbourhood");
    charter.admission = AdmissionPolicy {
        kind,
        entry_tier: Tier::Full,
        probation_ms: 0,
    };
    let space = Space::found(
        &founder,
        Some(Founding {
            charter,
            founders: vec![],
        }),
    );
    (space, founder)
}

fn invite(
    s: &mut Space,
    by: &hearth_core::Keypair,
    code: [u8; 32],
    uses: u32,
    tier: Tier,
) -> hearth_core::OpId {
    let ts = s.ops.iter().map(|o| o.op.data.ts).max().unwrap_or(T0) + 1;
    s.chapter(
        by,
        ts,
        ChapterOp::Invite {
            code_hash: invite_code_hash(&code),
            expires_at: ts + 7 * DAY,
            max_uses: uses,
            tier,
        },
    )
    .expect("invite");
    s.last()
}

fn join(
    s: &mut Space,
    who: &hearth_core::Keypair,
    ts: u64,
    invite: Option<InviteUse>,
) -> Result<(), Refusal> {
    s.chapter(
        who,
        ts,
        ChapterOp::Join {
            invite,
            profile: None,
        },
    )
}

#[test]
fn founders_hold_the_founder_roles() {
    let founder = key(1);
    let charter = Template::LiquidAssembly.charter("Share tools");
    let s = Space::found(
        &founder,
        Some(Founding {
            charter,
            founders: vec![key(2).did()],
        }),
    );
    let c = s.view.chapter();
    assert_eq!(c.version(), Version::FIRST);
    for did in [key(1).did(), key(2).did()] {
        let m = &c.members[&did];
        assert!(m.roles.contains("steward"));
        assert_eq!(m.tier, Tier::Full);
    }
}

#[test]
fn open_admission_admits_a_join_once() {
    let (mut s, _) = chapter(Admission::Open);
    let bob = key(2);
    assert_eq!(s.note(&bob, T0 + 1), Err(Refusal::NotMember(bob.did())));
    join(&mut s, &bob, T0 + 2, None).expect("join");
    assert!(s.view.is_member(&bob.did()));
    assert_eq!(
        join(&mut s, &bob, T0 + 3, None),
        Err(Refusal::AlreadyMember(bob.did()))
    );
    s.note(&bob, T0 + 4).expect("members post");
}

#[test]
fn invites_check_code_expiry_uses_and_revocation() {
    let (mut s, alice) = chapter(Admission::Invite);
    let code = [9u8; 32];
    let inv = invite(&mut s, &alice, code, 1, Tier::Full);
    let use_ = |code| Some(InviteUse { invite: inv, code });
    let (bob, carol, dan) = (key(2), key(3), key(4));
    assert_eq!(
        join(&mut s, &bob, T0 + 20, None),
        Err(Refusal::InviteRequired)
    );
    assert_eq!(
        join(&mut s, &bob, T0 + 20, use_([8; 32])),
        Err(Refusal::WrongInviteCode)
    );
    assert_eq!(
        join(&mut s, &bob, T0 + 8 * DAY, use_(code)),
        Err(Refusal::InviteExpired {
            expires_at: T0 + 1 + 7 * DAY,
            at: T0 + 8 * DAY
        })
    );
    join(&mut s, &carol, T0 + 30, use_(code)).expect("carol joins");
    assert_eq!(
        join(&mut s, &dan, T0 + 40, use_(code)),
        Err(Refusal::InviteUsedUp { uses: 1 })
    );
    let second = invite(&mut s, &alice, [7; 32], 5, Tier::Full);
    s.chapter(&alice, T0 + 50, ChapterOp::RevokeInvite { invite: second })
        .expect("revoke");
    assert_eq!(
        join(
            &mut s,
            &dan,
            T0 + 60,
            Some(InviteUse {
                invite: second,
                code: [7; 32]
            })
        ),
        Err(Refusal::InviteRevoked)
    );
    // Refusals named their rule, and nothing they tried changed the view.
    assert_eq!(Refusal::InviteRevoked.rule(), Rule::Invite);
    assert_eq!(Refusal::InviteRequired.rule(), Rule::Admission);
    let c = s.view.chapter();
    assert!(c.members.contains_key(&carol.did()));
    assert!(!c.members.contains_key(&bob.did()) && !c.members.contains_key(&dan.did()));
    assert_eq!(c.invites[&inv].used, 1);
}

#[test]
fn invites_cannot_admit_above_the_inviters_own_powers() {
    let (mut s, alice) = chapter(Admission::Invite);
    let bob = key(2);
    let inv = invite(&mut s, &alice, [1; 32], 3, Tier::Full);
    join(
        &mut s,
        &bob,
        T0 + 20,
        Some(InviteUse {
            invite: inv,
            code: [1; 32],
        }),
    )
    .expect("bob");
    // Bob is a full member: he may invite, but not into the steward tier.
    let r = s.chapter(
        &bob,
        T0 + 30,
        ChapterOp::Invite {
            code_hash: invite_code_hash(&[2; 32]),
            expires_at: T0 + DAY,
            max_uses: 1,
            tier: Tier::Steward,
        },
    );
    assert!(matches!(r, Err(Refusal::RoleEscalation(_))), "{r:?}");
    assert_eq!(
        r.expect_err("refused").rule(),
        Rule::Permission(Permission::ManageRoles)
    );
}

#[test]
fn proposal_admission_takes_applications_that_a_steward_admits() {
    let (mut s, alice) = chapter(Admission::Proposal);
    let bob = key(2);
    join(&mut s, &bob, T0 + 1, None).expect("application");
    assert!(s.view.chapter().applicants.contains_key(&bob.did()));
    assert!(!s.view.is_member(&bob.did()));
    assert_eq!(
        join(&mut s, &bob, T0 + 2, None),
        Err(Refusal::AlreadyApplied(bob.did()))
    );
    s.chapter(
        &alice,
        T0 + 3,
        ChapterOp::Admit {
            member: bob.did(),
            tier: Tier::Provisional,
        },
    )
    .expect("admit");
    assert!(s.view.is_member(&bob.did()));
    assert!(s.view.chapter().applicants.is_empty());
    // Under this policy an invite (even a made-up one) does not admit: the
    // join is an application like any other.
    let carol = key(3);
    let made_up = InviteUse {
        invite: hearth_core::OpId::of_block(b"no such invite"),
        code: [0; 32],
    };
    join(&mut s, &carol, T0 + 4, Some(made_up)).expect("application");
    assert!(s.view.chapter().applicants.contains_key(&carol.did()));
    assert!(!s.view.is_member(&carol.did()));
}

#[test]
fn trust_and_reputation_gates_hold_the_bar() {
    let (mut s, alice) = chapter(Admission::TrustGated { min_ppm: 600_000 });
    let bob = key(2);
    assert_eq!(
        join(&mut s, &bob, T0 + 1, None),
        Err(Refusal::BelowTrust {
            score_ppm: 0,
            min_ppm: 600_000
        })
    );
    s.chapter(
        &alice,
        T0 + 2,
        ChapterOp::Vouch {
            subject: bob.did(),
            trust_ppm: 500_000,
        },
    )
    .expect("vouch");
    assert_eq!(
        join(&mut s, &bob, T0 + 3, None),
        Err(Refusal::BelowTrust {
            score_ppm: 500_000,
            min_ppm: 600_000
        })
    );
    s.chapter(
        &alice,
        T0 + 4,
        ChapterOp::Vouch {
            subject: bob.did(),
            trust_ppm: 900_000,
        },
    )
    .expect("vouch again");
    join(&mut s, &bob, T0 + 5, None).expect("over the bar");

    let (mut r, alice) = chapter(Admission::Reputation { min_ppm: 500_000 });
    let (bob, carol) = (key(2), key(3));
    r.chapter(
        &alice,
        T0 + 1,
        ChapterOp::Admit {
            member: bob.did(),
            tier: Tier::Full,
        },
    )
    .expect("bob");
    r.chapter(
        &alice,
        T0 + 2,
        ChapterOp::Vouch {
            subject: carol.did(),
            trust_ppm: 800_000,
        },
    )
    .expect("alice vouches");
    // One of two full members vouched: exactly the bar.
    join(&mut r, &carol, T0 + 3, None).expect("carol");
    let dan = key(4);
    assert_eq!(
        join(&mut r, &dan, T0 + 4, None),
        Err(Refusal::BelowReputation {
            score_ppm: 0,
            min_ppm: 500_000
        })
    );
}

#[test]
fn probation_and_steward_terms_end_by_the_ops_claimed_time() {
    let (mut s, alice) = chapter(Admission::Open);
    let bob = key(2);
    let mut policy = s.view.chapter().charter().admission;
    policy.entry_tier = Tier::Provisional;
    policy.probation_ms = 10 * DAY;
    s.chapter(
        &alice,
        T0 + 1,
        ChapterOp::Amend {
            change: CharterChange::SetAdmission(policy),
        },
    )
    .expect("policy");
    join(&mut s, &bob, T0 + 2, None).expect("join");
    let c = s.view.chapter();
    assert_eq!(c.members[&bob.did()].tier, Tier::Provisional);
    // Provisional members may not invite; after probation they may.
    let inv = |at| ChapterOp::Invite {
        code_hash: [0; 32],
        expires_at: at + DAY,
        max_uses: 1,
        tier: Tier::Full,
    };
    assert_eq!(
        s.chapter(&bob, T0 + 3, inv(T0 + 3)),
        Err(Refusal::denied(Permission::Invite))
    );
    s.chapter(&bob, T0 + 12 * DAY, inv(T0 + 12 * DAY))
        .expect("full now");
    // A steward's term ends: back to full.
    s.chapter(
        &alice,
        T0 + 13 * DAY,
        ChapterOp::SetTier {
            member: bob.did(),
            tier: Tier::Steward,
        },
    )
    .expect("steward");
    let m = &s.view.chapter().members[&bob.did()];
    assert_eq!(m.tier_at(T0 + 14 * DAY), Tier::Steward);
    assert_eq!(m.tier_at(T0 + 13 * DAY + 400 * DAY), Tier::Full);
}

#[test]
fn suspension_removal_and_exit_follow_the_charter() {
    let (mut s, alice) = chapter(Admission::Open);
    let (bob, carol) = (key(2), key(3));
    join(&mut s, &bob, T0 + 1, None).expect("bob");
    join(&mut s, &carol, T0 + 2, None).expect("carol");
    // A full member may not suspend; a steward may, with a reason.
    let suspend = |member, until| ChapterOp::Suspend {
        member,
        until,
        reason: "missed three shifts".into(),
    };
    assert_eq!(
        s.chapter(&carol, T0 + 3, suspend(bob.did(), None)),
        Err(Refusal::denied(Permission::ManageMembership))
    );
    s.chapter(&alice, T0 + 4, suspend(bob.did(), Some(T0 + DAY)))
        .expect("suspend");
    assert_eq!(
        s.note(&bob, T0 + 5),
        Err(Refusal::Suspended {
            member: bob.did(),
            until: Some(T0 + DAY)
        })
    );
    s.note(&bob, T0 + DAY + 1).expect("the suspension ran out");
    s.chapter(
        &alice,
        T0 + DAY + 2,
        ChapterOp::Remove {
            member: bob.did(),
            reason: "left town".into(),
        },
    )
    .expect("remove");
    assert_eq!(s.note(&bob, T0 + DAY + 3), Err(Refusal::Exited(bob.did())));
    assert_eq!(
        join(&mut s, &bob, T0 + DAY + 4, None),
        Err(Refusal::WasRemoved(bob.did()))
    );
    assert!(matches!(
        s.view.chapter().members[&bob.did()].status,
        Status::Removed { .. }
    ));
    s.chapter(
        &carol,
        T0 + DAY + 5,
        ChapterOp::Leave {
            reason: String::new(),
        },
    )
    .expect("leave");
    assert_eq!(
        s.note(&carol, T0 + DAY + 6),
        Err(Refusal::Exited(carol.did()))
    );
    // Nobody acts on themselves, and a facilitator cannot act on a steward.
    assert_eq!(
        s.chapter(&alice, T0 + DAY + 7, suspend(alice.did(), None)),
        Err(Refusal::SelfAction)
    );
}
