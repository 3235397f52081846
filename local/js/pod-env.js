/**
 * The environment of the process it runs in, as KEY=value lines (upper-case names only). Sent on
 * stdin to `node -` inside an api pod by local/k8s/deploy.sh, so it needs nothing but node there.
 */
for (const [k, v] of Object.entries(process.env)) if (/^[A-Z][A-Z0-9_]*$/.test(k)) console.log(`${k}=${v}`);
