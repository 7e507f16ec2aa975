import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';

/** PEM files a test made with openssl in a temp dir of its own (nothing of it is committed). */
export interface TestCertificates {
  readonly dir: string;
  /** The CA that signed the broker's and alice's certificates. */
  readonly caPem: string;
  /** The broker's key and certificate chain in one PEM file (KIP-651's PEM key store), for localhost and 127.0.0.1. */
  readonly brokerKeystore: string;
  readonly brokerKey: string;
  readonly brokerCert: string;
  /** The broker's key encrypted with `brokerKeyPassword`. */
  readonly brokerEncryptedKeystore: string;
  readonly brokerKeyPassword: string;
  /** The broker's key and chain as PKCS12, with `brokerKeyPassword`. */
  readonly brokerP12: string;
  /** A client certificate for CN=alice,OU=eng,O=samsa signed by the CA. */
  readonly clientKey: string;
  readonly clientCert: string;
  readonly clientKeystore: string;
  /** Another CA, trusted by nobody, and a client certificate it signed. */
  readonly rogueCaPem: string;
  readonly rogueClientKey: string;
  readonly rogueClientCert: string;
  remove(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('/usr/bin/openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function ca(dir: string, name: string, cn: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${cn}`]);
}

function signed(dir: string, name: string, subject: string, caName: string, extensions?: string): void {
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  const ext = extensions ? ['-extfile', `${name}.ext`] : [];
  if (extensions) writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${caName}.pem`,
    '-CAkey',
    `${caName}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    ...ext,
  ]);
}

/** Makes a CA, a broker certificate, a client certificate and a rogue CA with its own client, with openssl. */
export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-tls-'));
  const path = (f: string) => join(dir, f);
  ca(dir, 'ca', 'samsa-test-ca');
  ca(dir, 'rogue-ca', 'rogue-ca');
  signed(dir, 'broker', '/CN=localhost', 'ca', 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  signed(dir, 'client', '/O=samsa/OU=eng/CN=alice', 'ca');
  signed(dir, 'rogue-client', '/CN=mallory', 'rogue-ca');
  const password = 'key-pass-123';
  writeFileSync(path('broker-keystore.pem'), readFileSync(path('broker.key'), 'utf8') + readFileSync(path('broker.pem'), 'utf8'));
  writeFileSync(path('client-keystore.pem'), readFileSync(path('client.key'), 'utf8') + readFileSync(path('client.pem'), 'utf8'));
  openssl(dir, ['pkcs8', '-topk8', '-in', 'broker.key', '-out', 'broker-encrypted.key', '-passout', `pass:${password}`, '-v2', 'aes-256-cbc']);
  writeFileSync(path('broker-encrypted-keystore.pem'), readFileSync(path('broker-encrypted.key'), 'utf8') + readFileSync(path('broker.pem'), 'utf8'));
  openssl(dir, ['pkcs12', '-export', '-in', 'broker.pem', '-inkey', 'broker.key', '-out', 'broker.p12', '-passout', `pass:${password}`]);
  return {
    dir,
    caPem: path('ca.pem'),
    brokerKeystore: path('broker-keystore.pem'),
    brokerKey: path('broker.key'),
    brokerCert: path('broker.pem'),
    brokerEncryptedKeystore: path('broker-encrypted-keystore.pem'),
    brokerKeyPassword: password,
    brokerP12: path('broker.p12'),
    clientKey: path('client.key'),
    clientCert: path('client.pem'),
    clientKeystore: path('client-keystore.pem'),
    rogueCaPem: path('rogue-ca.pem'),
    rogueClientKey: path('rogue-client.key'),
    rogueClientCert: path('rogue-client.pem'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The SHA-256 fingerprint of the certificate a new TLS session on `port` is shown (unverified: the test compares it). */
export function servedCertificate(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.destroy();
    });
    socket.on('error', reject);
  });
}

/** The SHA-256 fingerprint of a PEM certificate file, as servedCertificate gives it. */
export function certificateFingerprint(pemFile: string): string {
  return new X509Certificate(readFileSync(pemFile)).fingerprint256;
}
