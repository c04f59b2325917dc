//! The view of one space: its chapter as of everything held (the fold of
//! its governing ops, [`crate::context`]), and what ordinary ops add up to.
//!
//! [`SpaceView::admit`] takes every verified op of the space, in a causal
//! order: it finds the op's context from its parents', checks the op
//! against the chapter as of that context, and records it. Views are
//! deterministic: two nodes holding the same ops hold equal views, whatever
//! order the ops arrived in.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::chapter::{Chapter, ChapterOp, ChapterState, Permission, Profile, Record, Refusal};
use crate::context::{CtxId, History, HistorySnapshot, HistorySnapshotRef, Rules, UnknownContext};
use crate::identity::Did;
use crate::ids::{OpId, SpaceId};
use crate::keys::{KeyError, KeyRole};
use crate::ledger::{Book, BookSnapshot, Ledger, LedgerOp, LedgerRefusal};
use crate::op::Body;
use crate::validate::VerifiedOp;

/// What admitting an op found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admitted {
    /// The op's context (store it with the op).
    pub ctx: CtxId,
    /// Why the chapter refused it, if it did: the op stays in its author's
    /// log (so the log is whole) but is never folded.
    pub refusal: Option<Refusal>,
}

/// A space, as folded from its valid ops.
#[derive(Debug, Clone)]
pub struct SpaceView {
    id: SpaceId,
    history: History<ChapterState>,
    /// Profiles, by member: the one from their latest op in the space.
    profiles: BTreeMap<Did, ((u64, OpId), Profile)>,
    /// Payments, claims and requests.
    book: Book,
    /// How many ops were folded (refused ones are not).
    pub op_count: u64,
    /// How many ops of the space this view has taken, refused ones too:
    /// the store's index of the next op, from which a restored snapshot
    /// replays what it does not cover.
    stored: u64,
    /// `stored` when the view was last snapshotted (not part of snapshots).
    snapshot_at: u64,
    /// The latest claimed time among folded ops.
    pub last_ts: u64,
    /// Each rate-limited signing key's theoretical arrival time (see
    /// [`crate::trust::rate`]).
    rates: BTreeMap<Did, u64>,
}

#[derive(Deserialize)]
struct Snapshot {
    v: u64,
    id: SpaceId,
    history: HistorySnapshot<Record>,
    profiles: Vec<(Did, u64, OpId, Profile)>,
    book: BookSnapshot,
    op_count: u64,
    stored: u64,
    last_ts: u64,
    rates: Vec<(Did, u64)>,
}

/// [`Snapshot`] as written: the same encoding, borrowed.
#[derive(Serialize)]
struct SnapshotRef<'a> {
    v: u64,
    id: SpaceId,
    history: HistorySnapshotRef<'a, Record>,
    profiles: Vec<(&'a Did, u64, &'a OpId, &'a Profile)>,
    book: BookSnapshot,
    op_count: u64,
    stored: u64,
    last_ts: u64,
    rates: Vec<(&'a Did, u64)>,
}

/// The fewest new ops worth a snapshot.
pub const SNAPSHOT_MIN: u64 = 512;

/// The snapshot format this code writes.
const SNAPSHOT_VERSION: u64 = 5;

impl SpaceView {
    /// A new view from a space's genesis op; `None` if `op` is not a genesis.
    pub fn from_genesis(op: &VerifiedOp) -> Option<(Self, CtxId)> {
        let d = &op.op().data;
        if !matches!(d.body, Body::Genesis { .. }) {
            return None;
        }
        let mut view = SpaceView {
            id: d.space,
            history: History::default(),
            profiles: BTreeMap::new(),
            book: Book::default(),
            op_count: 0,
            stored: 0,
            snapshot_at: 0,
            last_ts: 0,
            rates: BTreeMap::new(),
        };
        let admitted = view.admit(op).ok()?;
        Some((view, admitted.ctx))
    }

    /// The space's id.
    pub fn id(&self) -> SpaceId {
        self.id
    }

    /// The chapter as of everything held.
    pub fn chapter(&self) -> &Chapter {
        self.history
            .current()
            .chapter()
            .expect("a view starts from its genesis")
    }

    /// The space's name.
    pub fn name(&self) -> &str {
        &self.chapter().name
    }

    /// Who founded it.
    pub fn creator(&self) -> Did {
        self.chapter().creator
    }

    /// Its genesis op.
    pub fn genesis(&self) -> OpId {
        self.chapter().genesis
    }

    /// When it was founded (claimed).
    pub fn created_at(&self) -> u64 {
        self.chapter().created_at
    }

    /// Whether `did` is in the chapter now (active or suspended).
    pub fn is_member(&self, did: &Did) -> bool {
        self.chapter()
            .members
            .get(did)
            .is_some_and(|m| m.is_current())
    }

    /// The member a signing key is (or was) for: for showing who made an
    /// op.
    pub fn member_of(&self, key: &Did) -> Did {
        self.chapter().owner(key)
    }

    /// Members in the chapter now, by DID.
    pub fn members(&self) -> Vec<&crate::chapter::Member> {
        self.chapter().current_members().collect()
    }

    /// A member's profile, if they gave one.
    pub fn profile(&self, did: &Did) -> Option<&Profile> {
        self.profiles.get(did).map(|(_, p)| p)
    }

    /// The governing ops, with what applying each did in canonical order.
    pub fn governing(&self) -> Vec<(OpId, Result<(), Refusal>)> {
        self.history.outcomes()
    }

    /// The context of everything held, whose frontier an op made now must
    /// name (as deps) to be checked against the chapter as shown.
    pub fn frontier(&self) -> Vec<OpId> {
        self.history
            .frontier(&self.history.current_context())
            .unwrap_or_default()
    }

    /// Checks whether `author` (the signing key; it acts for the member it
    /// belongs to) may say `body` at `at` in this space now:
    /// what a node asks before it signs an op of its own (whose deps name
    /// [`SpaceView::frontier`], so that this is also what validation asks).
    /// `named` are the ops it will name (its deps and previous op).
    pub fn check_body(
        &self,
        author: &Did,
        at: u64,
        named: &[OpId],
        body: &Body,
    ) -> Result<(), Refusal> {
        let rules = self.history.current();
        let key = author;
        let author = &match rules.chapter() {
            Some(c) => {
                let who = attribute(c, key, body)?;
                if !protective(body) {
                    rate_count(c, self.rates.get(key).copied(), &who, at)?;
                }
                who
            }
            None => *key,
        };
        if body.is_governing() {
            check_facts(&self.book, named, body)?;
            let record = self.record(author, at, body);
            rules.check(&OpId::from_digest([0; 32]), &record)
        } else {
            may_post(rules, &self.id, author, at)?;
            check_book(&self.book, rules, author, at, named, body)
        }
    }

    /// The ledger as of everything held, with balances shown at `now`.
    pub fn ledger(&self, now: u64) -> Ledger<'_> {
        Ledger {
            book: &self.book,
            chapter: self.chapter(),
            now,
        }
    }

    fn record(&self, author: &Did, ts: u64, body: &Body) -> Record {
        Record {
            space: self.id,
            author: *author,
            ts,
            body: body.clone(),
        }
    }

    /// Admits a verified op of this space: finds its context, checks it
    /// against the chapter as of that context, and folds it unless refused.
    /// Fails only when a parent's context is unknown (a damaged store).
    pub fn admit(&mut self, op: &VerifiedOp) -> Result<Admitted, UnknownContext> {
        let d = &op.op().data;
        if d.space != self.id {
            return Ok(Admitted {
                ctx: CtxId::EMPTY,
                refusal: Some(Refusal::WrongSpace),
            });
        }
        let before = self.history.merge(op.parent_contexts())?;
        let id = op.id();
        self.stored += 1;
        // What the op names: its deps and its previous op.
        let named: Vec<OpId> = d.deps.iter().copied().chain(d.prev).collect();
        // Who the op is by: the member its key acts for, as of its context.
        let who = self.history.with_rules(&before, |r| match r.chapter() {
            Some(c) => attribute(c, &d.author, &d.body),
            None => Ok(d.author),
        })?;
        let author = *who.as_ref().unwrap_or(&d.author);
        // Counted per signing key (each key's log arrives in order, so
        // every node counts the same), at the member's class; revoking a
        // device or cancelling a recovery is never held back.
        let tat = self.rates.get(&d.author).copied();
        let rate = match &who {
            Err(refused) => Err(refused.clone()),
            Ok(_) if protective(&d.body) => Ok(None),
            Ok(_) => self.history.with_rules(&before, |r| match r.chapter() {
                Some(c) => rate_count(c, tat, &author, d.ts),
                None => Ok(None),
            })?,
        };
        let (verdict, ctx) = if let Err(refused) = &rate {
            (Err(refused.clone()), before)
        } else if d.body.is_governing() {
            let record = self.record(&author, d.ts, &d.body);
            let facts = check_facts(&self.book, &named, &d.body);
            match facts.and(
                self.history
                    .with_rules(&before, |r| r.check(&id, &record))?,
            ) {
                Ok(()) => (Ok(()), self.history.record(&before, id, record)?),
                refused => (refused, before),
            }
        } else {
            let space = self.id;
            let book = &mut self.book;
            let verdict = self.history.with_rules(&before, |r| {
                may_post(r, &space, &author, d.ts)?;
                check_book(book, r, &author, d.ts, &named, &d.body)?;
                if let (Body::Ledger(op), Some(c)) = (&d.body, r.chapter()) {
                    book.apply(c, id, author, d.ts, op);
                }
                Ok(())
            })?;
            (verdict, before)
        };
        if verdict.is_ok() {
            if let Ok(Some(tat)) = rate {
                self.rates.insert(d.author, tat);
            }
            self.op_count += 1;
            self.last_ts = self.last_ts.max(d.ts);
            let profile = match &d.body {
                Body::Chapter(ChapterOp::Profile(p)) => Some(p),
                Body::Chapter(ChapterOp::Join {
                    profile: Some(p), ..
                }) => Some(p),
                _ => None,
            };
            if let Some(p) = profile {
                // The latest by claimed time (then by op id: a member's
                // devices write logs of their own).
                let newer = self
                    .profiles
                    .get(&author)
                    .is_none_or(|(at, _)| *at < (d.ts, id));
                if newer {
                    self.profiles.insert(author, ((d.ts, id), p.clone()));
                }
            }
        }
        Ok(Admitted {
            ctx,
            refusal: verdict.err(),
        })
    }

    /// How many ops of the space this view has taken (refused ones too).
    pub fn stored(&self) -> u64 {
        self.stored
    }

    /// Whether a snapshot is due: a snapshot costs as much as the view is
    /// large, so one is written once the ops since the last make up a
    /// eighth of the view (and at least [`SNAPSHOT_MIN`]), or at the end
    /// of a bulk ingest (`closing`) with at least that many. What a
    /// snapshot does not cover is replayed from the store on restore.
    pub fn snapshot_due(&self, closing: bool) -> bool {
        let since = self.stored - self.snapshot_at;
        since >= SNAPSHOT_MIN.max(self.stored / 8) || (closing && since >= SNAPSHOT_MIN)
    }

    /// Notes that the view as it is now was snapshotted.
    pub fn mark_snapshot(&mut self) {
        self.snapshot_at = self.stored;
    }

    /// The view as a DAG-CBOR snapshot.
    pub fn to_snapshot(&self) -> Vec<u8> {
        let snapshot = SnapshotRef {
            v: SNAPSHOT_VERSION,
            id: self.id,
            history: self.history.to_snapshot(),
            profiles: self
                .profiles
                .iter()
                .map(|(did, ((at, id), p))| (did, *at, id, p))
                .collect(),
            book: self.book.to_snapshot(),
            op_count: self.op_count,
            stored: self.stored,
            last_ts: self.last_ts,
            rates: self.rates.iter().map(|(d, t)| (d, *t)).collect(),
        };
        serde_ipld_dagcbor::to_vec(&snapshot).expect("views always encode")
    }

    /// A view from a snapshot; `None` if the bytes are not one (of this
    /// version), so the caller rebuilds the view from the ops.
    pub fn from_snapshot(bytes: &[u8]) -> Option<Self> {
        let s: Snapshot = serde_ipld_dagcbor::from_slice(bytes).ok()?;
        if s.v != SNAPSHOT_VERSION {
            return None;
        }
        let history = History::<ChapterState>::from_snapshot(s.history).ok()?;
        history.current().chapter()?;
        Some(SpaceView {
            id: s.id,
            history,
            profiles: s
                .profiles
                .into_iter()
                .map(|(did, at, id, p)| (did, ((at, id), p)))
                .collect(),
            book: Book::from_snapshot(s.book),
            op_count: s.op_count,
            stored: s.stored,
            snapshot_at: s.stored,
            last_ts: s.last_ts,
            rates: s.rates.into_iter().collect(),
        })
    }
}

/// Checks an ordinary ledger op against the book and the chapter `rules`
/// of its context (anything else passes).
fn check_book(
    book: &Book,
    rules: &ChapterState,
    author: &Did,
    at: u64,
    deps: &[OpId],
    body: &Body,
) -> Result<(), Refusal> {
    match (body, rules.chapter()) {
        (Body::Ledger(op), Some(c)) => Ok(book.check(c, author, at, deps, op)?),
        _ => Ok(()),
    }
}

/// Who an op signed by `key` saying `body` is by, in chapter `c`:
/// the member the key acts for; a device may not make ledger ops.
/// Key events that only take power away (revoking a device, cancelling a
/// recovery), which no rate limit holds back.
fn protective(body: &Body) -> bool {
    use crate::keys::KeyChange;
    matches!(body, Body::Keys(events) if events.iter().all(|e| matches!(
        e.event.change,
        KeyChange::RevokeDevice { .. } | KeyChange::CancelRecovery
    )))
}

/// Ledger ops wait while a recovery of the member does: the old key and the
/// new one must not both spend.
fn attribute(c: &Chapter, key: &Did, body: &Body) -> Result<Did, Refusal> {
    let (who, role) = c.resolve(key)?;
    if matches!(body, Body::Ledger(_)) {
        if role == KeyRole::Device {
            return Err(Refusal::Key(KeyError::DeviceCannotPay));
        }
        let pending = c.identities.get(&who).is_some_and(|s| s.pending.is_some());
        if pending {
            return Err(Refusal::Key(KeyError::RecoveryPending));
        }
    }
    Ok(who)
}

/// Counts an op of `author` claimed at `at` against their rate limit in
/// chapter `c` (see [`crate::trust::rate`]), from their arrival time so far:
/// the new one, `None` if they are not limited, or the refusal.
fn rate_count(
    c: &Chapter,
    tat: Option<u64>,
    author: &Did,
    at: u64,
) -> Result<Option<u64>, Refusal> {
    let Some(limit) = crate::trust::rate::limit(c, author, at) else {
        return Ok(None);
    };
    crate::trust::rate::count(tat, at, limit)
        .map(Some)
        .map_err(|retry_at| Refusal::RateLimited {
            per_day: limit.per_day,
            class: limit.class,
            retry_at,
        })
}

/// Checks that a dispute names a payment among its deps, with that
/// payment's own facts (what the chapter's rules cannot see).
fn check_facts(book: &Book, deps: &[OpId], body: &Body) -> Result<(), Refusal> {
    if let Body::Ledger(LedgerOp::Dispute { payment, facts, .. }) = body {
        let found = book.payment(payment).filter(|_| deps.contains(payment));
        match found {
            Some(p) if p.entry == *facts => {}
            _ => return Err(LedgerRefusal::UnknownPayment(*payment).into()),
        }
    }
    Ok(())
}

/// Whether the chapter `rules` lets `author` make an ordinary op (a note,
/// a profile) in `space` at `at`: if they may post.
fn may_post(rules: &ChapterState, space: &SpaceId, author: &Did, at: u64) -> Result<(), Refusal> {
    let chapter = rules.chapter().ok_or(Refusal::WrongSpace)?;
    if *space != chapter.id {
        return Err(Refusal::WrongSpace);
    }
    chapter.allows(author, at, Permission::Post)
}

impl PartialEq for SpaceView {
    /// Views are equal when they hold the same chapter, profiles and counts
    /// (the order governing ops were recorded in is not part of a view).
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
            && self.history.current() == other.history.current()
            && self.profiles == other.profiles
            && self.book == other.book
            && self.op_count == other.op_count
            && self.last_ts == other.last_ts
            && self.rates == other.rates
    }
}

impl Eq for SpaceView {}
