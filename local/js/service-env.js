#!/usr/bin/env node
/**
 * The service's environment (KEY=value lines on stdout) from the stack outputs `cdklocal deploy
 * --outputs-file` wrote: the table, bucket and queue names (the dead-letter queue's too), and SECRET_KEY read from the deployed app
 * secret. On AWS the api reads that secret itself through APP_SECRET_ARN; the emulator reports the
 * secret by name, which that variable rejects, so the value is read here instead.
 * Usage: node local/js/service-env.js <outputs.json>   (called by local/service.sh env)
 */
const { SecretsManagerClient, GetSecretValueCommand } = require('@aws-sdk/client-secrets-manager');

const OUTPUTS = {
  USERS_TABLE: 'UsersTableName',
  MESSAGES_TABLE: 'MessagesTableName',
  AVATARS_BUCKET: 'AvatarsBucketName',
  MESSAGES_QUEUE_URL: 'MessagesQueueUrl',
  MESSAGES_DLQ_URL: 'MessagesDlqUrl',
  APP_SECRET_ARN: 'AppSecretArn',
};

async function main(file) {
  const all = Object.values(require(file)).reduce((a, o) => ({ ...a, ...o }), {});
  const env = {};
  for (const [name, output] of Object.entries(OUTPUTS)) {
    if (!all[output]) throw new Error(`stack output ${output} missing in ${file}`);
    env[name] = all[output];
  }
  let secret;
  try {
    secret = await new SecretsManagerClient({}).send(
      new GetSecretValueCommand({ SecretId: env.APP_SECRET_ARN }),
    );
  } catch (e) {
    throw new Error(`reading the app secret failed: ${e.message}`, { cause: e });
  }
  delete env.APP_SECRET_ARN;
  env.SECRET_KEY = JSON.parse(secret.SecretString).SECRET_KEY;
  for (const [k, v] of Object.entries(env)) console.log(`${k}=${v}`);
}

main(require('path').resolve(process.argv[2] ?? '')).catch((e) => {
  console.error(e.message);
  process.exit(1);
});
