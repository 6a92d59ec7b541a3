import { ValidateBy, type ValidationOptions, buildMessage } from 'class-validator';

function hasProtocol(value: unknown, protocols: readonly string[]): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return protocols.includes(url.protocol.replace(/:$/, '')) && url.hostname.length > 0;
  } catch {
    return false;
  }
}

/** A URL (or, on an array, every item) whose scheme is one of `protocols` and that names a host. */
export function IsServiceUrl(protocols: readonly string[], options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isServiceUrl',
      constraints: [protocols],
      validator: {
        validate: (value) => hasProtocol(value, protocols),
        defaultMessage: buildMessage(
          (each) => `${each}$property must be a URL with scheme ${protocols.join(' or ')} and a host`,
          options,
        ),
      },
    },
    options,
  );
}

const HOST_PORT = /^[A-Za-z0-9.-]+:(\d{1,5})$/;

/** `host:port`, with port in 1..65535. */
export function IsHostPort(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isHostPort',
      validator: {
        validate: (value) => {
          if (typeof value !== 'string') return false;
          const match = HOST_PORT.exec(value);
          return match !== null && Number(match[1]) >= 1 && Number(match[1]) <= 65535;
        },
        defaultMessage: buildMessage((each) => `${each}$property must be host:port with a port in 1..65535`, options),
      },
    },
    options,
  );
}
