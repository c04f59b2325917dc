// Smoke check for the bundled page: `node build.mjs && node smoke.mjs`.
//
// Serves dist/ on 127.0.0.1 (a free port), opens it in Debian's Chromium via
// playwright-core, checks the window helpers exist and that a node can be
// built without a relay. Exits 0 on success, 1 on any failure.

import http from 'node:http'
import { readFile } from 'node:fs/promises'
import { dirname, extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const dist = join(dirname(fileURLToPath(import.meta.url)), 'dist')
const types = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' }

/** Serve files from dist/ on 127.0.0.1 at a free port; resolves with the server. */
function serveDist () {
  const server = http.createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname
    const file = normalize(join(dist, path === '/' ? 'index.html' : path))
    if (!file.startsWith(dist)) { res.writeHead(403).end(); return }
    try {
      const body = await readFile(file)
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' })
      res.end(body)
    } catch {
      res.writeHead(404).end('not found')
    }
  })
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve(server)))
}

const server = await serveDist()
const url = `http://127.0.0.1:${server.address().port}/`
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--allow-loopback-in-peer-connection',
    '--disable-features=WebRtcHideLocalIpsWithMdns'
  ]
})

const pageErrors = []
let ok = false
try {
  const page = await browser.newPage()
  page.on('pageerror', err => pageErrors.push(`pageerror: ${err.message}`))
  page.on('console', msg => {
    if (msg.type() === 'error') pageErrors.push(`console.error: ${msg.text()}`)
  })

  await page.goto(url)
  // Module scripts run after parsing; wait until the bundle has set up window.
  await page.waitForFunction(() => typeof window.startNode === 'function', null, { timeout: 15_000 })

  const helpers = ['startNode', 'createNodeOnly', 'stopNode', 'dialWebRTC', 'connections',
    'subscribe', 'publish', 'topicPeers']
  const missing = await page.evaluate(
    names => names.filter(n => typeof window[n] !== 'function'), helpers)
  if (missing.length > 0) throw new Error(`missing window helpers: ${missing.join(', ')}`)

  const peerId = await page.evaluate(() => window.createNodeOnly())
  console.log(`peer id: ${peerId}`)

  // Exercise the other helpers that work without any peer.
  const state = await page.evaluate(async () => {
    window.subscribe('smoke')
    return {
      connections: window.connections(),
      topicPeers: window.topicPeers('smoke'),
      publish: await window.publish('smoke', [1, 2, 3]),
      received: window.received.length
    }
  })
  console.log('state:', JSON.stringify(state))
  if (!/^12D3Koo/.test(peerId)) throw new Error(`unexpected peer id ${peerId}`)
  if (state.publish !== 0) throw new Error(`publish to zero peers gave ${state.publish}`)

  await page.evaluate(() => window.stopNode())
  ok = true
} catch (err) {
  console.error('smoke failed:', err)
} finally {
  await browser.close()
  server.close()
}

for (const e of pageErrors) console.log(e)
console.log(ok ? 'smoke: ok' : 'smoke: FAILED')
process.exit(ok ? 0 : 1)
