import { IsOptional, IsString } from 'class-validator';
import { EnvVar } from './env.metadata.js';

/** The key of ENC(...) values: read by the loader itself, before any module's variables. */
export class MasterKeyEnv {
  @EnvVar({
    group: 'config',
    description: 'Key for ENC(...) values: 32 bytes, base64 or hex (npm run --silent config:keygen)',
    secret: 'secret',
    example: '',
  })
  @IsOptional()
  @IsString()
  CONFIG_MASTER_KEY?: string;

  @EnvVar({
    group: 'config',
    description: 'File holding the key instead (e.g. a mounted secret)',
    example: '',
    hint: '/run/secrets/config_master_key',
  })
  @IsOptional()
  @IsString()
  CONFIG_MASTER_KEY_FILE?: string;
}
