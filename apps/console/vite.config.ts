import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built once at build time into dist/, which the api serves at /console: hashed
// file names under assets/ (cached for a year), index.html never cached.
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    // The CSP allows no inline script or style, so nothing may be inlined as a data: URL either.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: 'es2022',
  },
});
