//! The chapter domain: roles, the constitution's layers, versions and
//! diffs, and plain spaces, through validation and the space's view.

mod support;

use hearth_core::chapter::charter::{Admission, AdmissionPolicy, ParamChange, ParamValue, Statute};
use hearth_core::chapter::charter::{Order, Role};
use hearth_core::chapter::{
    ChapterOp, CharterChange, Founding, InviteUse, Permission, Refusal, Rule, Template, Tier,
    Version,
};
use hearth_core::op::Body;
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
fn roles_cannot_escalate() {
    let (mut s, alice) = chapter(Admission::Open);
    let (bob, carol) = (key(2), key(3));
    join(&mut s, &bob, T0 + 1, None).expect("bob");
    join(&mut s, &carol, T0 + 2, None).expect("carol");
    s.chapter(
        &alice,
        T0 + 3,
        ChapterOp::Grant {
            member: bob.did(),
            role: "facilitator".into(),
        },
    )
    .expect("grant");
    // Bob cannot hand out roles at all, nor suspend the steward.
    assert_eq!(
        s.chapter(
            &bob,
            T0 + 4,
            ChapterOp::Grant {
                member: carol.did(),
                role: "steward".into()
            }
        ),
        Err(Refusal::denied(Permission::ManageRoles))
    );
    assert_eq!(
        s.chapter(
            &bob,
            T0 + 5,
            ChapterOp::Suspend {
                member: alice.did(),
                until: None,
                reason: "coup".into()
            }
        ),
        Err(Refusal::Outranked(alice.did()))
    );
    // A role manager without every power cannot create or grant a bigger role.
    let lesser = Role {
        name: "coordinator".into(),
        permissions: vec![
            Permission::ManageRoles,
            Permission::Post,
            Permission::EnactStatutes,
        ],
    };
    s.chapter(
        &alice,
        T0 + 6,
        ChapterOp::Amend {
            change: CharterChange::SetRole(lesser),
        },
    )
    .expect("role");
    s.chapter(
        &alice,
        T0 + 7,
        ChapterOp::Grant {
            member: bob.did(),
            role: "coordinator".into(),
        },
    )
    .expect("grant");
    let r = s.chapter(
        &bob,
        T0 + 8,
        ChapterOp::Grant {
            member: carol.did(),
            role: "steward".into(),
        },
    );
    assert!(matches!(r, Err(Refusal::RoleEscalation(_))), "{r:?}");
    let r = s.chapter(
        &bob,
        T0 + 9,
        ChapterOp::Amend {
            change: CharterChange::SetRole(Role {
                name: "king".into(),
                permissions: vec![Permission::Veto],
            }),
        },
    );
    assert!(matches!(r, Err(Refusal::RoleEscalation(_))), "{r:?}");
    assert!(
        !s.view.chapter().members[&carol.did()]
            .roles
            .contains("steward")
    );
    assert_eq!(
        s.chapter(
            &alice,
            T0 + 10,
            ChapterOp::Grant {
                member: carol.did(),
                role: "queen".into()
            }
        ),
        Err(Refusal::UnknownRole("queen".into()))
    );
}

#[test]
fn axioms_never_change_and_articles_need_their_procedure() {
    let (mut s, alice) = chapter(Admission::Open);
    let amend = |change| ChapterOp::Amend { change };
    assert_eq!(
        s.chapter(
            &alice,
            T0 + 1,
            amend(CharterChange::AmendAxiom {
                id: "AXIOM-002".into(),
                text: "no exit".into()
            })
        ),
        Err(Refusal::Violation {
            rule: Rule::Axiom("AXIOM-002".into()),
            detail: "axioms can never be amended".into()
        })
    );
    let mut article = s
        .view
        .chapter()
        .charter()
        .article("ARTICLE-II")
        .expect("article")
        .clone();
    article.text = "The stewards decide.".into();
    match s.chapter(&alice, T0 + 2, amend(CharterChange::ModifyArticle(article))) {
        Err(Refusal::Violation {
            rule: Rule::Article(id),
            detail,
        }) => {
            assert_eq!(id, "ARTICLE-II");
            assert!(detail.contains("67%"), "{detail}");
        }
        other => panic!("expected a violation, got {other:?}"),
    }
    assert_eq!(s.view.chapter().version(), Version::FIRST);
}

#[test]
fn statutes_and_orders_make_new_versions() {
    let (mut s, alice) = chapter(Admission::Open);
    let bob = key(2);
    join(&mut s, &bob, T0 + 1, None).expect("bob");
    let statute = Statute {
        id: "STATUTE-tools".into(),
        title: "Tool library".into(),
        text: "Tools go back within a week.".into(),
    };
    assert_eq!(
        s.chapter(
            &bob,
            T0 + 2,
            ChapterOp::Amend {
                change: CharterChange::SetStatute(statute.clone())
            }
        ),
        Err(Refusal::denied(Permission::EnactStatutes))
    );
    s.chapter(
        &alice,
        T0 + 3,
        ChapterOp::Amend {
            change: CharterChange::SetStatute(statute),
        },
    )
    .expect("statute");
    assert_eq!(
        s.view.chapter().version(),
        Version {
            major: 1,
            minor: 1,
            patch: 0
        }
    );
    let order = |old, expires_at| Order {
        id: "ORDER-1".into(),
        title: "Meet weekly during harvest".into(),
        article: "ARTICLE-IV".into(),
        changes: vec![ParamChange {
            key: "meeting_interval_days".into(),
            old,
            new: ParamValue::Int(7),
        }],
        issued_by: None,
        expires_at,
    };
    assert_eq!(
        s.chapter(
            &alice,
            T0 + 4,
            ChapterOp::Amend {
                change: CharterChange::IssueOrder(order(Some(ParamValue::Int(14)), None))
            }
        ),
        Err(Refusal::StaleParam {
            key: "meeting_interval_days".into(),
            expected: "14".into(),
            found: "30".into()
        })
    );
    let mut wrong = order(Some(ParamValue::Int(30)), None);
    wrong.article = "ARTICLE-XX".into();
    assert_eq!(
        s.chapter(
            &alice,
            T0 + 5,
            ChapterOp::Amend {
                change: CharterChange::IssueOrder(wrong)
            }
        ),
        Err(Refusal::Unknown("article ARTICLE-XX".into()))
    );
    s.chapter(
        &alice,
        T0 + 6,
        ChapterOp::Amend {
            change: CharterChange::IssueOrder(order(
                Some(ParamValue::Int(30)),
                Some(T0 + 30 * DAY),
            )),
        },
    )
    .expect("order");
    let c = s.view.chapter();
    assert_eq!(
        c.version(),
        Version {
            major: 1,
            minor: 1,
            patch: 1
        }
    );
    assert_eq!(c.charter().orders[0].issued_by, Some(alice.did()));
    // The order holds until it lapses, read at the time asked.
    assert_eq!(
        c.charter().param("meeting_interval_days", T0 + DAY),
        Some(&ParamValue::Int(7))
    );
    assert_eq!(
        c.charter().param("meeting_interval_days", T0 + 31 * DAY),
        Some(&ParamValue::Int(30))
    );
    let diff = hearth_core::chapter::diff::diff(&c.versions[0].charter, c.charter());
    let lines: Vec<String> = diff.iter().map(|d| d.to_string()).collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("+ statute STATUTE-tools")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("+ order ORDER-1")),
        "{lines:?}"
    );
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_ne!(c.versions[0].hash, c.versions[2].hash);
}

#[test]
fn a_plain_space_is_open_and_its_creator_stewards_it() {
    let alice = key(1);
    let mut s = Space::found(&alice, None);
    let bob = key(2);
    s.act(&alice, T0 + 1, Body::AddMember { member: bob.did() })
        .expect("add");
    assert_eq!(
        s.act(
            &bob,
            T0 + 2,
            Body::RemoveMember {
                member: alice.did()
            }
        ),
        Err(Refusal::denied(Permission::ManageMembership))
    );
    s.act(&alice, T0 + 3, Body::RemoveMember { member: bob.did() })
        .expect("remove");
    assert!(!s.view.is_member(&bob.did()));
    let carol = key(3);
    join(&mut s, &carol, T0 + 4, None).expect("open");
}
