import { defineConfig } from 'vite';

// The console is served by api-gateway from META-INF/resources (Quarkus' static resources) at "/".
// `npm run dev` proxies the API to a gateway on :8080 (./dms up).
export default defineConfig({
  base: '/',
  build: {
    outDir: '../../../target/classes/META-INF/resources',
    emptyOutDir: true,
    assetsDir: 'console-assets',
    // no inline scripts or styles: the pages are served with a strict Content-Security-Policy
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
