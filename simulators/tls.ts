/**
 * A self-signed certificate for the realtime model simulator. The `openai`
 * package always opens its realtime socket with `wss://`, so the simulator
 * speaks TLS; processes trust it through NODE_EXTRA_CA_CERTS, set by the
 * launcher and the test runner, so product code needs no special case.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import selfsigned from 'selfsigned';

export interface SimulatorCertificate {
  key: string;
  cert: string;
  certPath: string;
}

const VALID_DAYS = 3_650;

export async function ensureSimulatorCertificate(directory: string): Promise<SimulatorCertificate> {
  const keyPath = join(directory, 'key.pem');
  const certPath = join(directory, 'cert.pem');
  if (existsSync(keyPath) && existsSync(certPath)) {
    return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8'), certPath };
  }

  const generated = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
    notAfterDate: new Date(Date.now() + VALID_DAYS * 86_400_000),
    keyType: 'ec',
    curve: 'P-256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });

  mkdirSync(directory, { recursive: true });
  writeFileSync(keyPath, generated.private, { mode: 0o600 });
  writeFileSync(certPath, generated.cert);
  return { key: generated.private, cert: generated.cert, certPath };
}
