/**
 * Throw-away certificates for tests, made with the openssl CLI (Node's
 * crypto cannot issue X.509 certificates): a CA, and leaf certificates it
 * signs with the extensions given. Everything lives in one folder the
 * caller removes.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { requireTool } from './require-tool.js';

export interface KeyPair {
  cert: Buffer;
  key: Buffer;
}

export class TestPki {
  constructor(readonly dir: string) {
    requireTool('openssl', 'openssl', ['version']);
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  private openssl(...args: string[]): void {
    execFileSync('openssl', args, { stdio: 'pipe' });
  }

  private newKey(name: string): string[] {
    return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', this.file(`${name}.key`)];
  }

  /** A self-signed CA `name`. */
  ca(name: string): KeyPair {
    this.openssl('req', '-x509', ...this.newKey(name), '-subj', `/CN=${name}`, '-days', '2', '-out', this.file(`${name}.crt`));
    return this.read(name);
  }

  /** A certificate `name` for `subject` (`/CN=...`), signed by CA `caName`, with openssl extension lines (`subjectAltName=DNS:x`). */
  leaf(name: string, caName: string, subject: string, extensions: string[]): KeyPair {
    this.openssl('req', '-new', ...this.newKey(name), '-subj', subject, '-out', this.file(`${name}.csr`));
    writeFileSync(this.file(`${name}.ext`), `${extensions.join('\n')}\n`);
    this.openssl(
      'x509',
      '-req',
      '-in',
      this.file(`${name}.csr`),
      '-CA',
      this.file(`${caName}.crt`),
      '-CAkey',
      this.file(`${caName}.key`),
      '-days',
      '2',
      '-extfile',
      this.file(`${name}.ext`),
      '-out',
      this.file(`${name}.crt`),
    );
    return this.read(name);
  }

  /** A serving certificate for DNS names, signed by `caName`. */
  server(name: string, caName: string, dnsNames: string[]): KeyPair {
    return this.leaf(name, caName, `/CN=${dnsNames[0]}`, [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${dnsNames.map((d) => `DNS:${d}`).join(',')}`,
    ]);
  }

  /** A client certificate for user `cn` in groups `o`, signed by `caName`. */
  client(name: string, caName: string, cn: string, o: string[] = []): KeyPair {
    return this.leaf(name, caName, `/CN=${cn}${o.map((g) => `/O=${g}`).join('')}`, [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=clientAuth',
    ]);
  }

  read(name: string): KeyPair {
    return { cert: readFileSync(this.file(`${name}.crt`)), key: readFileSync(this.file(`${name}.key`)) };
  }

  path(name: string, ext: 'crt' | 'key'): string {
    return this.file(`${name}.${ext}`);
  }
}
