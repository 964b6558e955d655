// Renders the app icon (assets/icon.svg) for electron-builder: build/icon.png (1024², which
// electron-builder turns into .icns and .ico) and build/icons/<n>x<n>.png for Linux. Generated,
// not committed (build/ is ignored).
import { mkdir } from 'node:fs/promises';
import sharp from 'sharp';

await mkdir('build/icons', { recursive: true });
await sharp('assets/icon.svg', { density: 300 }).resize(1024, 1024).png().toFile('build/icon.png');
for (const size of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) {
  await sharp('assets/icon.svg', { density: 300 }).resize(size, size).png().toFile(`build/icons/${size}x${size}.png`);
}
console.log('make-icons: build/icon.png and build/icons/*.png from assets/icon.svg');
