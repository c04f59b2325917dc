//! Ledger conveniences on the node handle: payments that claim what came
//! in, requests, and the ledger's governing ops.

use hearth_core::ledger::{Account, LedgerOp, MAX_CLAIMS, Outcome, Reference};
use hearth_core::op::Body;
use hearth_core::{Did, OpId, SpaceId};
use hearth_store::Store;

use crate::{Node, NodeError};

/// A payment to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// The payee.
    pub to: Account,
    /// The currency's code.
    pub currency: String,
    /// How much, in the smallest unit.
    pub amount: u64,
    /// What for.
    pub memo: String,
    /// What it answers, if anything.
    pub reference: Option<Reference>,
}

impl<S: Store> Node<S> {
    /// Makes a ledger op of this node's identity.
    pub async fn ledger_op(&self, space: &SpaceId, op: LedgerOp) -> Result<OpId, NodeError> {
        self.create_op(space, Body::Ledger(op)).await
    }

    /// Payments to this node's identity not yet claimed, oldest first.
    fn unclaimed(&self, space: &SpaceId) -> Result<Vec<OpId>, NodeError> {
        let key = self.identity.as_ref().ok_or(NodeError::NoIdentity)?.did();
        let view = self.space(space).ok_or(NodeError::UnknownSpace(*space))?;
        // Paid to the member, whichever of their keys this node holds.
        Ok(view.ledger(0).book.unclaimed(&view.member_of(&key)))
    }

    /// Payments to this node's identity not yet claimed, oldest first, at
    /// most one op's worth.
    fn claimable(&self, space: &SpaceId) -> Result<Vec<OpId>, NodeError> {
        let mut found = self.unclaimed(space)?;
        found.truncate(MAX_CLAIMS);
        Ok(found)
    }

    /// Pays, claiming what has come in first (so it can be spent): when
    /// more has come in than one payment may claim, claim ops take the
    /// oldest first, so all the headroom the ledger shows can be spent.
    pub async fn pay(&self, space: &SpaceId, p: Payment) -> Result<OpId, NodeError> {
        while self.unclaimed(space)?.len() > MAX_CLAIMS {
            self.claim(space).await?;
        }
        let claims = self.claimable(space)?;
        let op = LedgerOp::Pay {
            to: p.to,
            currency: p.currency,
            amount: p.amount,
            memo: p.memo,
            reference: p.reference,
            claims,
        };
        self.ledger_op(space, op).await
    }

    /// Claims what has come in, if anything; returns the op, if one was made.
    pub async fn claim(&self, space: &SpaceId) -> Result<Option<OpId>, NodeError> {
        let claims = self.claimable(space)?;
        if claims.is_empty() {
            return Ok(None);
        }
        let op = self.ledger_op(space, LedgerOp::Claim { claims }).await?;
        Ok(Some(op))
    }

    /// Pays the request `request` (of someone asking this identity).
    pub async fn pay_request(&self, space: &SpaceId, request: &OpId) -> Result<OpId, NodeError> {
        let view = self.space(space).ok_or(NodeError::UnknownSpace(*space))?;
        let r = view
            .ledger(0)
            .book
            .request(request)
            .cloned()
            .ok_or(NodeError::UnknownOp(*request))?;
        let payment = Payment {
            to: Account::Member(r.by),
            currency: r.currency,
            amount: r.amount,
            memo: r.memo,
            reference: Some(Reference::Request(*request)),
        };
        self.pay(space, payment).await
    }

    /// Asks `from` to pay.
    pub async fn request(
        &self,
        space: &SpaceId,
        from: Did,
        currency: &str,
        amount: u64,
        memo: &str,
        expires_at: Option<u64>,
    ) -> Result<OpId, NodeError> {
        let op = LedgerOp::Request {
            from,
            currency: currency.to_string(),
            amount,
            memo: memo.to_string(),
            expires_at,
        };
        self.ledger_op(space, op).await
    }

    /// Files a dispute against a payment this identity made or received.
    pub async fn dispute(
        &self,
        space: &SpaceId,
        payment: &OpId,
        reason: &str,
        evidence: Vec<String>,
    ) -> Result<OpId, NodeError> {
        let view = self.space(space).ok_or(NodeError::UnknownSpace(*space))?;
        let facts = view
            .ledger(0)
            .book
            .payment(payment)
            .map(|p| p.entry.clone())
            .ok_or(NodeError::UnknownOp(*payment))?;
        let op = LedgerOp::Dispute {
            payment: *payment,
            facts,
            reason: reason.to_string(),
            evidence,
        };
        self.ledger_op(space, op).await
    }

    /// Settles a dispute this identity mediates.
    pub async fn settle_dispute(
        &self,
        space: &SpaceId,
        dispute: &OpId,
        outcome: Outcome,
        reason: &str,
    ) -> Result<OpId, NodeError> {
        let op = LedgerOp::Settle {
            dispute: *dispute,
            outcome,
            reason: reason.to_string(),
        };
        self.ledger_op(space, op).await
    }
}
