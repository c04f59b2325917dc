// Browser entry for the js-libp2p interop page.
//
// Bundled by build.mjs into dist/page.js and driven from Node through
// playwright-core: every helper below hangs off `window` and returns plain,
// structured-clone-friendly values (strings, numbers, arrays, objects).
//
// Debug logs: set `localStorage.debug = 'libp2p:*'` (e.g. from an init script)
// before the page loads; js-libp2p logs through the `debug` package.

import { createLibp2p } from 'libp2p'
import { webSockets } from '@libp2p/websockets'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { webRTC } from '@libp2p/webrtc'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { multiaddr } from '@multiformats/multiaddr'

/** The single node this page runs (one per page keeps the tests simple). */
let node = null

/** Every gossipsub message delivered to this node, oldest first. */
window.received = []

/** Build and start a node, replacing (and stopping) any previous one. */
async function buildNode () {
  if (node != null) {
    await node.stop().catch(err => console.error('stopping old node:', err))
  }
  node = await createLibp2p({
    addresses: {
      // '/p2p-circuit' asks the relay transport to make a reservation on
      // any connected relay; '/webrtc' lets peers reach us over that relay
      // and upgrade to a direct WebRTC connection.
      listen: ['/p2p-circuit', '/webrtc']
    },
    transports: [
      // @libp2p/websockets 10.x has no `filter` option any more: its
      // dialFilter accepts both /ws and /wss. What blocks plain ws:// to
      // 127.0.0.1 in a browser is libp2p's default *browser* connection
      // gater (it denies insecure websockets and private addresses), which
      // the connectionGater below replaces.
      webSockets(),
      circuitRelayTransport({ reservationCompletionTimeout: 10_000 }),
      // Private-to-private WebRTC (signalled over a relayed connection).
      // No STUN/TURN: the tests run on loopback only.
      webRTC({ rtcConfiguration: { iceServers: [] } })
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: {
      // Allow loopback/private addresses and non-TLS websockets.
      denyDialMultiaddr: () => false
    },
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        emitSelf: false,
        globalSignaturePolicy: 'StrictSign', // the default, stated for clarity
        allowPublishToZeroTopicPeers: true
      })
    }
  })

  // 'gossipsub:message' carries { propagationSource, msgId, msg }; the plain
  // 'message' event only carries the Message without who forwarded it.
  node.services.pubsub.addEventListener('gossipsub:message', (evt) => {
    const { msg, propagationSource } = evt.detail
    window.received.push({
      topic: msg.topic,
      from: msg.from?.toString(),
      propagationSource: String(propagationSource),
      data: Array.from(msg.data)
    })
  })

  await node.start() // createLibp2p starts by default; this is a no-op then
  return node
}

/** Poll `check` every `intervalMs` until it returns a truthy value. */
async function waitFor (check, what, timeoutMs = 30_000, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = check()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, intervalMs))
  }
}

/** Throw a clear error if a helper is used before a node exists. */
function requireNode () {
  if (node == null) throw new Error('no node: call startNode() or createNodeOnly() first')
  return node
}

/** Wrap a helper so that failures are logged to the console and rethrown. */
function logged (name, fn) {
  return async (...args) => {
    try {
      return await fn(...args)
    } catch (err) {
      console.error(`${name} failed:`, err)
      throw err
    }
  }
}

/** Build a node without dialing anything; resolves with its peer id. */
window.createNodeOnly = logged('createNodeOnly', async () => {
  const n = await buildNode()
  return n.peerId.toString()
})

/**
 * Build a node, dial the relay at `relayWsAddr`
 * (/ip4/127.0.0.1/tcp/PORT/ws/p2p/PEER) and wait until a reservation yields
 * a /p2p-circuit/webrtc listen address. Resolves with { peerId, addrs }.
 */
window.startNode = logged('startNode', async (relayWsAddr) => {
  const n = await buildNode()
  await n.dial(multiaddr(relayWsAddr))
  await waitFor(
    () => n.getMultiaddrs().some(ma => ma.toString().includes('/p2p-circuit/webrtc')),
    'a /p2p-circuit/webrtc listen address'
  )
  return {
    peerId: n.peerId.toString(),
    addrs: n.getMultiaddrs().map(ma => ma.toString())
  }
})

/** Stop the node (if any). */
window.stopNode = logged('stopNode', async () => {
  if (node != null) await node.stop()
  node = null
})

/** Dial a /…/p2p-circuit/webrtc/p2p/… address; resolves with remoteAddr. */
window.dialWebRTC = logged('dialWebRTC', async (addr) => {
  const conn = await requireNode().dial(multiaddr(addr))
  return conn.remoteAddr.toString()
})

/**
 * All open connections. `limited` is true for connections with relay limits
 * (Connection.limits is set on relayed circuit-v2 connections); `direct` is
 * libp2p's own flag, false for connections via a relay.
 */
window.connections = () => requireNode().getConnections().map(conn => ({
  peer: conn.remotePeer.toString(),
  addr: conn.remoteAddr.toString(),
  limited: conn.limits != null,
  direct: conn.direct
}))

/** Subscribe to a gossipsub topic. */
window.subscribe = (topic) => {
  requireNode().services.pubsub.subscribe(topic)
}

/**
 * Publish `bytesArray` (an array of numbers) on `topic`. Resolves with the
 * number of recipients, or with an error string (never rejects).
 */
window.publish = async (topic, bytesArray) => {
  try {
    const result = await requireNode().services.pubsub.publish(topic, Uint8Array.from(bytesArray))
    return result.recipients.length
  } catch (err) {
    console.error('publish failed:', err)
    return String(err?.message ?? err)
  }
}

/** Peer ids (strings) known to be subscribed to `topic`. */
window.topicPeers = (topic) =>
  requireNode().services.pubsub.getSubscribers(topic).map(String)

window.addEventListener('unhandledrejection', (evt) => {
  console.error('unhandled rejection:', evt.reason)
})
