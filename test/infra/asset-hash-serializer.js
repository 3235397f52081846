/**
 * Jest snapshot serializer of the infra project: masks what changes whenever an asset's content
 * changes (64-hex asset hashes in S3 keys, image tags and asset paths), so a snapshot only changes
 * when the infrastructure does. Hashes inside longer strings (e.g. Helm values JSON) are masked too.
 */
const ASSET_HASH = /[0-9a-f]{64}/g;
const MASK = '[ASSET-HASH]';

module.exports = {
  test(value) {
    return typeof value === 'string' && /[0-9a-f]{64}/.test(value);
  },
  serialize(value, config, indentation, depth, refs, printer) {
    return printer(value.replace(ASSET_HASH, MASK), config, indentation, depth, refs);
  },
};
