/** The image types an avatar may be, by extension and by magic number. */
export type ImageType = 'image/png' | 'image/jpeg' | 'image/gif';

const EXTENSIONS: Readonly<Record<string, ImageType>> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
};

/** The file name extensions an avatar may have (any case), with their dot. */
export const AVATAR_EXTENSIONS: readonly string[] = Object.keys(EXTENSIONS);
/** The image types an avatar may be. */
export const AVATAR_TYPES: readonly ImageType[] = [...new Set(Object.values(EXTENSIONS))];

const startsWith = (bytes: Buffer, signature: readonly number[]): boolean =>
  bytes.length >= signature.length && signature.every((b, i) => bytes[i] === b);

/** The real type of an image from its first bytes (PNG, JPEG or GIF), or undefined. */
export function detectImageType(bytes: Buffer): ImageType | undefined {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  const gif = bytes.subarray(0, 6).toString('latin1');
  if (gif === 'GIF87a' || gif === 'GIF89a') return 'image/gif';
  return undefined;
}

const extensionOf = (fileName: string): string => {
  const dot = fileName.lastIndexOf('.');
  return dot >= 0 ? fileName.slice(dot).toLowerCase() : '';
};

/** The type a file name claims (case-insensitive extension), or undefined. */
export const typeFromFileName = (fileName: string): ImageType | undefined =>
  EXTENSIONS[extensionOf(fileName)];

const MAX_NAME_LENGTH = 100;

/**
 * A file name safe as the last segment of an S3 key: no directory part, ASCII letters, digits,
 * dot, dash and underscore only, at most 100 characters, extension kept (lower case).
 */
export function sanitiseFileName(original: string): string {
  const base = original.split(/[\\/]/).pop() ?? '';
  const ext = extensionOf(base);
  const stem = base
    .slice(0, base.length - ext.length)
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^[._-]+|[._-]+$/g, '')
    .slice(0, MAX_NAME_LENGTH - ext.length);
  return `${stem || 'avatar'}${ext}`;
}
