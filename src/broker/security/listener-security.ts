import type { Socket } from 'node:net';
import type { TLSSocket, TlsOptions } from 'node:tls';
import { ConfigError } from '../../../storage/config/config-error.js';
import { type JaasLoginModule, parseJaasConfig } from '../../protocol/sasl/jaas-config.js';
import { scramMechanismNamed } from '../../protocol/sasl/scram.js';
import type { BrokerConfig, Listener } from '../broker-config.js';
import type { BrokerLog } from '../broker-log.js';
import type { FrameHandler, HandlerReply } from '../network/connection.js';
import type { ResponseAllowance } from '../network/response-memory.js';
import { ANONYMOUS, type ConnectionSession, type KafkaPrincipal, userPrincipal } from './kafka-principal.js';
import { PlainServer, plainUsers } from './sasl/plain-server.js';
import type { SaslServer } from './sasl/sasl-server.js';
import { ScramServer } from './sasl/scram-server.js';
import { type SaslListener, SaslServerAuthenticator } from './sasl-authenticator.js';
import type { ScramCredentialStore } from './scram-credential-store.js';
import { usesSasl, usesTls } from './security-protocol.js';
import { distinguishedName, SslPrincipalMapper } from './ssl-principal-mapper.js';
import { tlsServerOptions } from './tls-server-options.js';

const PLAIN_LOGIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';
const SASL_HANDSHAKE_KEY = 17;

/** What answers the requests of authenticated connections (KafkaApis). */
export interface RequestHandler {
  handle(frame: Buffer, clientAddress: string, allowance: ResponseAllowance | undefined, session: ConnectionSession): Promise<Buffer[] | null>;
}

/**
 * The security of one listener, settled at start: its TLS options (key
 * material read and checked), its SASL mechanisms (JAAS configs parsed), the
 * mapping of client certificates to users. Anything missing or unsupported
 * throws ConfigError naming the setting, so a listener asked to be secure
 * never starts as plaintext.
 */
export class ListenerSecurity {
  readonly tls: TlsOptions | undefined;
  private readonly sasl: SaslListener | undefined;
  private readonly principalMapper: SslPrincipalMapper | undefined;
  private readonly maxRequestBytes: number;
  private readonly maxAuthenticationBytes: number;

  constructor(
    config: BrokerConfig,
    readonly listener: Listener,
    scramCredentials: ScramCredentialStore,
    log: BrokerLog,
  ) {
    const protocol = listener.securityProtocol;
    this.maxRequestBytes = config.int('socket.request.max.bytes');
    this.maxAuthenticationBytes = Math.min(this.maxRequestBytes, config.listenerValue(listener.name, 'sasl.server.max.receive.size')!.value as number);
    if (usesTls(protocol)) {
      this.tls = tlsServerOptions(config, listener.name);
      const rules = config.listenerValue(listener.name, 'ssl.principal.mapping.rules')!;
      this.principalMapper = new SslPrincipalMapper(String(rules.value), rules.key);
    }
    if (usesSasl(protocol)) {
      this.sasl = {
        listenerName: listener.name,
        mechanisms: saslMechanisms(config, listener.name, scramCredentials),
        failureDelayMs: config.listenerValue(listener.name, 'connection.failed.authentication.delay.ms')!.value as number,
        reauthMs: config.listenerValue(listener.name, 'connections.max.reauth.ms')!.value as number,
        log,
      };
    }
  }

  /** The handler of a new connection on this listener; throws to refuse it (a client certificate that is not trusted, or that no mapping rule applies to). */
  openConnection(socket: Socket, apis: RequestHandler): FrameHandler {
    const clientAddress = socket.remoteAddress ?? '';
    const session = (principal: KafkaPrincipal): ConnectionSession => ({
      listenerName: this.listener.name,
      securityProtocol: this.listener.securityProtocol,
      principal,
    });
    const transportPrincipal = this.tls ? this.certificatePrincipal(socket as TLSSocket) : ANONYMOUS;
    if (!this.sasl) {
      const established = session(transportPrincipal);
      return { handle: (frame, allowance) => apis.handle(frame, clientAddress, allowance, established), maxFrameBytes: () => this.maxRequestBytes };
    }
    const unauthenticated = session(ANONYMOUS);
    const authenticator = new SaslServerAuthenticator(this.sasl, clientAddress, (frame) => apis.handle(frame, clientAddress, undefined, unauthenticated));
    let authenticated: ConnectionSession | undefined;
    return {
      handle: async (frame, allowance): Promise<HandlerReply> => {
        // Decided when the frame arrives: a request pipelined behind the last token sees the state that token left.
        if (authenticator.reauthenticates && frame.length >= 2 && frame.readInt16BE(0) === SASL_HANDSHAKE_KEY) authenticator.beginReauthentication();
        else if (authenticator.complete) {
          if (Date.now() >= authenticator.sessionExpiresAt) {
            authenticator.expired(`a request of API key ${frame.length >= 2 ? frame.readInt16BE(0) : '?'}`);
            return { closing: null };
          }
          authenticated ??= session(authenticator.principal!);
          return apis.handle(frame, clientAddress, allowance, authenticated);
        }
        const reply = await authenticator.receive(frame);
        return reply.close ? { closing: reply.response } : reply.response;
      },
      maxFrameBytes: () => (authenticator.complete ? this.maxRequestBytes : this.maxAuthenticationBytes),
    };
  }

  /** The user a client certificate names (Kafka's `User:CN=…`), ANONYMOUS without one; a certificate the trust store does not trust is refused. */
  private certificatePrincipal(socket: TLSSocket): KafkaPrincipal {
    const cert = socket.getPeerX509Certificate();
    if (!cert) return ANONYMOUS;
    if (!socket.authorized) throw new Error(`the client certificate is not trusted: ${String(socket.authorizationError)}`);
    return userPrincipal(this.principalMapper!.userName(distinguishedName(cert)));
  }
}

/** sasl.enabled.mechanisms of a listener, each with what serves it; the unsupported refuse to start. */
function saslMechanisms(config: BrokerConfig, listenerName: string, scramCredentials: ScramCredentialStore): Map<string, () => SaslServer> {
  const enabled = config.listenerValue(listenerName, 'sasl.enabled.mechanisms')!;
  const names = enabled.value as string[];
  if (names.length === 0)
    throw new ConfigError(enabled.key, `listener ${listenerName} uses SASL but enables no mechanism; set ${enabled.key}, like PLAIN or SCRAM-SHA-512`);
  const out = new Map<string, () => SaslServer>();
  for (const name of names) {
    const scram = scramMechanismNamed(name);
    if (scram) {
      out.set(name, () => new ScramServer(scram, (user, mechanism) => scramCredentials.get(user, mechanism)));
    } else if (name === 'PLAIN') {
      const users = plainUsers(plainLoginOptions(config, listenerName));
      out.set(name, () => new PlainServer(users));
    } else {
      throw new ConfigError(
        enabled.key,
        `SASL mechanism ${name} is not supported by samsa; the listener ${listenerName} may enable PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512`,
      );
    }
  }
  return out;
}

/** The options of the PlainLoginModule in `listener.name.<listener>.plain.sasl.jaas.config`, where PLAIN's users are. */
function plainLoginOptions(config: BrokerConfig, listenerName: string): ReadonlyMap<string, string> {
  const key = config.listenerKey(listenerName, 'plain.sasl.jaas.config');
  const jaas = config.listenerValue(listenerName, 'plain.sasl.jaas.config');
  if (!jaas || String(jaas.value).trim() === '') {
    throw new ConfigError(
      key,
      `listener ${listenerName} enables PLAIN, whose users come from its JAAS config: set ${key}=${PLAIN_LOGIN_MODULE} required user_alice="…";`,
    );
  }
  let modules: JaasLoginModule[];
  try {
    modules = parseJaasConfig(String(jaas.value));
  } catch (e) {
    throw new ConfigError(key, (e as Error).message);
  }
  const module = modules.find((m) => m.loginModule === PLAIN_LOGIN_MODULE);
  if (!module) throw new ConfigError(key, `holds no ${PLAIN_LOGIN_MODULE}`);
  return module.options;
}
