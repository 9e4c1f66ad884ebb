/** The three interfaces ("channels") of contract §2. */
export const CHANNELS = ['rest', 'soap-v2', 'legacy-soap'] as const;
export type Channel = (typeof CHANNELS)[number];
export type SoapChannel = Exclude<Channel, 'rest'>;
export const SOAP_CHANNELS: readonly SoapChannel[] = ['legacy-soap', 'soap-v2'];

/** `existing`: used the old interface before the renewal; `new`: REST from day one. */
export type ClientKind = 'existing' | 'new';

export interface ChannelException {
  id: string;
  channel: SoapChannel;
  /** Last day (Europe/Helsinki) the channel stays open for this client. */
  until: string;
  reason: string;
  grantedBy: string;
  grantedAt: Date;
  revokedAt: Date | null;
  revokedBy: string | null;
}

/** A client of the gateway: one X-Road subsystem (contract §4). */
export interface Client {
  /** X-Road identifier INSTANCE/CLASS/MEMBER/SUBSYSTEM, each part decoded. */
  id: string;
  name: string;
  organisation: string;
  kind: ClientKind;
  sandbox: boolean;
  /** SHA-256 fingerprints of the TLS client certificates that may speak for this client (lower-case hex). */
  certificateFingerprints: string[];
  exceptions: ChannelException[];
  createdAt: Date;
  updatedAt: Date;
}

/**
 * X-Road identifiers: four non-empty parts; the member class and instance are short upper-case codes.
 * No part holds a space, a control character or an unpaired surrogate (as the X-Road-Client header
 * cannot carry one either).
 */
export const CLIENT_ID_PATTERN =
  /^[^/\s\p{Cc}\p{Cs}]{1,64}\/[^/\s\p{Cc}\p{Cs}]{1,64}\/[^/\s\p{Cc}\p{Cs}]{1,64}\/[^/\s\p{Cc}\p{Cs}]{1,128}$/u;
