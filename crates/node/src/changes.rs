//! Telling the app what changed: a callback after every durable commit.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use hearth_core::{OpId, SpaceId};

/// What one durable commit of this node changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Spaces whose views changed, in id order.
    pub spaces: Vec<SpaceId>,
    /// Ops newly stored, in acceptance order.
    pub accepted: Vec<OpId>,
}

/// A registered callback; give it back to [`crate::Node::unsubscribe`].
#[derive(Debug, PartialEq, Eq)]
pub struct Subscription(u64);

type Callback = Rc<dyn Fn(&Change)>;

/// The node's subscribers.
#[derive(Default)]
pub(crate) struct Subscribers {
    next: Cell<u64>,
    list: RefCell<Vec<(u64, Callback)>>,
}

impl Subscribers {
    pub(crate) fn add(&self, callback: impl Fn(&Change) + 'static) -> Subscription {
        let id = self.next.get();
        self.next.set(id + 1);
        self.list.borrow_mut().push((id, Rc::new(callback)));
        Subscription(id)
    }

    pub(crate) fn remove(&self, subscription: Subscription) {
        self.list
            .borrow_mut()
            .retain(|(id, _)| *id != subscription.0);
    }

    /// Calls every subscriber; a callback may subscribe or unsubscribe.
    pub(crate) fn notify(&self, change: &Change) {
        let callbacks: Vec<Callback> = self.list.borrow().iter().map(|(_, f)| f.clone()).collect();
        for f in callbacks {
            f(change);
        }
    }
}
