// Registers the service worker and offers updates: when a new version has
// installed and waits, a notice asks the member to reload into it.
if ('serviceWorker' in navigator) {
  let accepted = false;
  const offer = (worker) => {
    if (document.getElementById('update-notice')) return;
    const notice = document.createElement('div');
    notice.id = 'update-notice';
    notice.setAttribute('role', 'status');
    notice.innerHTML = '<span>A new version of Hearth is ready.</span> <button type="button">Update now</button>';
    notice.querySelector('button').addEventListener('click', async () => {
      accepted = true;
      // The newest waiting worker (another deployment may have landed since
      // the notice appeared).
      const registration = await navigator.serviceWorker.getRegistration();
      (registration?.waiting ?? worker).postMessage({ type: 'skip-waiting' });
    });
    document.body.append(notice);
  };
  // Only an accepted update reloads; the first install just takes control.
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (accepted) {
      accepted = false;
      location.reload();
    }
  });
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).then((registration) => {
    // A worker that has installed and waits while this page is controlled
    // is a new version.
    const check = () => {
      if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
    };
    registration.addEventListener('updatefound', () => {
      const worker = registration.installing;
      worker?.addEventListener('statechange', check);
      check();
    });
    navigator.serviceWorker.addEventListener('controllerchange', check);
    check();
    // Look for a new version whenever the app comes back to the foreground.
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') registration.update().then(check, () => {});
    });
  }).catch((e) => console.warn('Hearth could not install its offline support:', e));
}
