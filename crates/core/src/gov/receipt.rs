//! Receipts: every governance step as a record in the fields of the
//! VaultMesh governance receipts (proposal, vote, ratification, amendment,
//! executive order, violation, enforcement), exportable as JSON and as
//! DAG-CBOR. The ops themselves are the signed, content-addressed records;
//! a receipt is what a person or another tool reads of one, with what the
//! fold decided about it.

use serde::Serialize;

use super::op::GovOp;
use super::proposal::Status;
use super::tally::{Choice, ONE};
use crate::chapter::{Chapter, ChapterOp, CharterChange};
use crate::identity::Did;
use crate::ids::OpId;
use crate::op::{Body, Op};
use crate::validate::Rejection;

/// Counts by choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VoteSummary {
    /// For.
    pub approve: u32,
    /// Against.
    pub reject: u32,
    /// Abstaining.
    pub abstain: u32,
    /// Blocking.
    pub block: u32,
}

/// One governance receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type")]
#[non_exhaustive]
pub enum Receipt {
    /// A proposal.
    #[serde(rename = "gov_proposal")]
    Proposal {
        /// The proposal op.
        proposal_id: OpId,
        /// `amendment` when it changes articles, else `decision`.
        proposal_type: &'static str,
        /// Its title.
        title: String,
        /// Who proposed it.
        author: Did,
        /// When (ISO 8601).
        submitted_at: String,
        /// When deliberation ends (ISO 8601), once submitted.
        deliberation_ends: Option<String>,
        /// What it does, as JSON-friendly text.
        content: Vec<String>,
        /// Where it stands.
        status: &'static str,
    },
    /// A vote.
    #[serde(rename = "gov_vote")]
    Vote {
        /// The vote op.
        vote_id: OpId,
        /// The proposal.
        proposal_id: OpId,
        /// Who voted.
        voter: Did,
        /// When (ISO 8601).
        voted_at: String,
        /// `approve`, `reject`, `abstain` or `block`.
        vote: &'static str,
        /// What it weighed when counted (1.0 a plain vote), in millionths.
        weight_ppm: u64,
        /// The voter's Ed25519 signature, hex.
        signature: String,
    },
    /// A proposal decided (and ratified, when that was needed).
    #[serde(rename = "gov_ratification")]
    Ratification {
        /// The closing op.
        ratification_id: OpId,
        /// The proposal.
        proposal_id: OpId,
        /// When (ISO 8601).
        ratified_at: String,
        /// Who closed it.
        ratified_by: Did,
        /// The outcome: `accepted`, `rejected`, `no quorum`.
        outcome: &'static str,
        /// The count.
        vote_summary: VoteSummary,
        /// Whether enough took part.
        quorum_met: bool,
        /// The charter version before.
        constitution_version_before: String,
        /// The charter version after.
        constitution_version_after: String,
    },
    /// A charter amendment that took effect.
    #[serde(rename = "gov_amendment")]
    Amendment {
        /// The closing op that made it.
        amendment_id: OpId,
        /// The proposal.
        proposal_id: OpId,
        /// When it took effect (ISO 8601).
        effective_at: String,
        /// `blake3:` and the charter's hash before.
        constitution_hash_before: String,
        /// `blake3:` and the charter's hash after.
        constitution_hash_after: String,
    },
    /// An executive order, or an emergency declared directly.
    #[serde(rename = "gov_executive_order")]
    ExecutiveOrder {
        /// The op.
        order_id: OpId,
        /// Its title.
        title: String,
        /// Who issued it.
        issued_by: Did,
        /// When (ISO 8601).
        issued_at: String,
        /// The article it is issued under (`emergency` for a declaration).
        authority: String,
        /// `parameter_change`, `revocation` or `emergency`.
        order_type: &'static str,
        /// What it changes.
        content: Vec<String>,
        /// When it lapses (ISO 8601), if it does.
        expires_at: Option<String>,
    },
    /// An op refused for breaking a rule.
    #[serde(rename = "gov_violation")]
    Violation {
        /// The refused op.
        violation_id: OpId,
        /// When its author claimed to make it (ISO 8601).
        detected_at: String,
        /// Who made it.
        actor: Option<Did>,
        /// What it tried.
        action_attempted: String,
        /// The rule it broke.
        rule_violated: String,
        /// Always `blocked`: refused ops are never folded.
        action_result: &'static str,
        /// A review of it, if any: (decision, reason).
        review: Option<(String, String)>,
    },
    /// A suspension or removal.
    #[serde(rename = "gov_enforcement")]
    Enforcement {
        /// The op.
        enforcement_id: OpId,
        /// When (ISO 8601).
        enforced_at: String,
        /// `suspension` or `removal`.
        enforcement_type: &'static str,
        /// Of whom.
        target: Did,
        /// By whom.
        by: Did,
        /// Why.
        reason: String,
        /// Whether it still awaits review.
        review_required: bool,
        /// The review, if any: (decision, reason).
        review: Option<(String, String)>,
    },
}

/// Milliseconds since the Unix epoch as an ISO 8601 UTC time.
pub fn iso8601(ms: u64) -> String {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        ms % 1000
    )
}

fn hash(h: &[u8; 32]) -> String {
    let hex: String = h.iter().map(|b| format!("{b:02x}")).collect();
    format!("blake3:{hex}")
}

fn choice_word(c: &Choice) -> &'static str {
    match c {
        Choice::For => "approve",
        Choice::Against => "reject",
        Choice::Abstain => "abstain",
        Choice::Block { .. } => "block",
    }
}

/// The receipts of op `id` (`op`) in chapter `c` as folded now.
pub fn of_op(c: &Chapter, id: OpId, op: &Op) -> Vec<Receipt> {
    let d = &op.data;
    // The member the signing key acts for (a device's or a later key's op
    // is its member's).
    let who = c.owner(&d.author);
    let at = iso8601(d.ts);
    let mut out = Vec::new();
    match &d.body {
        Body::Gov(GovOp::Propose { title, .. }) => {
            if let Some(p) = c.gov.proposals.get(&id) {
                out.push(Receipt::Proposal {
                    proposal_id: id,
                    proposal_type: if p.amends_articles() {
                        "amendment"
                    } else {
                        "decision"
                    },
                    title: title.clone(),
                    author: who,
                    submitted_at: at,
                    deliberation_ends: p.opens_at.map(iso8601),
                    content: p.actions.iter().map(|a| format!("{a:?}")).collect(),
                    status: p.status.name(),
                });
            }
        }
        Body::Gov(GovOp::Vote {
            proposal, choice, ..
        }) => {
            let weight_ppm = c
                .gov
                .proposals
                .get(proposal)
                .and_then(|p| match &p.status {
                    Status::Accepted(x) | Status::Rejected(x) | Status::NoQuorum(x) => x
                        .tally
                        .weights
                        .iter()
                        .find(|(v, _)| *v == who)
                        .map(|(_, w)| *w),
                    _ => None,
                })
                .unwrap_or(ONE);
            out.push(Receipt::Vote {
                vote_id: id,
                proposal_id: *proposal,
                voter: who,
                voted_at: at,
                vote: choice_word(choice),
                weight_ppm,
                signature: op
                    .sig
                    .to_bytes()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect(),
            });
        }
        Body::Gov(GovOp::Close { proposal, .. } | GovOp::ForceClose { proposal, .. }) => {
            let Some(p) = c.gov.proposals.get(proposal) else {
                return out;
            };
            let closing = match &p.status {
                Status::Accepted(x) | Status::Rejected(x) | Status::NoQuorum(x) if x.op == id => x,
                _ => return out,
            };
            let mut summary = VoteSummary {
                approve: 0,
                reject: 0,
                abstain: 0,
                block: 0,
            };
            for cast in p.ballots.values() {
                match cast.choice {
                    Choice::For => summary.approve += 1,
                    Choice::Against => summary.reject += 1,
                    Choice::Abstain => summary.abstain += 1,
                    Choice::Block { .. } => summary.block += 1,
                }
            }
            out.push(Receipt::Ratification {
                ratification_id: id,
                proposal_id: *proposal,
                ratified_at: at.clone(),
                ratified_by: who,
                outcome: p.status.name(),
                vote_summary: summary,
                quorum_met: closing.tally.quorum_met,
                constitution_version_before: closing.version_before.clone(),
                constitution_version_after: closing.version_after.clone(),
            });
            if closing.hash_before != closing.hash_after {
                out.push(Receipt::Amendment {
                    amendment_id: id,
                    proposal_id: *proposal,
                    effective_at: at,
                    constitution_hash_before: hash(&closing.hash_before),
                    constitution_hash_after: hash(&closing.hash_after),
                });
            }
        }
        Body::Chapter(ChapterOp::Amend {
            change: CharterChange::IssueOrder(o),
        }) => out.push(Receipt::ExecutiveOrder {
            order_id: id,
            title: o.title.clone(),
            issued_by: who,
            issued_at: at,
            authority: o.article.clone(),
            order_type: "parameter_change",
            content: o
                .changes
                .iter()
                .map(|ch| match &ch.old {
                    Some(old) => format!("{}: {old} → {}", ch.key, ch.new),
                    None => format!("{}: → {}", ch.key, ch.new),
                })
                .collect(),
            expires_at: o.expires_at.map(iso8601),
        }),
        Body::Gov(GovOp::DeclareEmergency(e)) => out.push(Receipt::ExecutiveOrder {
            order_id: id,
            title: format!("Emergency: {}", e.kind),
            issued_by: who,
            issued_at: at,
            authority: "emergency".into(),
            order_type: "emergency",
            content: std::iter::once(e.description.clone())
                .chain(e.powers.iter().map(|p| format!("{p:?}")))
                .collect(),
            expires_at: Some(iso8601(d.ts.saturating_add(e.duration_ms))),
        }),
        Body::Chapter(
            ChapterOp::Suspend { member, reason, .. } | ChapterOp::Remove { member, reason },
        ) => {
            let review = c
                .gov
                .reviews
                .get(&id)
                .map(|(_, d, r)| (d.clone(), r.clone()));
            out.push(Receipt::Enforcement {
                enforcement_id: id,
                enforced_at: at,
                enforcement_type: if matches!(d.body, Body::Chapter(ChapterOp::Suspend { .. })) {
                    "suspension"
                } else {
                    "removal"
                },
                target: *member,
                by: who,
                reason: reason.clone(),
                review_required: review.is_none(),
                review,
            });
        }
        _ => {}
    }
    out
}

/// The receipt of a refused op: `op` when its bytes decode.
pub fn violation(c: &Chapter, id: OpId, op: Option<&Op>, reason: &Rejection) -> Option<Receipt> {
    let Rejection::Refused(refusal) = reason else {
        return None;
    };
    Some(Receipt::Violation {
        violation_id: id,
        detected_at: op.map(|o| iso8601(o.data.ts)).unwrap_or_default(),
        actor: op.map(|o| o.data.author),
        action_attempted: op
            .map(|o| o.data.body.kind().to_owned())
            .unwrap_or_default(),
        rule_violated: format!("{}: {refusal}", refusal.rule()),
        action_result: "blocked",
        review: c
            .gov
            .reviews
            .get(&id)
            .map(|(_, d, r)| (d.clone(), r.clone())),
    })
}

#[cfg(test)]
mod tests {
    use super::iso8601;

    #[test]
    fn times_read_as_utc() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso8601(1_765_015_200_123), "2025-12-06T10:00:00.123Z");
    }
}
