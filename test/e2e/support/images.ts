/**
 * Tiny but valid images, built here byte by byte, so that an avatar can be checked to come back
 * byte-identical. Each builder takes a colour, so every user of a run gets different bytes.
 */
import { deflateSync } from 'zlib';

type Rgb = readonly [number, number, number];

const CRC_TABLE = Array.from({ length: 256 }, (_v, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A 1x1 truecolour PNG: signature, IHDR, one zlib-compressed scanline (filter 0 + RGB), IEND. */
export function png(rgb: Rgb = [0x33, 0x66, 0xcc]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0); // width
  ihdr.writeUInt32BE(1, 4); // height
  ihdr.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type 2 (RGB), deflate, adaptive filter, no interlace
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.from([0, ...rgb]))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A 1x1 GIF89a: header, logical screen with a 2-colour global table, one image, LZW data, trailer. */
export function gif(rgb: Rgb = [0x2e, 0x8b, 0x57]): Buffer {
  return Buffer.from([
    ...Buffer.from('GIF89a', 'ascii'),
    0x01, 0x00, 0x01, 0x00, // width 1, height 1
    0x80, 0x00, 0x00, // global colour table of 2 entries; background 0; no aspect ratio
    ...rgb, 0x00, 0x00, 0x00, // the two colours
    0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, // image descriptor at 0,0, 1x1
    0x02, 0x02, 0x44, 0x01, 0x00, // LZW minimum code size 2; one 2-byte block: clear, index 0, end
    0x3b, // trailer
  ]); // prettier-ignore
}

/**
 * A 1x1 baseline JPEG (as Chromium's encoder writes it, ICC profile removed): SOI, JFIF APP0, two
 * quantisation tables, SOF0, four Huffman tables, SOS and one MCU, EOI. `variant` changes one
 * byte of the JFIF header's density, which keeps the image valid and the bytes different.
 */
const JPEG_1X1 =
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAFA3PEY8MlBGQUZaVVBfeMiCeG5uePWvuZHI////////////////////////////' +
  '////////////////////////2wBDAVVaWnhpeOuCguv/////////////////////////////////////////////////////' +
  '////////////////////wAARCAABAAEDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAL/xAAUEAEAAAAAAAAAAAAA' +
  'AAAAAAAA/8QAFQEBAQAAAAAAAAAAAAAAAAAAAgP/xAAUEQEAAAAAAAAAAAAAAAAAAAAA/9oADAMBAAIRAxEAPwCAAWf/2Q==';

export function jpeg(variant = 1): Buffer {
  const bytes = Buffer.from(JPEG_1X1, 'base64');
  bytes.writeUInt16BE(1 + (variant % 0xfffe), 14); // JFIF X density
  return bytes;
}

/** Random colour, so that two avatars of one run never share bytes. */
export function randomRgb(): Rgb {
  return [Math.floor(Math.random() * 256), Math.floor(Math.random() * 256), Math.floor(Math.random() * 256)];
}
