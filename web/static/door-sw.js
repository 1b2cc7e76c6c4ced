/* The door scanner's service worker (served as /door/sw.js, controlling /door): the page and
   its files come from the network when there is one and from this cache when there is not.
   Calls to the tools and the live stream are never cached: the page queues those itself. */
const CACHE = 'aitickets-door-v1';
const FILES = [
  '/static/site.css',
  '/static/door.css',
  '/static/door.js',
  '/static/vendor/jsqr/jsQR.js',
  '/static/door-icon.svg',
  '/static/door-icon-192.png',
  '/door/manifest.webmanifest',
];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => Promise.all(FILES.map((url) => cache.add(url).catch(() => null))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('aitickets-door-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    // A sign-in redirect is not the page: keep the last good copy instead.
    if (response.ok && !response.redirected) cache.put(key, response.clone());
    return response;
  } catch (error) {
    const saved = await cache.match(key);
    if (saved) return saved;
    throw error;
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === '/door' && request.mode === 'navigate') {
    event.respondWith(networkFirst(request, '/door'));
  } else if (FILES.includes(url.pathname)) {
    event.respondWith(networkFirst(request, url.pathname));
  }
});
