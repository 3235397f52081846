/**
 * What the local harness deployed and runs: the api's environment as `local/service.sh start`
 * recorded it (`.local/service.env.running`, KEY=value lines) and the stack outputs cdklocal wrote
 * (`.local/outputs.json`). Lets the e2e tests check that /config reflects the real configuration,
 * that secret values never appear in a response, and what the avatars bucket holds.
 * E2E_SERVICE_ENV_FILE overrides the env file; when E2E_BASE_URL names another host and there is
 * no override, the env is empty and those checks fall back to the response shapes.
 */
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { baseUrl } from './http';

const LOCAL_STATE = join(__dirname, '..', '..', '..', '.local');
export const SERVICE_ENV_FILE = process.env.E2E_SERVICE_ENV_FILE ?? join(LOCAL_STATE, 'service.env.running');
export const OUTPUTS_FILE = join(LOCAL_STATE, 'outputs.json');

/** The API under test runs on this machine, so the harness's files describe it. */
const apiIsLocal = (): boolean => ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(baseUrl).hostname);

export function serviceEnv(): Readonly<Record<string, string>> {
  const describesApi = process.env.E2E_SERVICE_ENV_FILE !== undefined || apiIsLocal();
  if (!describesApi || !existsSync(SERVICE_ENV_FILE)) return {};
  const env: Record<string, string> = {};
  for (const line of readFileSync(SERVICE_ENV_FILE, 'utf8').split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return env;
}

/** The avatars bucket the api writes to: AVATARS_BUCKET, else the service env, else the stack outputs. */
export function avatarsBucket(): string {
  const fromOutputs = (): string | undefined => {
    if (!existsSync(OUTPUTS_FILE)) return undefined;
    const stacks = JSON.parse(readFileSync(OUTPUTS_FILE, 'utf8')) as Record<string, Record<string, string>>;
    return Object.values(stacks).find((o) => o.AvatarsBucketName)?.AvatarsBucketName;
  };
  const bucket = process.env.AVATARS_BUCKET ?? serviceEnv().AVATARS_BUCKET ?? fromOutputs();
  if (!bucket) {
    throw new Error(
      `no avatars bucket: set AVATARS_BUCKET or run npm run local (which writes ${OUTPUTS_FILE})`,
    );
  }
  return bucket;
}
