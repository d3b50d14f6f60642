// Build config: fixed output names because the Django templates include them by name.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/static/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Both entries import the same stylesheet; one CSS file keeps the template include simple.
    cssCodeSplit: false,
    // deck.gl + arrow are one big map bundle by nature; the default 500 kB warning is noise.
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      input: { upload: 'src/upload.ts', map: 'src/map.ts' },
      output: {
        entryFileNames: '[name].js',
        chunkFileNames: 'chunks/[name]-[hash].js',
        assetFileNames: '[name][extname]',
      },
    },
  },
});
