// Bundle page.js for the browser: `node build.mjs` writes dist/page.js and
// dist/index.html (a blank page that loads the bundle as a module script).

import { build } from 'esbuild'
import { mkdir, writeFile, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const dist = join(here, 'dist')

await mkdir(dist, { recursive: true })

await build({
  entryPoints: [join(here, 'page.js')],
  outfile: join(dist, 'page.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser', // honours the packages' "browser" field maps
  target: 'es2022',
  minify: false,
  sourcemap: false,
  logLevel: 'warning',
  define: {
    // Some dependencies still look at these Node globals.
    'process.env.NODE_ENV': '"production"',
    global: 'globalThis'
  }
})

const html = `<!doctype html>
<html>
<head>
  <meta charset="utf-8">
  <title>hearth js-libp2p interop</title>
  <link rel="icon" href="data:,">
  <script type="module" src="./page.js"></script>
</head>
<body>
  <p>js-libp2p interop page: drive it through window.startNode() and friends.</p>
</body>
</html>
`
await writeFile(join(dist, 'index.html'), html)

const { size } = await stat(join(dist, 'page.js'))
console.log(`built dist/page.js (${(size / 1024).toFixed(0)} KiB) and dist/index.html`)
