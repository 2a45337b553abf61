// Vite build of the dashboard into web/dist/, which `sluice serve` serves at `/`.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Chromium, Firefox and Safari of the last two years; no legacy bundle to build or serve.
    target: 'es2022',
    reportCompressedSize: false,
  },
  // `npm run dev:web` against a `sluice serve` on the default port: same-origin cookies through the proxy.
  server: { proxy: { '/api': 'http://127.0.0.1:8787' } },
});
