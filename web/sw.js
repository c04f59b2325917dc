// Hearth's service worker: keeps the app shell and the wasm node in a cache so
// the app opens offline, and lets the page offer an update when a new version
// is deployed. The build stamps VERSION with a hash of index.html (which names
// every hashed asset) and of the signature worker's module, so any new build
// is a new service worker.
const VERSION = '__HEARTH_VERSION__';
const CACHE = `hearth-shell-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    const page = await fetch('/', { cache: 'no-cache' });
    if (!page.ok) throw new Error(`the app shell answered ${page.status}`);
    const html = await page.clone().text();
    const assets = new Set(['/hearth-verifier.wasm', '/manifest.webmanifest', '/icons/icon.svg', '/icons/icon-maskable.svg', '/icons/icon-192.png']);
    for (const m of html.matchAll(/(?:href|src)="(\/[^"]+)"/g)) assets.add(m[1]);
    await cache.put('/', page);
    await cache.addAll([...assets]);
    // The very first install takes over at once; later ones wait for the
    // member to accept the update (see pwa.js).
    if (!self.registration.active) await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith('hearth-shell-') && key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || url.pathname === '/health') return;
  if (request.mode === 'navigate') {
    // The page: the network when it answers (to learn of updates), else the shell.
    event.respondWith(fetch(request).catch(async () => (await caches.match('/', { cacheName: CACHE })) ?? Response.error()));
    return;
  }
  // Hashed assets never change: the cache first.
  event.respondWith((async () => (await caches.match(request, { cacheName: CACHE })) ?? fetch(request))());
});
