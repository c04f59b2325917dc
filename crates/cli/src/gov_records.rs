//! `hearth gov violations|enforcement|receipts`: the records of governance.

use anyhow::{Result, bail};
use hearth_core::SpaceId;
use hearth_core::gov::receipt::{self, Receipt};
use hearth_core::gov::{GovOp, Subject};
use hearth_core::op::Body;
use hearth_node::Node;
use hearth_store::suite::run_ready;
use hearth_store::{RedbStore, Store};

use crate::domain::{view, write};
use crate::gov::{DecisionArg, RecordCommand, decision};

/// Every receipt of `chapter`: its ops' steps and its violations.
pub fn all_receipts(node: &Node<RedbStore>, chapter: &SpaceId) -> Result<Vec<Receipt>> {
    let v = view(node, chapter)?;
    let c = v.chapter();
    let mut out = Vec::new();
    let mut from = 0;
    loop {
        let page = run_ready(node.ops(chapter, from, 1024))?;
        let Some((last, _)) = page.last() else { break };
        from = last.index + 1;
        for (stored, op) in &page {
            out.extend(receipt::of_op(c, stored.meta.id, op));
        }
    }
    for (id, reason) in run_ready(node.quarantined(usize::MAX))? {
        let op = run_ready(node.store().op(&id))?
            .and_then(|s| hearth_core::Op::decode(&s.bytes).ok())
            .map(|d| d.op)
            .filter(|o| o.data.space == *chapter);
        if op.is_some() {
            out.extend(receipt::violation(c, id, op.as_ref(), &reason));
        }
    }
    Ok(out)
}

pub fn records(node: &Node<RedbStore>, cmd: RecordCommand, violations: bool) -> Result<()> {
    match cmd {
        RecordCommand::List { chapter } => {
            for r in all_receipts(node, &chapter)? {
                match r {
                    Receipt::Violation {
                        violation_id,
                        actor,
                        action_attempted,
                        rule_violated,
                        review,
                        ..
                    } if violations => println!(
                        "{violation_id}\t{}\t{action_attempted}\t{rule_violated}\t{}",
                        actor.map(|a| a.fmt_short()).unwrap_or_default(),
                        review.map_or("unreviewed".to_owned(), |(d, _)| d)
                    ),
                    Receipt::Enforcement {
                        enforcement_id,
                        enforcement_type,
                        target,
                        reason,
                        review,
                        ..
                    } if !violations => println!(
                        "{enforcement_id}\t{enforcement_type}\t{}\t{reason}\t{}",
                        target.fmt_short(),
                        review.map_or("pending review".to_owned(), |(d, _)| d)
                    ),
                    _ => {}
                }
            }
            Ok(())
        }
        RecordCommand::Review {
            chapter,
            op,
            decision: d,
            reason,
        } => {
            let subject = if violations {
                Subject::Violation(op)
            } else {
                Subject::Enforcement(op)
            };
            if !matches!(
                d,
                DecisionArg::Dismiss | DecisionArg::Reverse | DecisionArg::Uphold
            ) {
                bail!("a review of a record dismisses (upholds) it or reverses it");
            }
            write(
                node,
                &chapter,
                Body::Gov(GovOp::Review {
                    subject,
                    decision: decision(d),
                    reason,
                }),
            )
        }
    }
}
