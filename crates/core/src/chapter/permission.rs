//! What a member may do: the permissions tiers and roles give.

use serde::{Deserialize, Serialize};

/// What a member may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Post notes and ordinary records.
    Post,
    /// Create proposals.
    CreateProposal,
    /// Vote.
    Vote,
    /// Veto proposals.
    Veto,
    /// Create invites.
    Invite,
    /// Admit, suspend, reinstate and remove members.
    ManageMembership,
    /// Grant and revoke roles, set tiers.
    ManageRoles,
    /// Allocate budget.
    AllocateBudget,
    /// Issue and revoke executive orders.
    IssueOrders,
    /// Enact statutes and change the charter's rules directly.
    EnactStatutes,
    /// Declare emergencies.
    DeclareEmergency,
    /// Mediate disputes.
    Mediate,
}

impl Permission {
    /// The charter parameter that gates it on trust (see
    /// [`super::Chapter::trust_gate`]).
    pub fn trust_gate_key(self) -> &'static str {
        match self {
            Permission::Post => "min_trust_post",
            Permission::CreateProposal => "min_trust_create_proposal",
            Permission::Vote => "min_trust_vote",
            Permission::Veto => "min_trust_veto",
            Permission::Invite => "min_trust_invite",
            Permission::ManageMembership => "min_trust_manage_membership",
            Permission::ManageRoles => "min_trust_manage_roles",
            Permission::AllocateBudget => "min_trust_allocate_budget",
            Permission::IssueOrders => "min_trust_issue_orders",
            Permission::EnactStatutes => "min_trust_enact_statutes",
            Permission::DeclareEmergency => "min_trust_declare_emergency",
            Permission::Mediate => "min_trust_mediate",
        }
    }

    /// Every permission.
    pub const ALL: [Permission; 12] = [
        Permission::Post,
        Permission::CreateProposal,
        Permission::Vote,
        Permission::Veto,
        Permission::Invite,
        Permission::ManageMembership,
        Permission::ManageRoles,
        Permission::AllocateBudget,
        Permission::IssueOrders,
        Permission::EnactStatutes,
        Permission::DeclareEmergency,
        Permission::Mediate,
    ];

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Permission::Post => "post",
            Permission::CreateProposal => "create proposal",
            Permission::Vote => "vote",
            Permission::Veto => "veto",
            Permission::Invite => "invite",
            Permission::ManageMembership => "manage membership",
            Permission::ManageRoles => "manage roles",
            Permission::AllocateBudget => "allocate budget",
            Permission::IssueOrders => "issue orders",
            Permission::EnactStatutes => "enact statutes",
            Permission::DeclareEmergency => "declare emergency",
            Permission::Mediate => "mediate",
        }
    }
}
