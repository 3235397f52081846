import { randomBytes } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';

const pngChunk = (type: string, data: Buffer): Buffer => {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0);
  return Buffer.concat([head, data, crc]);
};

/**
 * A valid PNG of exactly `size` bytes: random RGB pixels stored uncompressed (so the size does not
 * depend on the data), padded to the size with a text chunk.
 */
export function pngOfSize(size = 50 * 1024): Buffer {
  const width = 128;
  const rowBytes = 1 + width * 3; // filter byte + RGB
  const height = Math.floor((size - 200) / rowBytes);
  const raw = randomBytes(rowBytes * height);
  for (let y = 0; y < height; y++) raw[y * rowBytes] = 0; // filter type "none"
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8 bits, truecolour, deflate, no filter, no interlace
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const parts = [signature, pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(raw, { level: 0 }))];
  const end = pngChunk('IEND', Buffer.alloc(0));
  const used = parts.reduce((n, b) => n + b.length, 0) + end.length;
  const padding = size - used - 12; // a chunk costs 12 bytes besides its data
  if (padding < 8) throw new Error(`PNG of ${size} bytes is too small for ${height} rows`);
  parts.push(pngChunk('tEXt', Buffer.from(`Comment\0${'x'.repeat(padding - 8)}`, 'latin1')));
  return Buffer.concat([...parts, end]);
}

/** Builds `multipart/form-data` bodies for `POST /user`: the fields change, the avatar bytes do not. */
export function userForm(avatar: Buffer, fileName = 'avatar.png') {
  const boundary = `----bench${randomBytes(8).toString('hex')}`;
  const field = (name: string, value: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const fileHead =
    `--${boundary}\r\nContent-Disposition: form-data; name="avatar"; filename="${fileName}"\r\n` +
    'Content-Type: image/png\r\n\r\n';
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    body: (name: string, email: string): Buffer =>
      Buffer.concat([Buffer.from(field('name', name) + field('email', email) + fileHead), avatar, tail]),
  };
}
