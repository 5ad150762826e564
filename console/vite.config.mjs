// Builds the web console (console/src) into console/dist, which the service serves at /console (src/console).
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // Clerk's SDK is a chunk of its own, loaded only when sign-in with Clerk is configured.
    chunkSizeWarningLimit: 1500,
  },
});
