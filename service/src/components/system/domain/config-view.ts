import type { Config } from '../../../libraries/config';

export interface ConfigView {
  readonly message: string;
  readonly config: Config['publicConfig'];
  readonly secrets_status: { SECRET_KEY: 'Yes' | 'No'; DB_PASSWORD: 'Yes' | 'No' };
}

/** What `/config` may show: public values, and for secrets only whether they are set. */
export function configView(config: Config): ConfigView {
  const isSet = (v: string | undefined): 'Yes' | 'No' => (v ? 'Yes' : 'No');
  return {
    message: 'Configuration values (secrets excluded for security)',
    config: { ...config.publicConfig },
    secrets_status: {
      SECRET_KEY: isSet(config.secrets.SECRET_KEY),
      DB_PASSWORD: isSet(config.secrets.DB_PASSWORD),
    },
  };
}
