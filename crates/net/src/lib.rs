//! Hearth networking: libp2p gossip and anti-entropy sync. Empty until the network work lands.
