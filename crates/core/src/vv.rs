//! Version vectors: per space, each author's highest contiguous seq.
//!
//! Valid ops are accepted only once their author's previous op is, so every
//! author's accepted log is contiguous from seq 0 and the vector is a complete
//! summary of what a node holds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::identity::Did;

/// `{author: highest contiguous seq}` for one space.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionVector(BTreeMap<Did, u64>);

impl VersionVector {
    /// An empty vector.
    pub fn new() -> Self {
        Self::default()
    }
    /// The highest seq held for `author`, if any.
    pub fn get(&self, author: &Did) -> Option<u64> {
        self.0.get(author).copied()
    }
    /// Records that `author`'s log reaches `seq` (never lowers an entry).
    pub fn observe(&mut self, author: Did, seq: u64) {
        let e = self.0.entry(author).or_insert(seq);
        *e = (*e).max(seq);
    }
    /// The authors and their highest seqs, by author.
    pub fn iter(&self) -> impl Iterator<Item = (&Did, &u64)> {
        self.0.iter()
    }
    /// How many ops the vector accounts for.
    pub fn op_count(&self) -> u64 {
        self.0.values().map(|s| s + 1).sum()
    }
    /// Number of authors.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Whether no author is known.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
