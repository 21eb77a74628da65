/**
 * Draws the Teams app icons (`teams/color.png` 192×192, `teams/outline.png` 32×32 white on
 * transparent) as PNGs with nothing but zlib: a shield with a keyhole. Run once after changing
 * the drawing: `npx tsx scripts/draw-teams-icons.ts`; the PNGs are committed.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

type Rgba = readonly [number, number, number, number];
/** Colour of the pixel at (x, y), each sample point in pixel units. */
type Painter = (x: number, y: number) => Rgba;

const ACCENT: Rgba = [0x1f, 0x5a, 0xa6, 255];
const WHITE: Rgba = [255, 255, 255, 255];
const CLEAR: Rgba = [255, 255, 255, 0];
const SUBSAMPLES = 4; // per axis: 16 samples a pixel, for smooth edges

/** The shield, in units where the icon's centre is (0, 0) and the shield spans about ±0.9. */
function inShield(u: number, v: number): boolean {
  if (v < -0.85 || v > 0.95) return false;
  const t = v <= 0.1 ? 0 : (v - 0.1) / 0.85;
  return Math.abs(u) <= 0.72 * (1 - t * t);
}

function inKeyhole(u: number, v: number): boolean {
  const head = u * u + (v + 0.2) * (v + 0.2) <= 0.17 * 0.17;
  const stem = v >= -0.2 && v <= 0.42 && Math.abs(u) <= 0.06 + 0.08 * ((v + 0.2) / 0.62);
  return head || stem;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** An 8-bit RGBA PNG of `size`×`size`, each pixel the average of the painter's samples. */
function png(size: number, paint: Painter): Buffer {
  const rows: Buffer[] = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4); // filter byte 0 (none), then RGBA
    for (let x = 0; x < size; x++) {
      const sum = [0, 0, 0, 0];
      for (let sy = 0; sy < SUBSAMPLES; sy++) {
        for (let sx = 0; sx < SUBSAMPLES; sx++) {
          const [r, g, b, a] = paint(x + (sx + 0.5) / SUBSAMPLES, y + (sy + 0.5) / SUBSAMPLES);
          sum[0] += r * a;
          sum[1] += g * a;
          sum[2] += b * a;
          sum[3] += a;
        }
      }
      const alpha = sum[3] / (SUBSAMPLES * SUBSAMPLES);
      for (let c = 0; c < 3; c++) row[1 + x * 4 + c] = sum[3] === 0 ? 255 : Math.round(sum[c] / sum[3]);
      row[1 + x * 4 + 3] = Math.round(alpha);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(6, 9); // colour type: RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Full colour: a white shield with an accent keyhole on the accent colour, within Teams' safe area. */
function colorIcon(size = 192): Buffer {
  const half = size / 2;
  const scale = 60;
  return png(size, (x, y) => {
    const u = (x - half) / scale;
    const v = (y - half) / scale;
    return inShield(u, v) && !inKeyhole(u, v) ? WHITE : ACCENT;
  });
}

/** Outline: the shield's edge and the keyhole in white, everything else transparent. */
function outlineIcon(size = 32): Buffer {
  const half = size / 2;
  const scale = 15;
  const stroke = 2.2 / scale; // about two pixels
  return png(size, (x, y) => {
    const u = (x - half) / scale;
    const v = (y - half) / scale;
    const inner = inShield(u / (1 - stroke / 0.72), (v - 0.05 * stroke) / (1 - stroke / 0.9));
    return (inShield(u, v) && !inner) || inKeyhole(u, v) ? WHITE : CLEAR;
  });
}

const dir = path.join(__dirname, '..', 'teams');
writeFileSync(path.join(dir, 'color.png'), colorIcon());
writeFileSync(path.join(dir, 'outline.png'), outlineIcon());
process.stdout.write(`wrote ${path.join(dir, 'color.png')} and ${path.join(dir, 'outline.png')}\n`);
